//! Sync of an officer's own check-ins between their devices, end to end: real vaults, a
//! real relay on 127.0.0.1. Turning sync on gives a recovery code; a fresh phone with that
//! code alone gets every check-in; edits and deletes on either side converge; the relay's
//! files hold nothing readable; a wrong code finds nothing and leaves nothing behind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::DateTime;
use peerline_core::checkins::{self, QuickCheckIn};
use peerline_core::sync::round;
use peerline_core::talk::VaultAccess as _;
use peerline_e2e::*;

fn entry(mood: u8, note: &str) -> QuickCheckIn {
    QuickCheckIn {
        mood,
        note: Some(note.into()),
        ..Default::default()
    }
}

fn at(s: &str) -> DateTime<chrono::FixedOffset> {
    DateTime::parse_from_rfc3339(s).unwrap()
}

/// The check-ins a phone holds, as (id, mood, note), sorted.
fn held(p: &Phone) -> Vec<(String, u8, Option<String>)> {
    let mut v: Vec<_> = p
        .session
        .with_vault(|v| checkins::recent(v, 1000))
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.entry.mood, c.entry.note))
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_phone_with_the_recovery_code_gets_every_check_in_and_edits_converge() {
    let w = World::new(180).await;
    let first = w.phone().await;
    for (i, when) in ["2026-11-01T08:00:00-05:00", "2026-11-02T22:30:00-05:00"]
        .iter()
        .enumerate()
    {
        first
            .session
            .with_vault(|v| checkins::save(v, &entry(2 + i as u8, "SYNC-MARKER-before"), at(when)))
            .unwrap();
    }
    let code = round::turn_on(&first.session).await.unwrap();
    let shown = code.display();
    let sent = round::sync_now(&first.session).await.unwrap();
    assert_eq!(sent.sent, 2, "what was there before sync went up");

    // A new phone: the code and the relay's address, nothing else.
    let second = w.phone().await;
    let got = round::restore(&second.session, &w.url(), &shown)
        .await
        .unwrap();
    assert_eq!(got.received, 2);
    assert_eq!(held(&second), held(&first));

    // Both go on offline: a new check-in on the first, an edit and a delete on the second.
    let both = held(&first);
    first
        .session
        .with_vault(|v| {
            checkins::save(
                v,
                &entry(5, "SYNC-MARKER-first"),
                at("2026-11-03T07:00:00-05:00"),
            )
        })
        .unwrap();
    second
        .session
        .with_vault(|v| checkins::update(v, &both[0].0, &entry(1, "SYNC-MARKER-edited")))
        .unwrap();
    second
        .session
        .with_vault(|v| checkins::delete(v, &both[1].0))
        .unwrap();
    // A later edit on the first of the record the second deleted: the delete is final.
    first
        .session
        .with_vault(|v| checkins::update(v, &both[1].0, &entry(4, "too late")))
        .unwrap();

    for _ in 0..2 {
        round::sync_now(&first.session).await.unwrap();
        round::sync_now(&second.session).await.unwrap();
    }
    let a = held(&first);
    assert_eq!(a, held(&second), "both phones hold the same check-ins");
    assert_eq!(a.len(), 2);
    assert!(
        a.iter()
            .any(|c| c.2.as_deref() == Some("SYNC-MARKER-edited"))
    );
    assert!(
        a.iter()
            .any(|c| c.2.as_deref() == Some("SYNC-MARKER-first"))
    );
    assert!(
        a.iter().all(|c| c.0 != both[1].0),
        "deleted on one, gone on both"
    );

    // The relay's files hold none of it readable.
    let db = std::fs::read(w.relay_db()).unwrap();
    let wal = std::fs::read(w.relay_db().with_extension("db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(
            !bytes.windows(11).any(|x| x == b"SYNC-MARKER"),
            "a note in the relay's files"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_recovery_code_finds_nothing_and_leaves_sync_off() {
    let w = World::new(180).await;
    let first = w.phone().await;
    let code = round::turn_on(&first.session).await.unwrap();
    round::sync_now(&first.session).await.unwrap();
    let second = w.phone().await;
    let other = peerline_core::sync::code::RecoveryCode::generate().display();
    let e = round::restore(&second.session, &w.url(), &other)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("No synced record"), "{e}");
    let typo = code
        .display()
        .replacen(|c: char| c.is_ascii_digit(), "X", 1);
    let e = round::restore(&second.session, &w.url(), &typo)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("recovery code"), "{e}");
    assert!(
        second
            .session
            .with_vault(|v| peerline_core::sync::local::state(v.conn()))
            .unwrap()
            .is_none(),
        "sync stays off"
    );
    // The right code still works afterwards.
    round::restore(&second.session, &w.url(), &code.display())
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_the_relay_drops_is_noticed_and_nothing_is_half_taken() {
    let w = World::new(180).await;
    let first = w.phone().await;
    let code = round::turn_on(&first.session).await.unwrap();
    for i in 0..3u8 {
        first
            .session
            .with_vault(|v| checkins::save(v, &entry(1 + i, "x"), at("2026-11-05T10:00:00Z")))
            .unwrap();
        round::sync_now(&first.session).await.unwrap();
    }
    // The relay loses the second upload.
    let db = rusqlite::Connection::open(w.relay_db()).unwrap();
    db.execute("DELETE FROM sync_records WHERE seq = 2", [])
        .unwrap();
    drop(db);
    let second = w.phone().await;
    let e = round::restore(&second.session, &w.url(), &code.display())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("missing"), "{e}");
    assert!(held(&second).is_empty(), "nothing of the page was written");
}

#[tokio::test(flavor = "multi_thread")]
async fn screener_results_sync_and_are_scored_on_each_phone() {
    use peerline_core::screeners::{self, Instrument};
    let w = World::new(180).await;
    let first = w.phone().await;
    first
        .session
        .with_vault(|v| {
            screeners::save(
                v,
                Instrument::Phq9,
                &[2; 9],
                at("2026-11-04T21:00:00-05:00"),
            )
        })
        .unwrap();
    let code = round::turn_on(&first.session).await.unwrap();
    round::sync_now(&first.session).await.unwrap();
    let second = w.phone().await;
    round::restore(&second.session, &w.url(), &code.display())
        .await
        .unwrap();
    let mine = first
        .session
        .with_vault(|v| screeners::history(v, Instrument::Phq9, 10))
        .unwrap();
    let theirs = second
        .session
        .with_vault(|v| screeners::history(v, Instrument::Phq9, 10))
        .unwrap();
    assert_eq!(theirs, mine);
    assert_eq!(theirs[0].score.total, 18);
}

#[tokio::test(flavor = "multi_thread")]
async fn turning_sync_off_deletes_the_box_on_the_relay() {
    let w = World::new(180).await;
    let first = w.phone().await;
    first
        .session
        .with_vault(|v| checkins::save(v, &entry(3, "x"), at("2026-11-05T10:00:00Z")))
        .unwrap();
    let code = round::turn_on(&first.session).await.unwrap();
    round::sync_now(&first.session).await.unwrap();
    let relay = rusqlite::Connection::open(w.relay_db()).unwrap();
    let count = |t: &str| -> i64 {
        relay
            .query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!((count("sync_boxes"), count("sync_records")), (1, 1));
    round::turn_off(&first.session).await.unwrap();
    assert_eq!((count("sync_boxes"), count("sync_records")), (0, 0));
    assert_eq!(held(&first).len(), 1, "the phone keeps its records");
    let second = w.phone().await;
    let e = round::restore(&second.session, &w.url(), &code.display())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("No synced record"), "{e}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_engine_uploads_a_change_at_a_random_moment_after_it_not_at_it() {
    let w = World::new(180).await;
    let phone = w.phone().await;
    round::turn_on(&phone.session).await.unwrap();
    round::sync_now(&phone.session).await.unwrap();
    let live = phone.live();
    // The app starts with the vault open: a round to take in the others' changes, soon.
    live.engine.changed();
    let start = live.engine.now();
    let pull = live
        .engine
        .deadline(&peerline_core::engine::Job::Sync)
        .expect("a round after opening");
    assert!(
        (start + 2..=start + 20).contains(&pull),
        "at +{}",
        pull - start
    );
    live.clock.advance(pull - start);
    live.engine.tick().await;
    assert_eq!(
        live.engine.deadline(&peerline_core::engine::Job::Sync),
        None
    );

    live.engine
        .with(|s| {
            let v = s.vault()?;
            checkins::save(v, &entry(4, "x"), at("2026-11-06T10:00:00Z"))
        })
        .unwrap();
    let now = live.engine.now();
    let due = live
        .engine
        .deadline(&peerline_core::engine::Job::Sync)
        .expect("a round is planned");
    assert!(
        (now + 30..=now + 300).contains(&due),
        "at +{} s, inside the window",
        due - now
    );
    let records = || -> i64 {
        rusqlite::Connection::open(w.relay_db())
            .unwrap()
            .query_row("SELECT count(*) FROM sync_records", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(records(), 0, "nothing went up at the save");
    live.clock.advance(due - now);
    live.engine.tick().await;
    assert_eq!(records(), 1, "it went up at the planned moment");
    assert_eq!(
        live.engine.deadline(&peerline_core::engine::Job::Sync),
        None
    );
}
