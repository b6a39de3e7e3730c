//! The engine end to end: an officer's phone run by its engine hears its request's status
//! pushed over the request's WebSocket (sent → delivered → accepted) instead of asking, and
//! while nothing happens it sends nothing but the WebSocket itself. A real relay on
//! 127.0.0.1 behind a recording proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use peerline_core::engine::{CoreEvent, Live};
use peerline_core::talk::officer::{self, NewRequest, Stage};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::*;

fn stage_of(event: &CoreEvent, id: &str) -> Option<(Stage, Option<String>)> {
    match event {
        CoreEvent::RequestUpdated(r) if r.request_id == id => {
            Some((r.stage, r.accepted_by.clone()))
        }
        _ => None,
    }
}

/// Plain HTTP requests in the recording (WebSocket upgrades and frames left out).
fn http_requests(rec: &Recording) -> Vec<String> {
    rec.requests()
        .iter()
        .map(|r| String::from_utf8_lossy(r).to_ascii_lowercase())
        .filter(|r| {
            ["get /", "post /", "put /", "delete /"]
                .iter()
                .any(|m| r.starts_with(m))
                && !r.contains("upgrade: websocket")
        })
        .map(|r| r.lines().next().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_officer_hears_delivered_and_accepted_pushed_and_an_idle_app_sends_nothing() {
    let w = World::new(180).await;
    let proxy = recording_proxy(w.addr).await;
    let sam = w.phone().await;
    let officer_phone = w.phone_via(&proxy.url).await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    for p in [&sam, &officer_phone] {
        team::sync_roster(&p.session).await.unwrap();
    }
    peer::set_duty(&sam.session, 60).await.unwrap();

    let officer = officer_phone.live();
    let mut events = officer.engine.subscribe();
    let sent = officer
        .engine
        .flow(|s| async move {
            peerline_e2e::ask(
                &*s,
                NewRequest {
                    urgency: peerline_protocol::relay::Urgency::Now,
                    contact: Contact::InApp,
                    note: None,
                    choice: None,
                },
            )
            .await
        })
        .await
        .unwrap();
    assert_eq!(sent.stage, Stage::Sent);
    let id = sent.request_id.clone();
    // The engine follows the request live once it is sent.
    for _ in 0..100 {
        if officer
            .engine
            .live_connections()
            .contains(&Live::Request(id.clone()))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // Sam's phone fetches it: the officer is told "delivered" by the relay, not by asking.
    let inbox = peer::inbox(&sam.session).await.unwrap();
    assert_eq!(inbox.len(), 1);
    officer
        .wait_for(&mut events, Duration::from_secs(10), |e| {
            stage_of(e, &id).filter(|(s, _)| *s == Stage::Delivered)
        })
        .await;
    peer::claim(&sam.session, &id).await.unwrap();
    peer::reply(&sam.session, &id, "This is Sam, calling in 5.", 5)
        .await
        .unwrap();
    let (_, by) = officer
        .wait_for(&mut events, Duration::from_secs(10), |e| {
            stage_of(e, &id).filter(|(s, b)| *s == Stage::Accepted && b.is_some())
        })
        .await;
    assert_eq!(by.as_deref(), Some("Sam R."));

    // Ten minutes of the officer's clock with the request open and nothing happening: the
    // engine runs its jobs as they fall due, and the relay hears nothing but the open
    // WebSocket.
    let before = http_requests(&proxy);
    for _ in 0..20 {
        officer.clock.advance(30);
        officer.engine.tick().await;
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let after = http_requests(&proxy);
    assert_eq!(
        after[before.len()..],
        [] as [String; 0],
        "no HTTP request while idle"
    );
    assert!(
        officer
            .engine
            .live_connections()
            .contains(&Live::Request(id.clone())),
        "still following the request"
    );
    // The proxy does see a status read when one is made (so the silence above is real).
    officer
        .engine
        .flow(|s| async move { officer::refresh(&*s, &id).await })
        .await
        .unwrap();
    let read = http_requests(&proxy);
    assert_eq!(read.len(), after.len() + 1, "{read:?}");
    assert!(read[after.len()].starts_with("get /v1/requests/"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_closed_on_the_relay_while_nobody_followed_it_is_closed_here_and_let_go() {
    let w = World::new(180).await;
    let sam = w.phone().await;
    let officer_phone = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    for p in [&sam, &officer_phone] {
        team::sync_roster(&p.session).await.unwrap();
    }
    let sent = peerline_e2e::ask(
        &officer_phone.session,
        NewRequest {
            urgency: peerline_protocol::relay::Urgency::Now,
            contact: Contact::InApp,
            note: None,
            choice: None,
        },
    )
    .await
    .unwrap();
    let id = sent.request_id.clone();
    // Taken and closed by the peer while the officer's app was not running.
    peer::inbox(&sam.session).await.unwrap();
    peer::claim(&sam.session, &id).await.unwrap();
    peer::close(&sam.session, &id).await.unwrap();

    // The engine starts, tries to follow it, hears the relay no longer has it, reads its
    // status once (closing it here) and stops following: no reconnect loop.
    let officer = officer_phone.live();
    let mut events = officer.engine.subscribe();
    officer.engine.changed();
    officer
        .wait_for(&mut events, Duration::from_secs(10), |e| {
            stage_of(e, &id).filter(|(s, _)| *s == Stage::Closed)
        })
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(officer.engine.live_connections().is_empty());
    assert_eq!(
        officer
            .engine
            .deadline(&peerline_core::engine::Job::Reconnect(Live::Request(id))),
        None
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_whose_vault_is_locked_still_hears_of_new_requests() {
    let w = World::new(180).await;
    let sam_phone = w.phone().await;
    let officer_phone = w.phone().await;
    w.publish_roster(1, &[(&sam_phone, "sam", "Sam R.")]).await;
    for p in [&sam_phone, &officer_phone] {
        team::sync_roster(&p.session).await.unwrap();
    }
    peer::set_duty(&sam_phone.session, 60).await.unwrap();

    let sam = sam_phone.live();
    let mut events = sam.engine.subscribe();
    sam.engine.changed();
    sam.wait_for(&mut events, Duration::from_secs(10), |e| match e {
        CoreEvent::PeerEvent(p) if !p.new_request => Some(()),
        _ => None,
    })
    .await;
    // Locked (as after the auto-lock in the background): the team connection stays.
    sam.engine.with(|s| s.lock()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(sam.engine.live_connections().contains(&Live::Team));

    let sent = peerline_e2e::ask(
        &officer_phone.session,
        NewRequest {
            urgency: peerline_protocol::relay::Urgency::Now,
            contact: Contact::InApp,
            note: Some("private words".into()),
            choice: None,
        },
    )
    .await
    .unwrap();
    let heard = sam
        .wait_for(&mut events, Duration::from_secs(10), |e| match e {
            CoreEvent::PeerEvent(p) if p.new_request => Some(e.clone()),
            _ => None,
        })
        .await;
    let (title, text) = heard.notification().expect("a new request is notified");
    assert!(!format!("{title} {text}").contains("private"));
    assert!(
        matches!(
            sam.engine.with(|s| s.status()),
            peerline_core::session::VaultStatus::Locked { .. }
        ),
        "hearing of it opened nothing"
    );
    // The request is for the peer to read once they unlock.
    sam.engine.with(|s| s.unlock("e2e-passcode")).unwrap();
    let inbox = sam
        .engine
        .flow(|s| async move { peer::inbox(&*s).await })
        .await
        .unwrap();
    assert_eq!(inbox[0].request_id, sent.request_id);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_officer_who_is_not_a_peer_keeps_no_connection_while_locked() {
    let w = World::new(180).await;
    let sam = w.phone().await;
    let officer_phone = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    let officer = officer_phone.live();
    officer.engine.changed();
    tokio::time::sleep(Duration::from_millis(100)).await;
    officer.engine.with(|s| s.lock()).unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(officer.engine.live_connections().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn duty_set_through_the_engine_is_told_and_ends_on_its_own_clock() {
    let w = World::new(180).await;
    let sam_phone = w.phone().await;
    w.publish_roster(1, &[(&sam_phone, "sam", "Sam R.")]).await;
    team::sync_roster(&sam_phone.session).await.unwrap();
    let sam = sam_phone.live();
    let mut events = sam.engine.subscribe();
    let on = sam.engine.set_duty(60).await.unwrap();
    assert_eq!(on, vec!["sam".to_string()]);
    let until = sam
        .wait_for(&mut events, Duration::from_secs(10), |e| match e {
            CoreEvent::Duty(d) => d.on_duty_until,
            _ => None,
        })
        .await;
    assert_eq!(until, sam.engine.now() + 3600);
    assert_eq!(sam.engine.duty().on_duty_until, Some(until));
    // An hour on the engine's clock later, the stretch is over without anyone asking.
    sam.clock.advance(3601);
    sam.engine.tick().await;
    sam.wait_for(&mut events, Duration::from_secs(10), |e| match e {
        CoreEvent::Duty(d) if d.on_duty_until.is_none() => Some(()),
        _ => None,
    })
    .await;
    assert_eq!(sam.engine.duty().on_duty_until, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tap_with_no_token_left_queues_at_once_and_goes_when_the_background_refill_lands() {
    let w = World::new(180).await;
    let sam = w.phone().await;
    let officer_phone = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    officer_phone.sql("DELETE FROM request_tokens", []);
    let officer = officer_phone.live();
    let mut events = officer.engine.subscribe();

    // The tap answers at once, queued and saying why; the relay saw no token fetch with it.
    let queued = officer
        .engine
        .flow(|s| async move {
            peerline_e2e::ask(
                &*s,
                NewRequest {
                    urgency: peerline_protocol::relay::Urgency::Now,
                    contact: Contact::InApp,
                    note: None,
                    choice: None,
                },
            )
            .await
        })
        .await
        .unwrap();
    assert_eq!(queued.stage, Stage::Queued);
    assert!(
        queued
            .failure
            .as_deref()
            .is_some_and(|f| f.contains("tokens")),
        "{queued:?}"
    );
    // Someone is waiting: the refill comes within seconds, not minutes.
    let now = officer.engine.now();
    let refill = officer
        .engine
        .deadline(&peerline_core::engine::Job::TokenRefill)
        .expect("a refill is planned");
    assert!(
        refill > now && refill <= now + 8,
        "refill at +{}",
        refill - now
    );

    officer.clock.advance(refill - now);
    officer.engine.tick().await;
    let id = queued.request_id.clone();
    officer
        .wait_for(&mut events, Duration::from_secs(10), |e| {
            stage_of(e, &id).filter(|(s, _)| *s == Stage::Sent)
        })
        .await;
}

#[tokio::test]
async fn a_check_in_request_set_for_three_days_goes_then_anonymously_and_not_before() {
    let w = World::new(180).await;
    let sam = w.phone().await;
    let officer_phone = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    let officer = officer_phone.live();
    let start = officer.engine.now();
    let asked = officer
        .engine
        .with(|s| {
            let now = s.clock().now().timestamp();
            peerline_core::talk::scheduled::schedule(
                s.vault()?,
                &NewRequest {
                    urgency: peerline_protocol::relay::Urgency::Today,
                    contact: Contact::InApp,
                    note: Some("Please check on me.".into()),
                    choice: None,
                },
                3,
                now,
            )
        })
        .unwrap();
    officer.engine.changed();
    assert_eq!(
        officer
            .engine
            .deadline(&peerline_core::engine::Job::ScheduledAsk),
        Some(start + 3 * 86_400)
    );
    // Until then the relay holds nothing of it.
    officer.clock.advance(3 * 86_400 - 60);
    officer.engine.tick().await;
    assert!(sam_inbox(&sam).await.is_empty());

    let mut events = officer.engine.subscribe();
    officer.clock.advance(60);
    officer.engine.tick().await;
    let sent = officer
        .wait_for(&mut events, Duration::from_secs(10), |e| match e {
            CoreEvent::RequestUpdated(r) if r.stage == Stage::Sent => Some(r.request_id.clone()),
            _ => None,
        })
        .await;
    let inbox = sam_inbox(&sam).await;
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].request_id, sent);
    assert_eq!(inbox[0].note.as_deref(), Some("Please check on me."));
    // Posted as every request is, paid with an anonymous token (spent now, not at the
    // time it was set), and the relay's row names no device.
    let db = rusqlite::Connection::open(w.relay_db()).unwrap();
    let count = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!(count("SELECT COUNT(*) FROM spent_tokens"), 1);
    assert_eq!(
        count("SELECT COUNT(*) FROM requests WHERE claimed_by_device IS NOT NULL"),
        0
    );
    // And it is off the list.
    let left = officer
        .engine
        .with(|s| peerline_core::talk::scheduled::list(s.vault()?))
        .unwrap();
    assert!(left.iter().all(|a| a.id != asked.id));
}

async fn sam_inbox(sam: &Phone) -> Vec<peerline_core::talk::peer::InboxItem> {
    peer::inbox(&sam.session).await.unwrap()
}
