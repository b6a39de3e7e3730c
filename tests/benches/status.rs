//! Post → the officer sees "accepted": how long after a peer's reply the officer's phone
//! knows, the way the app did it before (its status screen asked the relay every 4 s, and a
//! background loop every 15 s) beside the engine's way (the request's own WebSocket pushes
//! the change; the engine reads the status once). Real relay on loopback; bounded.
//! Run: `cargo bench -p peerline-e2e --bench status`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use peerline_core::engine::CoreEvent;
use peerline_core::talk::officer::{self, NewRequest, Stage};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::*;
use peerline_protocol::relay::Urgency;

/// How often the old status screen asked.
const OLD_POLL: Duration = Duration::from_secs(4);
const ROUNDS: usize = 12;

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1e3)
}

fn ask() -> NewRequest {
    NewRequest {
        urgency: Urgency::Now,
        contact: Contact::InApp,
        note: None,
    }
}

/// The peer takes and answers the request; returns when the relay has the reply.
async fn answer(sam: &Phone, id: &str) -> Instant {
    peer::inbox(&sam.session).await.unwrap();
    peer::claim(&sam.session, id).await.unwrap();
    peer::reply(&sam.session, id, "This is Sam.", 5)
        .await
        .unwrap();
    Instant::now()
}

#[tokio::main]
async fn main() {
    let w = World::new(3600).await;
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
    for round in 0..ROUNDS {
        let id = officer::ask_for_peer(&polled.session, ask())
            .await
            .unwrap()
            .request_id;
        // The screen's last ask fell somewhere in the 4 s before the reply.
        let phase = OLD_POLL.mul_f64((round as f64 + 0.5) / ROUNDS as f64);
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
    let mut events = officer.engine.subscribe();
    let mut after = Vec::new();
    for _ in 0..ROUNDS {
        let id = officer
            .engine
            .flow(|s| async move { officer::ask_for_peer(&*s, ask()).await })
            .await
            .unwrap()
            .request_id;
        // Let the engine open the request's connection before the peer acts.
        tokio::time::sleep(Duration::from_millis(200)).await;
        let replied = answer(&sam, &id).await;
        officer
            .wait_for(&mut events, Duration::from_secs(10), |e| match e {
                CoreEvent::RequestUpdated(r)
                    if r.request_id == id && r.stage == Stage::Accepted =>
                {
                    Some(())
                }
                _ => None,
            })
            .await;
        after.push(replied.elapsed());
        peer::close(&sam.session, &id).await.unwrap();
    }

    println!(
        "reply -> officer sees accepted, polled every 4 s (before): p50 {}, max {} ({ROUNDS} rounds)",
        ms(pct(&mut before, 0.5)),
        ms(pct(&mut before, 1.0))
    );
    println!(
        "reply -> officer sees accepted, pushed by the request's WebSocket (engine): p50 {}, max {} ({ROUNDS} rounds)",
        ms(pct(&mut after, 0.5)),
        ms(pct(&mut after, 1.0))
    );
}
