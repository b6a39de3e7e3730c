//! Conversation figures: a message written on one phone → shown on the other, over a real
//! relay on loopback, both phones run by their engines (live connections, nothing polling).
//! The time runs from the send until the other side's engine has fetched, decrypted,
//! verified and stored it and said so (its `conversation` event). Beside it, in the same run,
//! the floor: the same sealed bytes posted straight to the relay and the relay's event on a
//! raw WebSocket, with no vault and no engine. Target: p99 ≤ 50 ms. One message every
//! 0.6 s (the relay's per-device rate limit; people write slower still).
//! Run: `cargo bench -p peerline-e2e --bench conversation`. Loopback only; bounded.
//! `PEERLINE_BENCH_SMOKE=1` runs it small (the test command's smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use peerline_core::engine::CoreEvent;
use peerline_core::talk::VaultAccess as _;
use peerline_core::talk::conversation::{self, Said};
use peerline_core::talk::officer::{self, NewRequest};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::*;
use peerline_protocol::relay::{Event, PostMessage, Urgency};
use peerline_testkit::bench::{ms_to, n, pct};

#[tokio::main]
async fn main() {
    let w = World::new(3600).await;
    let (officer, sam) = (w.phone().await, w.phone().await);
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    for p in [&officer, &sam] {
        team::sync_roster(&p.session).await.unwrap();
    }
    peer::set_duty(&sam.session, 120).await.unwrap();
    let r = ask(
        &officer.session,
        NewRequest {
            urgency: Urgency::Now,
            contact: Contact::InApp,
            note: None,
            choice: None,
        },
    )
    .await
    .unwrap();
    let id = r.request_id;
    peer::claim(&sam.session, &id).await.unwrap();
    peer::reply(&sam.session, &id, "Sam here.", 0)
        .await
        .unwrap();
    officer::refresh(&officer.session, &id).await.unwrap();
    let secret: String = officer
        .session
        .with_vault(|v| {
            Ok(v.conn()
                .query_row("SELECT status_secret FROM peer_requests", [], |r| r.get(0))
                .unwrap())
        })
        .unwrap();

    let officer = officer.live();
    let sam = sam.live();
    let mut at_sam = sam.engine.subscribe();
    let mut at_officer = officer.engine.subscribe();
    tokio::time::sleep(Duration::from_millis(500)).await;

    // Written on the officer's phone → shown on the peer's, and back; one message every
    // 0.6 s, a brisk conversation, inside the relay's per-device rate limit (each
    // message costs the writer a post and the reader a fetch and a read mark).
    let count = n(100, 6);
    let (mut to_peer, mut to_officer) = (Vec::new(), Vec::new());
    for i in 0..count {
        let (from, at, lat) = if i % 2 == 0 {
            (&officer, &mut at_sam, &mut to_peer)
        } else {
            (&sam, &mut at_officer, &mut to_officer)
        };
        let t0 = Instant::now();
        conversation::send(
            &*from.engine.session(),
            &id,
            Said::Text {
                text: format!("message {i}: a sentence or two, about the size people write"),
            },
        )
        .await
        .unwrap();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match tokio::time::timeout_at(deadline, at.recv()).await {
                Ok(Ok(CoreEvent::Conversation(c))) if c.request_id == id && c.arrived > 0 => break,
                Ok(_) => {}
                Err(_) => panic!("message {i} not shown within 10 s"),
            }
        }
        lat.push(t0.elapsed());
        // The reader shows it: the relay deletes it (as the open screen does).
        let reader = if i % 2 == 0 { &sam } else { &officer };
        conversation::mark_read(&*reader.engine.session(), &id)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(600).saturating_sub(t0.elapsed())).await;
    }
    let mut all: Vec<Duration> = to_peer.iter().chain(&to_officer).copied().collect();

    // The floor: sealed bytes straight to the relay, and its event on a raw socket. Both
    // vaults lock first, so neither engine works on these messages meanwhile.
    for phone in [&officer, &sam] {
        phone.engine.with(|s| {
            let _ = s.lock();
        });
        phone.engine.changed();
    }
    let url = w.url();
    let relay = peerline_client::RelayClient::anonymous(&url).unwrap();
    let mut socket = peerline_testkit::request_events(&url, &id, &secret).await;
    let sealed = peerline_protocol::b64::encode(&[0xA5; 700]);
    let mut floor = Vec::new();
    for _ in 0..count {
        let t0 = Instant::now();
        relay
            .post_message(
                &id,
                Some(&secret),
                &PostMessage {
                    message_id: peerline_testkit::peerline_relay_test_id(),
                    ciphertext: sealed.clone(),
                },
            )
            .await
            .unwrap();
        while !matches!(
            peerline_testkit::next_event(&mut socket).await,
            Event::Conversation { .. }
        ) {}
        floor.push(t0.elapsed());
    }

    println!(
        "conversation, {count} messages on loopback: sent -> shown on the other phone p50 {}, p99 {}, max {} \
         (officer -> peer p50 {}, peer -> officer p50 {}); limit in this run (post -> relay event, no vault, no engine) p50 {}, p99 {}; target p99 <= 50 ms",
        ms_to(pct(&mut all, 0.5), 1),
        ms_to(pct(&mut all, 0.99), 1),
        ms_to(pct(&mut all, 1.0), 1),
        ms_to(pct(&mut to_peer, 0.5), 1),
        ms_to(pct(&mut to_officer, 0.5), 1),
        ms_to(pct(&mut floor, 0.5), 1),
        ms_to(pct(&mut floor, 0.99), 1),
    );
}
