//! Talk to a peer, end to end: a real relay on 127.0.0.1 and five real app cores.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_protocol::endpoints as ep;
use std::time::Duration;

use peerline_core::talk::officer::{self, NewRequest, Stage};
use peerline_core::talk::payload::{self, Contact, ReplyPayload, RequestPayload};
use peerline_core::talk::{peer, team};
use peerline_e2e::*;
use peerline_protocol::b64;
use peerline_protocol::relay::{OpenRequest, PostReply};
use reqwest::Method;

const NOTE: &str = "MARKER-NOTE-5e1c rough night after the call";
const PHONE: &str = "+1 555 010 0199";

fn now_request() -> NewRequest {
    NewRequest {
        urgency: peerline_protocol::relay::Urgency::Now,
        contact: Contact::Call(PHONE.into()),
        note: Some(NOTE.into()),
        choice: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_reaches_the_on_duty_peers_one_claims_and_the_officer_sees_who() {
    let w = World::new(180).await;
    let officer_phone = w.phone().await;
    let (sam, lee, kim, pat) = (
        w.phone().await,
        w.phone().await,
        w.phone().await,
        w.phone().await,
    );
    w.publish_roster(
        1,
        &[
            (&sam, "sam", "Sam R."),
            (&lee, "lee", "Lee T."),
            (&kim, "kim", "Kim O."),
            (&pat, "pat", "Pat D."),
        ],
    )
    .await;
    for p in [&officer_phone, &sam, &lee, &kim, &pat] {
        let (version, roster) = team::sync_roster(&p.session).await.unwrap().unwrap();
        assert_eq!((version, roster.peers.len()), (1, 4));
    }
    for p in [&sam, &lee, &kim] {
        peer::set_duty(&p.session, 60).await.unwrap();
    }

    let sent = peerline_e2e::ask(&officer_phone.session, now_request())
        .await
        .unwrap();
    assert_eq!(sent.stage, Stage::Sent);

    // Exactly the on-duty three can read it; the off-duty peer cannot.
    for p in [&sam, &lee, &kim] {
        let inbox = peer::inbox(&p.session).await.unwrap();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].note.as_deref(), Some(NOTE));
        assert_eq!(inbox[0].contact, Contact::Call(PHONE.into()));
        assert!(inbox[0].open);
    }
    assert!(peer::inbox(&pat.session).await.unwrap().is_empty());
    let delivered = officer::refresh(&officer_phone.session, &sent.request_id)
        .await
        .unwrap();
    assert_eq!(
        delivered.stage,
        Stage::Delivered,
        "it reached the peers' phones"
    );

    peer::claim(&sam.session, &sent.request_id).await.unwrap();
    let taken = peer::claim(&lee.session, &sent.request_id)
        .await
        .unwrap_err();
    assert_eq!(taken.code(), "ALREADY_TAKEN");
    assert!(taken.to_string().contains("Another peer"));
    let lee_view = peer::inbox(&lee.session).await.unwrap();
    assert!(
        !lee_view[0].open && !lee_view[0].mine,
        "others see it taken"
    );

    peer::reply(
        &sam.session,
        &sent.request_id,
        "This is Sam, I'll call in 10 min",
        10,
    )
    .await
    .unwrap();
    let seen = officer::refresh(&officer_phone.session, &sent.request_id)
        .await
        .unwrap();
    assert_eq!(seen.stage, Stage::Accepted);
    assert_eq!(seen.accepted_by.as_deref(), Some("Sam R."));
    assert_eq!(
        seen.reply_message.as_deref(),
        Some("This is Sam, I'll call in 10 min")
    );
    assert_eq!(seen.reply_eta_minutes, Some(10));

    // The relay holds no plaintext of the note or the phone number, ever.
    for needle in [NOTE.as_bytes(), PHONE.as_bytes(), b"This is Sam"] {
        assert!(files_contain(w.dir.path(), needle).is_empty());
    }

    let closed = officer::cancel(&officer_phone.session, &sent.request_id)
        .await
        .unwrap();
    assert_eq!(closed.stage, Stage::Closed);
    assert!(
        peer::inbox(&sam.session).await.unwrap().is_empty(),
        "closed means deleted on the relay"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn offline_requests_wait_in_the_outbox_and_are_delivered_exactly_once() {
    let mut w = World::new(180).await;
    let officer_phone = w.phone().await;
    let sam = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    team::sync_roster(&sam.session).await.unwrap();

    w.stop_relay().await;
    let queued = peerline_e2e::ask(&officer_phone.session, now_request())
        .await
        .unwrap();
    assert_eq!(
        queued.stage,
        Stage::Queued,
        "no error: it waits in the outbox"
    );
    assert_eq!(queued.attempts, 1);

    w.start_relay_again().await;
    // The first retry waits out a short back-off on the phone's clock; bounded.
    let mut delivered = false;
    for _ in 0..40 {
        officer_phone.clock.advance(1);
        if officer::flush_outbox(&officer_phone.session)
            .await
            .unwrap_or(0)
            == 1
        {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(delivered, "sent once the relay is back");
    assert_eq!(
        officer::flush_outbox(&officer_phone.session).await.unwrap(),
        0,
        "nothing sent twice"
    );

    // A send whose answer was lost (the phone never heard back) is sent again: the relay
    // deduplicates, so the peer still sees one request.
    officer_phone.sql(
        "UPDATE peer_requests SET state = 'queued', next_attempt_at = 0",
        [],
    );
    assert_eq!(
        officer::flush_outbox(&officer_phone.session).await.unwrap(),
        1
    );
    assert_eq!(peer::inbox(&sam.session).await.unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reply_not_signed_by_the_claiming_peer_is_rejected() {
    let w = World::new(180).await;
    let officer_phone = w.phone().await;
    let (sam, kim) = (w.phone().await, w.phone().await);
    w.publish_roster(1, &[(&sam, "sam", "Sam R."), (&kim, "kim", "Kim O.")])
        .await;
    for p in [&officer_phone, &sam, &kim] {
        team::sync_roster(&p.session).await.unwrap();
    }
    let sent = peerline_e2e::ask(&officer_phone.session, now_request())
        .await
        .unwrap();

    // Kim claims, then sends a reply that claims to be from Sam, signed with Kim's key.
    peer::claim(&kim.session, &sent.request_id).await.unwrap();
    let m = kim
        .session
        .lock()
        .unwrap()
        .vault()
        .map(team::require_membership)
        .unwrap()
        .unwrap();
    let client = m.client().unwrap();
    let open: Vec<OpenRequest> = client
        .call::<(), _>(Method::GET, &ep::team_requests(&m.team_id), None, &[])
        .await
        .unwrap();
    let kim_identity: String = kim
        .session
        .lock()
        .unwrap()
        .vault()
        .unwrap()
        .conn()
        .query_row("SELECT age_identity FROM peer_identity", [], |r| r.get(0))
        .unwrap();
    let ct = b64::decode(&open[0].ciphertext).unwrap();
    let request: RequestPayload = serde_json::from_slice(
        &payload::open(&ct, &payload::identity(&kim_identity).unwrap()).unwrap(),
    )
    .unwrap();
    let impostor_key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    let forged = ReplyPayload::signed(
        &sent.request_id,
        "sam",
        "This is Sam, all good, no need to call",
        0,
        &payload::new_identity().1,
        &impostor_key,
    );
    let forged_ct =
        payload::seal(&serde_json::to_vec(&forged).unwrap(), &[request.reply_key]).unwrap();
    let _: serde_json::Value = client
        .call(
            Method::POST,
            &ep::request_reply(&sent.request_id),
            Some(&PostReply {
                ciphertext: b64::encode(&forged_ct),
            }),
            &[],
        )
        .await
        .unwrap();

    let seen = officer::refresh(&officer_phone.session, &sent.request_id)
        .await
        .unwrap();
    assert_eq!(seen.accepted_by, None, "the forged name is never shown");
    assert_eq!(seen.reply_message, None);
    assert!(
        seen.failure
            .as_deref()
            .unwrap_or("")
            .contains("could not be verified"),
        "{:?}",
        seen.failure
    );
    let view = officer::list(officer_phone.session.lock().unwrap().vault().unwrap()).unwrap();
    assert_eq!(view[0].accepted_by, None, "the forged name is never shown");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unclaimed_urgent_request_escalates_to_every_peer_and_the_officer_sees_it() {
    let w = World::new(1).await;
    let officer_phone = w.phone().await;
    let (sam, pat) = (w.phone().await, w.phone().await);
    w.publish_roster(1, &[(&sam, "sam", "Sam R."), (&pat, "pat", "Pat D.")])
        .await;
    for p in [&officer_phone, &sam, &pat] {
        team::sync_roster(&p.session).await.unwrap();
    }
    peer::set_duty(&sam.session, 60).await.unwrap();
    let sent = peerline_e2e::ask(&officer_phone.session, now_request())
        .await
        .unwrap();
    assert!(
        peer::inbox(&pat.session).await.unwrap().is_empty(),
        "off duty: not yet"
    );
    let mut escalated = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if officer::refresh(&officer_phone.session, &sent.request_id)
            .await
            .unwrap()
            .escalated
        {
            escalated = true;
            break;
        }
    }
    assert!(escalated);
    // Re-encrypted to every peer: the off-duty peer can read it now.
    let inbox = peer::inbox(&pat.session).await.unwrap();
    assert_eq!(inbox.len(), 1);
    assert!(inbox[0].escalated);
    assert_eq!(inbox[0].note.as_deref(), Some(NOTE));
}

fn fresh_vault(dir: &std::path::Path) -> std::sync::Mutex<peerline_core::session::Session> {
    let mut s = peerline_core::session::Session::start(peerline_core::session::SessionConfig {
        data_dir: dir.to_owned(),
        kdf: peerline_core::vault::wrap::KdfParams::OWASP_MINIMUM,
        store: Err("none".into()),
    });
    s.create(Some("e2e-passcode")).unwrap();
    std::sync::Mutex::new(s)
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_invites_get_clear_errors() {
    let w = World::new(180).await;
    let link = w.invite().await;
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (first, second) = (fresh_vault(d1.path()), fresh_vault(d2.path()));
    team::join(&first, &link).await.unwrap();
    let again = team::join(&first, &link).await.unwrap_err();
    assert!(again.to_string().contains("already in a team"), "{again}");
    let used = team::join(&second, &link).await.unwrap_err();
    assert_eq!(used.code(), "INVITE_INVALID");
    assert!(used.to_string().contains("already been used"), "{used}");
    let damaged = team::join(&second, "peerline://join?v=1&relay=x")
        .await
        .unwrap_err();
    assert_eq!(damaged.code(), "INVITE_INVALID");
    let insecure = w
        .invite()
        .await
        .replace("http%3A%2F%2F127.0.0.1", "http%3A%2F%2Frelay.example.org");
    let e = team::join(&second, &insecure).await.unwrap_err();
    assert!(e.to_string().contains("https"), "{e}");
    // Nothing was stored by the failed joins.
    let info = second
        .lock()
        .unwrap()
        .vault()
        .map(team::team_info)
        .unwrap()
        .unwrap();
    assert!(info.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_roster_swapped_or_rolled_back_by_the_relay_operator_is_refused() {
    let w = World::new(180).await;
    let officer_phone = w.phone().await;
    let sam = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    let v1: (i64, String, String) = relay_roster(&w);
    w.publish_roster(2, &[(&sam, "sam", "Sam Rivera")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();

    // The operator puts the older, validly signed version back: a rollback.
    let db = rusqlite::Connection::open(w.relay_db()).unwrap();
    db.execute(
        "UPDATE blobs SET version = ?1, payload = ?2, signature = ?3 WHERE kind = 'roster'",
        rusqlite::params![v1.0, v1.1, v1.2],
    )
    .unwrap();
    let e = team::sync_roster(&officer_phone.session).await.unwrap_err();
    assert_eq!(e.code(), "NOT_AUTHENTIC");
    assert!(e.to_string().contains("older"), "{e}");

    // The operator edits the names in place (signature no longer matches): refused.
    let mut roster: serde_json::Value =
        serde_json::from_slice(&b64::decode(&v1.1).unwrap()).unwrap();
    roster["peers"][0]["display_name"] = "Mallory".into();
    db.execute(
        "UPDATE blobs SET version = 3, payload = ?1 WHERE kind = 'roster'",
        rusqlite::params![b64::encode(&serde_json::to_vec(&roster).unwrap())],
    )
    .unwrap();
    let e = team::sync_roster(&officer_phone.session).await.unwrap_err();
    assert!(e.to_string().contains("not signed by your team"), "{e}");

    // The good copy is kept.
    let info = officer_phone
        .session
        .lock()
        .unwrap()
        .vault()
        .map(team::team_info)
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(info.roster_version, Some(2));
    assert_eq!(info.peers[0].display_name, "Sam Rivera");
}

fn relay_roster(w: &World) -> (i64, String, String) {
    let db = rusqlite::Connection::open(w.relay_db()).unwrap();
    db.query_row(
        "SELECT version, payload, signature FROM blobs WHERE kind = 'roster'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_peer_hears_of_a_new_request_live_with_no_content_in_the_event() {
    let w = World::new(180).await;
    let officer_phone = w.phone().await;
    let sam = std::sync::Arc::new(w.phone().await);
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    team::sync_roster(&sam.session).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let listener = sam.clone();
    let watcher = tokio::spawn(async move {
        peerline_core::talk::events::watch_team(&listener.session, move |e| {
            let _ = tx.send(e);
        })
        .await
    });
    // The socket connects in the background; post until one event arrives (bounded), so a
    // slow connect cannot make the test flaky.
    let mut sent_ids = Vec::new();
    let mut got = None;
    for _ in 0..10 {
        let sent = peerline_e2e::ask(&officer_phone.session, now_request())
            .await
            .unwrap();
        sent_ids.push(sent.request_id);
        if let Ok(Some(e)) = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await {
            got = Some(e);
            break;
        }
    }
    let event = got.expect("an event within ten posts");
    assert!(sent_ids.iter().any(|id| id == event.request_id()));
    let json = serde_json::to_string(&event).unwrap();
    assert!(
        !json.contains("MARKER") && !json.contains("555"),
        "ids and states only: {json}"
    );
    assert_eq!(
        peerline_core::talk::events::notification_text(&event),
        Some("New peer request")
    );
    watcher.abort();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_request_the_relay_refuses_fails_clearly_and_does_not_block_the_outbox() {
    let mut w = World::new(180).await;
    let officer_phone = w.phone().await;
    let sam = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    team::sync_roster(&sam.session).await.unwrap();
    w.stop_relay().await;
    let stale = peerline_e2e::ask(&officer_phone.session, now_request())
        .await
        .unwrap();
    let fresh = peerline_e2e::ask(&officer_phone.session, now_request())
        .await
        .unwrap();
    // The first waited so long offline that its expiry passed.
    officer_phone.sql(
        "UPDATE peer_requests SET expires_at = 1000, next_attempt_at = 0 WHERE request_id = ?1",
        [&stale.request_id],
    );
    officer_phone.sql("UPDATE peer_requests SET next_attempt_at = 0", []);
    w.start_relay_again().await;
    assert_eq!(
        officer::flush_outbox(&officer_phone.session).await.unwrap(),
        1
    );
    let list = officer::list(officer_phone.session.lock().unwrap().vault().unwrap()).unwrap();
    let failed = list
        .iter()
        .find(|r| r.request_id == stale.request_id)
        .unwrap();
    assert_eq!(failed.stage, Stage::Failed);
    assert!(failed.failure.as_deref().unwrap().contains("refused"));
    let sent = list
        .iter()
        .find(|r| r.request_id == fresh.request_id)
        .unwrap();
    assert_eq!(sent.stage, Stage::Sent, "the next request went out anyway");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_relay_cannot_tell_which_device_asked_or_link_two_requests() {
    let w = World::new(180).await;
    let (alex, blair, sam) = (w.phone().await, w.phone().await, w.phone().await);
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    for p in [&alex, &blair] {
        team::sync_roster(&p.session).await.unwrap();
    }
    let a1 = peerline_e2e::ask(&alex.session, now_request())
        .await
        .unwrap();
    let a2 = peerline_e2e::ask(&alex.session, now_request())
        .await
        .unwrap();
    let b1 = peerline_e2e::ask(&blair.session, now_request())
        .await
        .unwrap();
    for r in [&a1, &a2, &b1] {
        assert_eq!(r.stage, Stage::Sent, "{:?}", r.failure);
    }
    let device_of = |p: &Phone| {
        let s = p.session.lock().unwrap();
        let m = team::require_membership(s.vault().unwrap()).unwrap();
        (
            m.device_id.clone(),
            b64::encode(m.device_key.verifying_key().as_bytes()),
        )
    };
    let (alex_id, alex_key) = device_of(&alex);

    // Everything the relay holds about requests, tokens and nonces: no trace of the device.
    let db = rusqlite::Connection::open(w.relay_db()).unwrap();
    for table in [
        "requests",
        "spent_tokens",
        "nonces",
        "closed_requests",
        "duty",
    ] {
        let mut stmt = db.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let n = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                let text = match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        String::from_utf8_lossy(t).into_owned()
                    }
                    other => format!("{other:?}"),
                };
                assert!(
                    !text.contains(&alex_id) && !text.contains(&alex_key),
                    "{table} holds the device"
                );
            }
        }
    }
    // Two requests of the same officer share nothing that is not shared with everyone:
    // different status hashes, different tokens, and three spent tokens for three posts.
    let hashes: Vec<String> = db
        .prepare("SELECT status_hash FROM requests")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut unique = hashes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((hashes.len(), unique.len()), (3, 3));
    let spent: i64 = db
        .query_row("SELECT count(*) FROM spent_tokens", [], |r| r.get(0))
        .unwrap();
    assert_eq!(spent, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_killed_mid_post_and_restarted_still_delivers_each_request_exactly_once() {
    let mut w = World::new(180).await;
    let officer_phone = std::sync::Arc::new(w.phone().await);
    let sam = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    team::sync_roster(&sam.session).await.unwrap();
    w.stop_relay().await;
    let mut child = spawn_relay(&w);

    let mut asked = Vec::new();
    for round in 0..8u64 {
        // As the engine does in the background: tokens are never fetched on the tap.
        peerline_core::talk::tokens::top_up(&officer_phone.session)
            .await
            .unwrap();
        let phone = officer_phone.clone();
        let ask =
            tokio::spawn(async move { peerline_e2e::ask(&phone.session, now_request()).await });
        // Kill at a different moment each round: before, during or after the post.
        tokio::time::sleep(Duration::from_millis(round * 3)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let view = tokio::time::timeout(Duration::from_secs(30), ask)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        asked.push(view.request_id);
        child = spawn_relay(&w);
        // Let the outbox retry now rather than after its back-off (bounded).
        for _ in 0..20 {
            officer_phone.sql(
                "UPDATE peer_requests SET next_attempt_at = 0 WHERE state = 'queued'",
                [],
            );
            let _ = officer::flush_outbox(&officer_phone.session).await;
            let queued: i64 =
                officer_phone.count("SELECT count(*) FROM peer_requests WHERE state = 'queued'");
            if queued == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let inbox = peer::inbox(&sam.session).await.unwrap();
    let mut seen: Vec<_> = inbox.iter().map(|i| i.request_id.clone()).collect();
    seen.sort();
    let mut want = asked.clone();
    want.sort();
    assert_eq!(seen, want, "every request once, none lost, none twice");
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn tokens_are_fetched_at_join_and_refilled_off_the_request_path() {
    let w = World::new(180).await;
    let officer_phone = w.phone().await;
    let sam = w.phone().await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    team::sync_roster(&officer_phone.session).await.unwrap();
    let held = |p: &Phone| {
        let s = p.session.lock().unwrap();
        peerline_core::talk::tokens::count(s.vault().unwrap()).unwrap()
    };
    assert_eq!(
        held(&officer_phone),
        peerline_core::talk::tokens::BATCH,
        "fetched at join"
    );
    for _ in 0..3 {
        peerline_e2e::ask(&officer_phone.session, now_request())
            .await
            .unwrap();
    }
    assert_eq!(
        held(&officer_phone),
        2,
        "posting spends and does not fetch while any are left"
    );
    // The app's timer: with odds of one in one it refills now.
    peerline_core::talk::tokens::top_up_at_random(&officer_phone.session, 1)
        .await
        .unwrap();
    assert_eq!(held(&officer_phone), 2 + peerline_core::talk::tokens::BATCH);
    // Not low: nothing fetched.
    peerline_core::talk::tokens::top_up_at_random(&officer_phone.session, 1)
        .await
        .unwrap();
    assert_eq!(held(&officer_phone), 2 + peerline_core::talk::tokens::BATCH);
}
