//! Post → the officer sees "accepted": how long after a peer takes the request the officer's phone
//! knows, the way the app did it before (its status screen asked the relay every 4 s, and a
//! background loop every 15 s) beside the engine's way (the request's own WebSocket pushes
//! the change; the engine reads the status once). Real relay on loopback; bounded.
//! Run: `cargo bench -p peerline-e2e --bench status` (`PEERLINE_BENCH_SMOKE=1`: two rounds
//! each, the test command's smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use peerline_core::engine::CoreEvent;
use peerline_core::talk::officer::{self, NewRequest, Stage};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::*;
use peerline_protocol::relay::Urgency;
use peerline_testkit::bench::{ms_to, n, pct};

/// How often the old status screen asked.
const OLD_POLL: Duration = Duration::from_secs(4);

fn ask() -> NewRequest {
    NewRequest {
        urgency: Urgency::Now,
        contact: Contact::InApp,
        note: None,
        choice: None,
    }
}

/// The peer takes and answers the request; returns when it started to take it (the origin
/// of both figures: from then on the officer's status is "accepted").
async fn answer(sam: &Phone, id: &str) -> Instant {
    peer::inbox(&sam.session).await.unwrap();
    let start = Instant::now();
    peer::claim(&sam.session, id).await.unwrap();
    peer::reply(&sam.session, id, "This is Sam.", 5)
        .await
        .unwrap();
    start
}

#[tokio::main]
async fn main() {
    let rounds = n(12, 2);
    // More asks than the default daily token allowance (20 per phone).
    let w = World::with_settings(peerline_client::TeamSettings {
        escalation_secs: Some(3600),
        tokens_per_day: Some(1000),
    })
    .await;
    let sam = w.phone().await;
    let polled = w.phone().await;
    let pushed = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    for p in [&sam, &polled, &pushed] {
        team::sync_roster(&p.session).await.unwrap();
    }
    peer::set_duty(&sam.session, 60).await.unwrap();

    // Before: a status screen asking every 4 s, starting at a random phase.
    let mut before = Vec::new();
    for round in 0..rounds {
        let id = peerline_e2e::ask(&polled.session, ask())
            .await
            .unwrap()
            .request_id;
        // The screen's last ask fell somewhere in the 4 s before the reply.
        let phase = OLD_POLL.mul_f64((round as f64 + 0.5) / rounds as f64);
        let replied = answer(&sam, &id).await;
        tokio::time::sleep(OLD_POLL - phase).await;
        loop {
            let v = officer::refresh(&polled.session, &id).await.unwrap();
            if v.stage == Stage::Accepted {
                before.push(replied.elapsed());
                break;
            }
            tokio::time::sleep(OLD_POLL).await;
        }
        peer::close(&sam.session, &id).await.unwrap();
    }

    // After: the engine follows the request's WebSocket.
    let officer = pushed.live();
    let events = officer.engine.subscribe();
    let mut after = Vec::new();
    for _ in 0..rounds {
        let id = officer
            .engine
            .flow(|s| async move { peerline_e2e::ask(&*s, ask()).await })
            .await
            .unwrap()
            .request_id;
        // Let the engine open the request's connection before the peer acts.
        tokio::time::sleep(Duration::from_millis(200)).await;
        // The moment the officer's app is told, taken where the event arrives.
        let mut rx = events.resubscribe();
        let watched = id.clone();
        let seen = tokio::spawn(async move {
            loop {
                if let Ok(CoreEvent::RequestUpdated(r)) = rx.recv().await
                    && r.request_id == watched
                    && r.stage == Stage::Accepted
                {
                    return Instant::now();
                }
            }
        });
        let replied = answer(&sam, &id).await;
        let seen = tokio::time::timeout(Duration::from_secs(10), seen)
            .await
            .expect("accepted within 10 s")
            .unwrap();
        after.push(seen - replied);
        peer::close(&sam.session, &id).await.unwrap();
    }

    println!(
        "peer takes it -> officer sees accepted, polled every 4 s (before): p50 {}, max {} ({rounds} rounds)",
        ms_to(pct(&mut before, 0.5), 1),
        ms_to(pct(&mut before, 1.0), 1)
    );
    println!(
        "peer takes it -> officer sees accepted, pushed by the request's WebSocket (engine): p50 {}, max {} ({rounds} rounds)",
        ms_to(pct(&mut after, 0.5), 1),
        ms_to(pct(&mut after, 1.0), 1)
    );
}
