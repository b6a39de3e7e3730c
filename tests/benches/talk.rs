//! Talk-to-a-peer figures: age encryption cost and size by recipient count, and tap →
//! decrypted request on a peer's phone over loopback with 50 on-duty peers.
//! Run: `cargo bench -p peerline-e2e --bench talk`. Loopback only; bounded.
//! `PEERLINE_BENCH_SMOKE=1` runs it small (5 peers, 3 taps): the test command's smoke run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use peerline_core::talk::officer::{self, NewRequest};
use peerline_core::talk::payload::{self, Contact};
use peerline_core::talk::{VaultAccess as _, peer, team, tokens};
use peerline_e2e::*;
use peerline_protocol::relay::{PostRequest, Urgency};
use peerline_testkit::bench::{ms_to, n, pct};

#[tokio::main]
async fn main() {
    // 1. Encryption cost and size versus recipients (1 KiB request).
    let plaintext = vec![b'x'; 1024];
    let iterations = n(20, 2);
    for n in [1usize, 10, 50, 200] {
        let ids: Vec<_> = (0..n).map(|_| payload::new_identity()).collect();
        let recipients: Vec<String> = ids.iter().map(|(_, r)| r.clone()).collect();
        let mut enc = Vec::new();
        let mut size = 0;
        for _ in 0..iterations {
            let t = Instant::now();
            size = payload::seal(&plaintext, &recipients).unwrap().len();
            enc.push(t.elapsed());
        }
        let ct = payload::seal(&plaintext, &recipients).unwrap();
        let last = payload::identity(&ids[n - 1].0).unwrap();
        let mut dec = Vec::new();
        for _ in 0..iterations {
            let t = Instant::now();
            payload::open(&ct, &last).unwrap();
            dec.push(t.elapsed());
        }
        println!(
            "age, 1 KiB to {n:>3} recipients: encrypt median {}, {size} bytes; last recipient decrypts in {}",
            ms_to(pct(&mut enc, 0.5), 2),
            ms_to(pct(&mut dec, 0.5), 2)
        );
    }

    // 2. Tap -> decrypted on a peer's phone, 50 on-duty peers, real relay on loopback.
    // More asks than the default daily token allowance (20 per phone).
    // The 50th peer's inbox is read as fast as the relay answers, all from 127.0.0.1: past
    // what one phone or one address may ask.
    let w = World::with_limits(
        peerline_client::TeamSettings {
            escalation_secs: Some(3600),
            tokens_per_day: Some(1000),
        },
        peerline_relay::Limits {
            per_signer_per_sec: 10_000,
            per_signer_burst: 10_000,
            per_ip_per_sec: 100_000,
            per_ip_burst: 100_000,
            ..Default::default()
        },
    )
    .await;
    let officer_phone = w.phone().await;
    let mut peers = Vec::new();
    for _ in 0..n(50, 5) {
        peers.push(w.phone().await);
    }
    let names: Vec<String> = (0..peers.len()).map(|i| format!("peer{i}")).collect();
    let roster: Vec<(&Phone, &str, &str)> = peers
        .iter()
        .zip(&names)
        .map(|(p, n)| (p, n.as_str(), n.as_str()))
        .collect();
    w.publish_roster(1, &roster).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    for p in &peers {
        team::sync_roster(&p.session).await.unwrap();
        peer::set_duty(&p.session, 120).await.unwrap();
    }
    let last_peer = peers.last().unwrap();
    let note = "a short note, a few words about the night";
    let taps = n(100, 3);
    let recipients: Vec<String> = peers
        .iter()
        .map(|p| {
            p.session
                .with_vault(|v| peer::ensure_identity(v, None))
                .unwrap()
                .age_recipient
        })
        .collect();
    let m = officer_phone
        .session
        .with_vault(|v| team::require_membership(v))
        .unwrap();
    // Each tap is measured beside the limit, alternately, so both see the same machine.
    // The limit: the same request sealed to the same 50 peers, one
    // anonymous POST with a token on a connection of its own, and the 50th peer's fetch and
    // decrypt; no vault, no outbox, no status bookkeeping.
    let (mut lat, mut limit) = (Vec::new(), Vec::new());
    for _ in 0..taps {
        // The engine keeps tokens topped up in the background; here, between taps.
        tokens::top_up(&officer_phone.session).await.unwrap();
        let t0 = Instant::now();
        let sent = peerline_e2e::ask(
            &officer_phone.session,
            NewRequest {
                urgency: Urgency::Now,
                contact: Contact::Call("+1 555 010 0100".into()),
                note: Some(note.into()),
                choice: None,
            },
        )
        .await
        .unwrap();
        assert_eq!(
            sent.stage,
            officer::Stage::Sent,
            "the tap posts at once: {sent:?}"
        );
        seen_by(last_peer, &sent.request_id, t0).await;
        lat.push(t0.elapsed());
        officer::cancel(&officer_phone.session, &sent.request_id)
            .await
            .unwrap();

        tokens::top_up(&officer_phone.session).await.unwrap();
        let token = officer_phone
            .session
            .with_vault(|v| tokens::take(v))
            .unwrap()
            .unwrap();
        let id = peerline_testkit::peerline_relay_test_id();
        let secret = peerline_testkit::peerline_relay_test_id();
        let t0 = Instant::now();
        // A new connection per anonymous post, as the app makes: reusing one would let the
        // relay link two requests by their connection.
        let relay = peerline_client::RelayClient::anonymous(&m.relay_url).unwrap();
        let body = serde_json::to_vec(&payload::RequestPayload {
            v: 1,
            request_id: id.clone(),
            urgency: Urgency::Now,
            contact: Contact::Call("+1 555 010 0100".into()),
            note: Some(note.into()),
            reply_key: payload::new_identity().1,
            officer_key: None,
        })
        .unwrap();
        let ct = payload::seal(&body, &recipients).unwrap();
        relay
            .post_request(
                &m.team_id,
                &PostRequest {
                    request_id: id.clone(),
                    urgency: Urgency::Now,
                    recipient_key_ids: names.clone(),
                    expires_at: peerline_testkit::now() + 3600,
                    ciphertext: peerline_protocol::b64::encode(&ct),
                    status_hash: peerline_protocol::auth::secret_hash_hex(&secret),
                    token: Some(token),
                },
            )
            .await
            .unwrap();
        seen_by(last_peer, &id, t0).await;
        limit.push(t0.elapsed());
        relay.close_request(&id, Some(&secret)).await.unwrap();
    }
    println!(
        "tap -> decrypted on the 50th on-duty peer (encrypt to 50, post, fetch, decrypt): p50 {}, p99 {} (n={taps})",
        ms_to(pct(&mut lat, 0.5), 2),
        ms_to(pct(&mut lat, 0.99), 2)
    );
    println!(
        "limit, same run (seal to 50 + anonymous POST + the 50th peer's GET and open): p50 {}, p99 {} (n={taps})",
        ms_to(pct(&mut limit, 0.5), 2),
        ms_to(pct(&mut limit, 0.99), 2)
    );
}

/// Waits (bounded) until `peer`'s inbox holds `id`, decrypted.
async fn seen_by(peer: &Phone, id: &str, since: Instant) {
    let deadline = since + Duration::from_secs(10);
    loop {
        let inbox = peer::inbox(&peer.session).await.unwrap();
        if inbox.iter().any(|i| i.request_id == id) {
            return;
        }
        assert!(Instant::now() < deadline, "request not seen within 10 s");
    }
}
