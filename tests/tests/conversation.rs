//! The conversation after a claim, end to end on loopback: real vaults, a real relay.
//! Officer and peer write to each other end-to-end encrypted and signed; order, no loss
//! and no duplicate across a relay restart mid-way; forged, replayed and cross-request
//! messages are refused; nothing of a message on the relay after it is read or the request
//! closes; the officer keeps the text only if they choose; a hand-off with the officer's
//! consent.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_core::talk::conversation::{self, LineKind, MessageState, Said};
use peerline_core::talk::officer::{self, NewRequest, Stage};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::{Phone, World, all_files, contains};
use peerline_protocol::relay::Urgency;

struct Talk {
    w: World,
    officer: Phone,
    sam: Phone,
    lee: Phone,
    id: String,
}

/// An officer's request, taken and answered by Sam; Lee is on duty too.
async fn talking() -> Talk {
    let w = World::new(600).await;
    let officer = w.phone().await;
    let (sam, lee) = (w.phone().await, w.phone().await);
    w.publish_roster(1, &[(&sam, "sam", "Sam R."), (&lee, "lee", "Lee T.")])
        .await;
    for p in [&officer, &sam, &lee] {
        team::sync_roster(&p.session).await.unwrap();
    }
    for p in [&sam, &lee] {
        peer::set_duty(&p.session, 60).await.unwrap();
    }
    let r = peerline_e2e::ask(
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
    peer::claim(&sam.session, &r.request_id).await.unwrap();
    peer::reply(&sam.session, &r.request_id, "This is Sam. I'm here.", 0)
        .await
        .unwrap();
    let seen = officer::refresh(&officer.session, &r.request_id)
        .await
        .unwrap();
    assert_eq!(seen.stage, Stage::Accepted);
    Talk {
        w,
        officer,
        sam,
        lee,
        id: r.request_id,
    }
}

fn text(s: &str) -> Said {
    Said::Text { text: s.into() }
}

fn texts(v: &conversation::ConversationView) -> Vec<(bool, String)> {
    v.messages
        .iter()
        .filter(|m| m.kind == LineKind::Text)
        .map(|m| (m.mine, m.text.clone()))
        .collect()
}

fn view(p: &Phone, id: &str) -> conversation::ConversationView {
    conversation::view(p.session.lock().unwrap().vault().unwrap(), id).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn officer_and_peer_talk_and_nothing_stays_after_close() {
    let t = talking().await;
    let o = &t.officer.session;
    let s = &t.sam.session;
    let v = conversation::send(o, &t.id, text("conv-Q7 rough night, can we talk"))
        .await
        .unwrap();
    assert!(v.can_write && !v.as_peer);
    assert_eq!(v.messages[0].state, MessageState::Sent);
    assert_eq!(conversation::sync(s, &t.id).await.unwrap(), 1);
    let at_sam = view(&t.sam, &t.id);
    assert!(at_sam.as_peer);
    assert_eq!(
        texts(&at_sam),
        [(false, "conv-Q7 rough night, can we talk".to_owned())]
    );
    conversation::send(s, &t.id, text("conv-Q7 of course. Calling?"))
        .await
        .unwrap();

    // The officer fetches: Sam's message arrives, and Sam's phone fetched the officer's.
    assert_eq!(conversation::sync(o, &t.id).await.unwrap(), 1);
    let at_officer = view(&t.officer, &t.id);
    assert_eq!(
        texts(&at_officer),
        [
            (true, "conv-Q7 rough night, can we talk".to_owned()),
            (false, "conv-Q7 of course. Calling?".to_owned())
        ]
    );
    assert_eq!(at_officer.messages[0].state, MessageState::Delivered);
    // Sam reads: it leaves the relay, and the officer sees "read".
    conversation::mark_read(s, &t.id).await.unwrap();
    conversation::sync(o, &t.id).await.unwrap();
    assert_eq!(
        view(&t.officer, &t.id).messages[0].state,
        MessageState::Read
    );
    conversation::mark_read(o, &t.id).await.unwrap();
    let relay_db = rusqlite::Connection::open(t.w.relay_db()).unwrap();
    let waiting: i64 = relay_db
        .query_row("SELECT count(*) FROM request_messages", [], |r| r.get(0))
        .unwrap();
    assert_eq!(waiting, 0, "read messages are gone from the relay");

    // A message still unread when the request closes goes with it.
    conversation::send(s, &t.id, text("conv-Q7 unread at close"))
        .await
        .unwrap();
    officer::cancel(o, &t.id).await.unwrap();
    for f in all_files(t.w.dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!contains(&bytes, "conv-Q7"), "{f:?} holds message text");
    }
    // The officer did not choose to keep it: no text, no keys on the phone.
    assert_eq!(t.officer.count("SELECT count(*) FROM talk_messages"), 0);
    assert_eq!(
        t.officer.count("SELECT count(*) FROM peer_requests WHERE sign_secret IS NOT NULL OR peer_key IS NOT NULL"),
        0
    );
    // The peer's phone keeps nothing once the request is gone.
    peer::inbox(s).await.unwrap();
    assert_eq!(t.sam.count("SELECT count(*) FROM talk_messages"), 0);
    assert_eq!(t.sam.count("SELECT count(*) FROM peer_cases"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_officer_can_keep_the_text_and_only_the_text() {
    let t = talking().await;
    let o = &t.officer.session;
    conversation::send(o, &t.id, text("keep this one"))
        .await
        .unwrap();
    conversation::send(&t.sam.session, &t.id, text("and this"))
        .await
        .unwrap();
    conversation::sync(o, &t.id).await.unwrap();
    let kept = conversation::set_keep(o.lock().unwrap().vault().unwrap(), &t.id, true).unwrap();
    assert!(kept.keep);
    officer::cancel(o, &t.id).await.unwrap();
    assert_eq!(
        texts(&view(&t.officer, &t.id)),
        [
            (true, "keep this one".to_owned()),
            (false, "and this".to_owned())
        ]
    );
    assert_eq!(
        t.officer
            .count("SELECT count(*) FROM talk_messages WHERE ciphertext IS NOT NULL"),
        0
    );
    // Closed: nothing more can be written.
    assert!(
        conversation::send(o, &t.id, text("after close"))
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn two_hundred_messages_survive_a_relay_restart_in_order_without_loss_or_duplicate() {
    let mut t = talking().await;
    let o = &t.officer.session;
    let s = &t.sam.session;
    for i in 0..200 {
        if i == 100 {
            t.w.stop_relay().await;
        }
        if i == 130 {
            t.w.start_relay_again().await;
        }
        let (from, to) = if i % 3 == 0 { (s, o) } else { (o, s) };
        // While the relay is down the message waits in the vault, and says so.
        let v = conversation::send(from, &t.id, text(&format!("m{i:03}")))
            .await
            .unwrap();
        let last = v.messages.last().unwrap();
        let expected = if (100..130).contains(&i) {
            MessageState::Queued
        } else {
            MessageState::Sent
        };
        assert_eq!(last.state, expected, "message {i}");
        if i % 10 == 9 && !(100..130).contains(&i) {
            conversation::sync(to, &t.id).await.unwrap();
        }
    }
    // One more round each: what waited goes, what arrived is fetched.
    for _ in 0..2 {
        conversation::sync(o, &t.id).await.unwrap();
        conversation::sync(s, &t.id).await.unwrap();
    }
    let (vo, vs) = (view(&t.officer, &t.id), view(&t.sam, &t.id));
    for v in [&vo, &vs] {
        let mut got: Vec<String> = texts(v).into_iter().map(|(_, t)| t).collect();
        assert_eq!(got.len(), 200, "no loss, no duplicate");
        got.sort();
        got.dedup();
        assert_eq!(got.len(), 200);
        // Each author's messages in the order they were written.
        for mine in [true, false] {
            let seq: Vec<&str> = v
                .messages
                .iter()
                .filter(|m| m.mine == mine && m.kind == LineKind::Text)
                .map(|m| m.text.as_str())
                .collect();
            let mut sorted = seq.clone();
            sorted.sort();
            assert_eq!(seq, sorted, "order kept");
        }
    }
    assert!(vo.messages.iter().all(|m| m.state != MessageState::Queued));
}

#[tokio::test(flavor = "multi_thread")]
async fn forged_replayed_and_cross_request_messages_are_refused() {
    let t = talking().await;
    let o = &t.officer.session;
    let s = &t.sam.session;
    conversation::send(o, &t.id, text("genuine")).await.unwrap();
    // What the relay stored: the sealed message, and the officer's status secret (anyone
    // holding it, or the relay itself, can post).
    let relay_db = rusqlite::Connection::open(t.w.relay_db()).unwrap();
    let sealed: Vec<u8> = relay_db
        .query_row("SELECT ciphertext FROM request_messages", [], |r| r.get(0))
        .unwrap();
    let secret: String = t
        .officer
        .session
        .lock()
        .unwrap()
        .vault()
        .unwrap()
        .conn()
        .query_row("SELECT status_secret FROM peer_requests", [], |r| r.get(0))
        .unwrap();
    let relay = peerline_client::RelayClient::anonymous(&t.w.url()).unwrap();
    let post = |ct: &[u8]| peerline_protocol::relay::PostMessage {
        message_id: peerline_core::random_id(),
        ciphertext: peerline_protocol::b64::encode(ct),
    };
    // Replayed: the same sealed message under a new id.
    relay
        .post_message(&t.id, Some(&secret), &post(&sealed))
        .await
        .unwrap();
    // Forged: bytes that are no message of the officer's.
    relay
        .post_message(&t.id, Some(&secret), &post(b"not a sealed message"))
        .await
        .unwrap();
    conversation::sync(s, &t.id).await.unwrap();
    assert_eq!(texts(&view(&t.sam, &t.id)), [(false, "genuine".to_owned())]);

    // Cross-request: a second request of the same officer, taken by Lee; Sam's message
    // from the first conversation posted into it is not Sam's to Lee, nor the officer's.
    let r2 = peerline_e2e::ask(
        o,
        NewRequest {
            urgency: Urgency::Today,
            contact: Contact::InApp,
            note: None,
            choice: None,
        },
    )
    .await
    .unwrap();
    peer::claim(&t.lee.session, &r2.request_id).await.unwrap();
    peer::reply(&t.lee.session, &r2.request_id, "Lee here.", 5)
        .await
        .unwrap();
    officer::refresh(o, &r2.request_id).await.unwrap();
    conversation::send(s, &t.id, text("for the first request"))
        .await
        .unwrap();
    let from_sam: Vec<u8> = relay_db
        .query_row(
            "SELECT ciphertext FROM request_messages WHERE request_id = ?1 AND author = 'peer'",
            [&t.id],
            |r| r.get(0),
        )
        .unwrap();
    // Lee's device posts it into the second request, as Lee.
    let lee_client = team::require_membership(t.lee.session.lock().unwrap().vault().unwrap())
        .unwrap()
        .client()
        .unwrap();
    lee_client
        .post_message(&r2.request_id, None, &post(&from_sam))
        .await
        .unwrap();
    conversation::sync(o, &r2.request_id).await.unwrap();
    let v2 = view(&t.officer, &r2.request_id);
    assert!(texts(&v2).is_empty(), "not shown: {:?}", texts(&v2));
    assert!(
        v2.warning.is_some(),
        "and the officer is told one was refused"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_hand_off_needs_the_officers_consent_and_leaves_nothing_with_the_first_peer() {
    let t = talking().await;
    let o = &t.officer.session;
    conversation::send(
        &t.sam.session,
        &t.id,
        text("I know someone better for this"),
    )
    .await
    .unwrap();
    conversation::send(
        &t.sam.session,
        &t.id,
        Said::HandOff {
            to: Some("lee".into()),
        },
    )
    .await
    .unwrap();
    conversation::sync(o, &t.id).await.unwrap();
    let asked = view(&t.officer, &t.id);
    assert_eq!(
        asked.hand_off.as_ref().and_then(|h| h.to_name.as_deref()),
        Some("Lee T.")
    );
    // Nothing changes for Lee until the officer agrees: it is still Sam's.
    let before = peer::inbox(&t.lee.session).await.unwrap();
    assert!(before.iter().any(|i| i.request_id == t.id && !i.open));
    let agreed = officer::answer_hand_off(o, &t.id, true).await.unwrap();
    assert!(agreed.hand_off.is_none());
    assert!(
        agreed
            .messages
            .iter()
            .any(|m| m.kind == LineKind::Note
                && m.text == "You agreed: Sam R. handed this to Lee T.")
    );
    // Lee reads, takes and answers it; the officer talks with Lee now.
    let inbox = peer::inbox(&t.lee.session).await.unwrap();
    assert!(inbox.iter().any(|i| i.request_id == t.id && i.open));
    peer::claim(&t.lee.session, &t.id).await.unwrap();
    peer::reply(
        &t.lee.session,
        &t.id,
        "Lee here, Sam filled me in on nothing; tell me.",
        0,
    )
    .await
    .unwrap();
    let r = officer::refresh(o, &t.id).await.unwrap();
    assert_eq!(r.accepted_by.as_deref(), Some("Lee T."));
    conversation::send(o, &t.id, text("hi Lee")).await.unwrap();
    conversation::sync(&t.lee.session, &t.id).await.unwrap();
    assert_eq!(texts(&view(&t.lee, &t.id)), [(false, "hi Lee".to_owned())]);
    // Sam's phone keeps nothing of it, and Sam can no longer read it.
    assert!(
        peer::inbox(&t.sam.session)
            .await
            .unwrap()
            .iter()
            .all(|i| i.request_id != t.id)
    );
    assert_eq!(t.sam.count("SELECT count(*) FROM peer_cases"), 0);
    assert_eq!(t.sam.count("SELECT count(*) FROM talk_messages"), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn declining_a_hand_off_tells_the_peer() {
    let t = talking().await;
    conversation::send(&t.sam.session, &t.id, Said::HandOff { to: None })
        .await
        .unwrap();
    conversation::sync(&t.officer.session, &t.id).await.unwrap();
    assert!(view(&t.officer, &t.id).hand_off.is_some());
    let v = officer::answer_hand_off(&t.officer.session, &t.id, false)
        .await
        .unwrap();
    assert!(v.hand_off.is_none());
    conversation::sync(&t.sam.session, &t.id).await.unwrap();
    assert!(
        view(&t.sam, &t.id)
            .messages
            .iter()
            .any(|m| m.kind == LineKind::Declined && !m.mine)
    );
}

/// The app's engine follows the conversation live: the peer writes, and the officer's
/// engine (nothing polling) fetches, verifies and says so with a content-free event and
/// notification; the officer's answer reaches the peer's engine the same way.
#[tokio::test(flavor = "multi_thread")]
async fn both_engines_hear_of_new_messages_within_seconds_and_say_nothing_of_them() {
    use peerline_core::engine::CoreEvent;
    use std::time::Duration;
    let t = talking().await;
    let Talk {
        w,
        officer,
        sam,
        id,
        ..
    } = t;
    let officer = officer.live();
    let sam = sam.live();
    let mut at_officer = officer.engine.subscribe();
    let mut at_sam = sam.engine.subscribe();
    let new_message = |id: String| {
        move |e: &CoreEvent| match e {
            CoreEvent::Conversation(c) if c.request_id == id && c.arrived > 0 => {
                Some((c.arrived, e.notification()))
            }
            _ => None,
        }
    };
    // Let both connections come up before the first message.
    tokio::time::sleep(Duration::from_millis(500)).await;
    conversation::send(
        &*sam.engine.session(),
        &id,
        text("engine-Q9 are you there?"),
    )
    .await
    .unwrap();
    let (arrived, note) = officer
        .wait_for(
            &mut at_officer,
            Duration::from_secs(10),
            new_message(id.clone()),
        )
        .await;
    assert_eq!(arrived, 1);
    assert_eq!(note, Some(("Peerline", "New message")));
    conversation::send(&*officer.engine.session(), &id, text("engine-Q9 yes"))
        .await
        .unwrap();
    let (arrived, _) = sam
        .wait_for(
            &mut at_sam,
            Duration::from_secs(10),
            new_message(id.clone()),
        )
        .await;
    assert_eq!(arrived, 1);
    let v = conversation::view(
        officer.engine.session().lock().unwrap().vault().unwrap(),
        &id,
    )
    .unwrap();
    assert_eq!(
        texts(&v),
        [
            (false, "engine-Q9 are you there?".to_owned()),
            (true, "engine-Q9 yes".to_owned())
        ]
    );
    drop(w);
}

/// Peers keep no case notes, not even in a backup: a peer's backup taken mid-conversation
/// restores with no conversation keys or words. The officer's request stays in theirs.
#[tokio::test(flavor = "multi_thread")]
async fn a_peers_backup_carries_no_conversation() {
    use peerline_core::backup::{RestoreMode, encrypt_with_work_factor, restore_bytes};
    let t = talking().await;
    conversation::send(&t.officer.session, &t.id, text("backup-Q3 words"))
        .await
        .unwrap();
    conversation::sync(&t.sam.session, &t.id).await.unwrap();
    assert_eq!(t.sam.count("SELECT count(*) FROM talk_messages"), 1);
    let bytes = {
        let s = t.sam.session.lock().unwrap();
        encrypt_with_work_factor(s.vault().unwrap(), "correct horse battery", 4).unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let mut fresh = peerline_core::vault::Vault::create(
        &dir.path().join("v.db"),
        &peerline_core::vault::VaultKey::generate(),
    )
    .unwrap();
    restore_bytes(
        &mut fresh,
        &bytes,
        "correct horse battery",
        RestoreMode::Ask,
    )
    .unwrap();
    for table in ["talk_messages", "peer_cases"] {
        let n: i64 = fresh
            .conn()
            .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 0, "{table} in a peer's backup");
    }
}
