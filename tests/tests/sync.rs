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
    assert!(
        !w.relay_files_contain(b"SYNC-MARKER"),
        "a note in the relay's files"
    );
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
async fn the_engine_uploads_at_random_moments_whether_or_not_anything_changed() {
    use peerline_core::engine::Job;
    let w = World::new(180).await;
    let phone = w.phone().await;
    round::turn_on(&phone.session).await.unwrap();
    round::sync_now(&phone.session).await.unwrap();
    // (count, sizes) of the box's records.
    let records = || -> (i64, Vec<i64>) {
        let sizes = w.sync_record_sizes();
        (sizes.len() as i64, sizes)
    };
    // The device announced itself (its name and key, sealed) in the first round.
    assert_eq!(records().0, 1, "the device's own record only");
    let live = phone.live();
    // The app starts with the vault open: a round to take in the others' changes, soon.
    live.engine.changed();
    let start = live.engine.now();
    let pull = live
        .engine
        .deadline(&Job::Sync)
        .expect("a round after opening");
    assert!(
        (start + 2..=start + 20).contains(&pull),
        "at +{}",
        pull - start
    );
    live.clock.advance(pull - start);
    live.engine.tick().await;
    assert_eq!(records().0, 2, "a cover upload although nothing changed");

    // Rounds go on at random gaps while the vault is open, whatever happens in between.
    let mut gaps = Vec::new();
    for round in 0..6 {
        let now = live.engine.now();
        if round == 3 {
            live.engine
                .with(|s| {
                    let v = s.vault()?;
                    checkins::save(v, &entry(4, "x"), at("2026-11-06T10:00:00Z"))
                })
                .unwrap();
            let after_save = live.engine.deadline(&Job::Sync).unwrap();
            assert!(after_save > now, "nothing goes up at the save itself");
            assert_eq!(records().0, 5);
        }
        let due = live.engine.deadline(&Job::Sync).expect("the next round");
        assert!((now + 30..=now + 300).contains(&due), "at +{} s", due - now);
        gaps.push(due - now);
        live.clock.advance(due - now);
        live.engine.tick().await;
    }
    let (n, sizes) = records();
    assert_eq!(n, 8, "one upload per round");
    assert!(
        sizes.iter().all(|s| *s == sizes[0]),
        "the change's upload is the size of a cover upload: {sizes:?}"
    );
    assert!(gaps.iter().any(|g| *g != gaps[0]), "random gaps: {gaps:?}");
    assert!(
        !live
            .engine
            .with(|s| round::status(s.vault()?.conn()))
            .unwrap()
            .pending,
        "the change went up"
    );

    // Locked: no rounds (the record key is in the vault).
    live.engine.with(|s| s.lock()).unwrap();
    live.engine.changed();
    assert_eq!(live.engine.deadline(&Job::Sync), None);
}

/// Saves `n` check-ins with notes of `note_len` characters, a minute apart, in one
/// transaction.
fn fill(p: &Phone, n: usize, note_len: usize) {
    p.session
        .with_vault(|v| {
            v.conn().execute_batch("BEGIN").unwrap();
            for i in 0..n {
                let when = at("2016-01-01T08:00:00-05:00") + chrono::Duration::minutes(i as i64);
                checkins::save(v, &entry(1 + (i % 5) as u8, &"n".repeat(note_len)), when)?;
            }
            v.conn().execute_batch("COMMIT").unwrap();
            Ok(())
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_large_record_goes_up_in_pieces_and_the_box_is_compacted_into_a_snapshot() {
    use peerline_core::safety_plan::{self, SafetyPlan};
    let w = World::new(180).await;
    let first = w.phone().await;
    // More than one upload can carry (64 KiB): it goes up in several.
    fill(&first, 400, 400);
    first
        .session
        .with_vault(|v| {
            safety_plan::save(
                v,
                SafetyPlan {
                    warning_signs: vec!["PLAN-MARKER".into()],
                    ..SafetyPlan::default()
                },
                chrono::Utc::now(),
            )
        })
        .unwrap();
    let code = round::turn_on(&first.session).await.unwrap();
    let sent = round::sync_now(&first.session).await.unwrap();
    assert_eq!(sent.sent, 401);
    let relay = rusqlite::Connection::open(w.relay_db()).unwrap();
    let (records, snapshot_seq, has_snapshot): (i64, i64, bool) = relay
        .query_row(
            "SELECT (SELECT count(*) FROM sync_records), snapshot_seq, snapshot IS NOT NULL
             FROM sync_boxes",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(
        has_snapshot,
        "over 64 KiB of records: folded into a snapshot"
    );
    assert_eq!(records, 0, "the records it replaces are gone");
    assert!(snapshot_seq >= 3, "it took several uploads: {snapshot_seq}");

    // More changes after the snapshot, including a delete, then a new phone.
    let gone = held(&first)[0].0.clone();
    first
        .session
        .with_vault(|v| {
            checkins::delete(v, &gone)?;
            checkins::save(v, &entry(5, "after"), at("2026-11-07T10:00:00Z"))
        })
        .unwrap();
    round::sync_now(&first.session).await.unwrap();
    let second = w.phone().await;
    let got = round::restore(&second.session, &w.url(), &code.display())
        .await
        .unwrap();
    assert_eq!(held(&second), held(&first), "snapshot and records after it");
    assert_eq!(held(&second).len(), 400);
    assert!(got.received >= 400);
    let plan = second
        .session
        .with_vault(|v| safety_plan::get(v))
        .unwrap()
        .expect("the plan came too");
    assert_eq!(plan.plan.warning_signs, vec!["PLAN-MARKER".to_string()]);

    // The second phone edits the plan; the first takes it in, on top of its snapshot.
    second
        .session
        .with_vault(|v| {
            safety_plan::save(
                v,
                SafetyPlan {
                    warning_signs: vec!["edited".into()],
                    ..SafetyPlan::default()
                },
                chrono::Utc::now(),
            )
        })
        .unwrap();
    round::sync_now(&second.session).await.unwrap();
    round::sync_now(&first.session).await.unwrap();
    let plan = first
        .session
        .with_vault(|v| safety_plan::get(v))
        .unwrap()
        .unwrap();
    assert_eq!(plan.plan.warning_signs, vec!["edited".to_string()]);
    assert!(
        !w.relay_files_contain(b"PLAN-MARKER"),
        "the plan in the relay's files"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tampered_or_misplaced_snapshot_is_refused_and_nothing_is_written() {
    let w = World::new(180).await;
    let first = w.phone().await;
    fill(&first, 300, 400);
    let code = round::turn_on(&first.session).await.unwrap();
    round::sync_now(&first.session).await.unwrap();
    let relay = rusqlite::Connection::open(w.relay_db()).unwrap();
    let (seq, snapshot): (i64, Vec<u8>) = relay
        .query_row("SELECT snapshot_seq, snapshot FROM sync_boxes", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    let try_restore = || async {
        let phone = w.phone().await;
        let e = round::restore(&phone.session, &w.url(), &code.display())
            .await
            .unwrap_err();
        assert!(held(&phone).is_empty(), "nothing written");
        e
    };

    // One bit flipped.
    let mut bad = snapshot.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 1;
    relay
        .execute("UPDATE sync_boxes SET snapshot = ?1", [&bad])
        .unwrap();
    let e = try_restore().await;
    assert!(e.to_string().contains("damaged"), "{e}");

    // Intact, but the relay says it stands for a different place in the box.
    relay
        .execute(
            "UPDATE sync_boxes SET snapshot = ?1, snapshot_seq = ?2",
            rusqlite::params![snapshot, seq - 1],
        )
        .unwrap();
    let e = try_restore().await;
    assert!(e.to_string().contains("damaged"), "{e}");

    // Put back, it restores.
    relay
        .execute("UPDATE sync_boxes SET snapshot_seq = ?1", [seq])
        .unwrap();
    let phone = w.phone().await;
    round::restore(&phone.session, &w.url(), &code.display())
        .await
        .unwrap();
    assert_eq!(held(&phone).len(), 300);
}

mod linking {
    use peerline_core::sync::link::{self, LinkState};

    use super::*;

    fn code_of(state: &LinkState) -> String {
        match state {
            LinkState::Confirm { code } | LinkState::ShowCode { code } => code.clone(),
            other => panic!("no code: {other:?}"),
        }
    }

    fn boxes(w: &World) -> i64 {
        rusqlite::Connection::open(w.relay_db())
            .unwrap()
            .query_row("SELECT count(*) FROM sync_boxes", [], |r| r.get(0))
            .unwrap()
    }

    /// A phone with sync on and two check-ins.
    async fn first_phone(w: &World) -> Phone {
        let first = w.phone().await;
        for mood in [2, 4] {
            first
                .session
                .with_vault(|v| {
                    checkins::save(v, &entry(mood, "LINK-MARKER"), at("2026-11-08T09:00:00Z"))
                })
                .unwrap();
        }
        round::turn_on(&first.session).await.unwrap();
        round::sync_now(&first.session).await.unwrap();
        first
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_device_linked_after_the_officer_confirms_the_code_holds_everything() {
        let w = World::new(180).await;
        let first = first_phone(&w).await;
        let started = link::start(&first.session).await.unwrap();
        assert_eq!(started.state, LinkState::Waiting);
        let text = started.link.expect("a link to show");
        assert!(text.starts_with("peerline://link?"));
        assert!(
            link::check(&first.session).await.is_none(),
            "nothing to say before the new device comes"
        );

        let second = Phone::new();
        let joined = link::join(&second.session, &text).await.unwrap();
        let code = code_of(&joined.state);
        let asked = link::check(&first.session).await.expect("a device used it");
        assert_eq!(code_of(&asked.state), code, "both show the same code");
        assert!(asked.link.is_none(), "the link is no longer shown");
        assert!(
            link::check(&second.session).await.is_none(),
            "nothing handed over before the officer says yes"
        );
        assert!(
            second
                .session
                .with_vault(|v| peerline_core::sync::local::state(v.conn()))
                .unwrap()
                .is_none()
        );

        let done = link::answer(&first.session, true).await.unwrap();
        assert_eq!(done.state, LinkState::Linked { received: 0 });
        let linked = link::check(&second.session).await.expect("the keys came");
        assert_eq!(linked.state, LinkState::Linked { received: 2 });
        assert_eq!(held(&second), held(&first));
        assert_eq!(boxes(&w), 1, "the mailbox is gone; the sync box stays");
        // The existing device sees the mailbox emptied and stops looking.
        assert!(link::check(&first.session).await.is_none());
        assert_eq!(
            first
                .session
                .lock()
                .unwrap()
                .link()
                .and_then(|p| p.check_at()),
            None
        );

        // They sync both ways from now on.
        second
            .session
            .with_vault(|v| {
                checkins::save(
                    v,
                    &entry(5, "from the linked one"),
                    at("2026-11-09T09:00:00Z"),
                )
            })
            .unwrap();
        round::sync_now(&second.session).await.unwrap();
        round::sync_now(&first.session).await.unwrap();
        assert_eq!(held(&first).len(), 3);
        assert!(!w.relay_files_contain(b"LINK-MARKER"));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn no_a_second_device_or_a_stale_link_hands_nothing_over() {
        let w = World::new(180).await;
        let first = first_phone(&w).await;

        // The officer says no.
        let text = link::start(&first.session).await.unwrap().link.unwrap();
        let second = Phone::new();
        link::join(&second.session, &text).await.unwrap();
        link::check(&first.session).await.unwrap();
        let said_no = link::answer(&first.session, false).await.unwrap();
        assert!(matches!(said_no.state, LinkState::Ended { .. }));
        let told = link::check(&second.session).await.unwrap();
        assert!(matches!(told.state, LinkState::Ended { .. }), "{told:?}");
        assert!(held(&second).is_empty());
        let e = link::join(&Phone::new().session, &text).await.unwrap_err();
        assert!(e.to_string().contains("expired or was already used"), "{e}");

        // Someone who saw the link answers too: the link ends, nothing is handed over.
        let text = link::start(&first.session).await.unwrap().link.unwrap();
        let third = Phone::new();
        let stranger = Phone::new();
        link::join(&third.session, &text).await.unwrap();
        let e = link::join(&stranger.session, &text).await.unwrap_err();
        assert!(e.to_string().contains("Another device"), "{e}");
        link::check(&first.session).await.unwrap();
        link::answer(&first.session, true).await.unwrap();
        let linked = link::check(&third.session).await.unwrap();
        assert_eq!(
            linked.state,
            LinkState::Linked { received: 2 },
            "the first to come, once confirmed"
        );
        assert!(held(&stranger).is_empty());

        // A link left unused expires, and its mailbox goes.
        let before = boxes(&w);
        link::start(&first.session).await.unwrap();
        assert_eq!(boxes(&w), before + 1);
        first.clock.advance(link::LINK_TTL_SECS + 1);
        let ended = link::check(&first.session).await.unwrap();
        assert!(
            matches!(ended.state, LinkState::Ended { ref reason } if reason.contains("expired"))
        );
        assert_eq!(boxes(&w), before);

        // Without sync there is nothing to link; a device with sync on cannot be linked.
        let plain = w.phone().await;
        let e = link::start(&plain.session).await.unwrap_err();
        assert!(e.to_string().contains("Turn on sync first"), "{e}");
        let text = link::start(&first.session).await.unwrap().link.unwrap();
        let e = link::join(&first.session, &text).await.unwrap_err();
        assert!(e.to_string().contains("already on"), "{e}");
        let e = link::join(&plain.session, "peerline://join?v=1")
            .await
            .unwrap_err();
        assert!(e.to_string().contains("not a Peerline device link"), "{e}");
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn the_engine_looks_in_the_mailbox_only_while_a_link_is_open_and_says_what_changed() {
        use peerline_core::engine::{CoreEvent, Job};
        let w = World::new(180).await;
        let first = first_phone(&w).await;
        let live = first.live();
        live.engine.changed();
        assert_eq!(
            live.engine.deadline(&Job::Link),
            None,
            "no link, no looking"
        );
        let mut events = live.engine.subscribe();
        let text = live
            .engine
            .flow(|s| async move { link::start(&s).await })
            .await
            .unwrap()
            .link
            .unwrap();
        let now = live.engine.now();
        assert_eq!(
            live.engine.deadline(&Job::Link),
            Some(now + link::CHECK_EVERY_SECS)
        );
        let second = Phone::new();
        let code = code_of(&link::join(&second.session, &text).await.unwrap().state);
        live.clock.advance(link::CHECK_EVERY_SECS);
        live.engine.tick().await;
        let asked = live
            .wait_for(
                &mut events,
                std::time::Duration::from_secs(5),
                |e| match e {
                    CoreEvent::Link(v) => Some(v.clone()),
                    _ => None,
                },
            )
            .await;
        assert_eq!(code_of(&asked.state), code);
        assert!(
            live.engine.deadline(&Job::Link).is_some(),
            "still watching while the officer compares codes"
        );
        live.engine
            .flow(|s| async move { link::answer(&s, true).await })
            .await
            .unwrap();
        assert!(
            live.engine.deadline(&Job::Link).is_some(),
            "until the mailbox is emptied"
        );
        link::check(&second.session).await.unwrap();
        live.clock.advance(link::CHECK_EVERY_SECS);
        live.engine.tick().await;
        assert_eq!(live.engine.deadline(&Job::Link), None);
    }
}

mod removing {
    use peerline_core::sync::devices;

    use super::*;

    fn device_ids(p: &Phone) -> Vec<(String, bool)> {
        p.session
            .with_vault(|v| devices::list(v.conn()))
            .unwrap()
            .into_iter()
            .map(|d| (d.id, d.this_device))
            .collect()
    }

    fn boxes(w: &World) -> Vec<String> {
        w.relay_column("SELECT box_id FROM sync_boxes ORDER BY box_id")
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_removed_device_reads_nothing_written_after_and_the_others_move_with_the_records() {
        let w = World::new(180).await;
        let a = w.phone().await;
        a.session
            .with_vault(|v| checkins::save(v, &entry(3, "before"), at("2026-11-10T09:00:00Z")))
            .unwrap();
        let code = round::turn_on(&a.session).await.unwrap();
        round::sync_now(&a.session).await.unwrap();
        let (b, lost) = (w.phone().await, w.phone().await);
        for p in [&b, &lost] {
            round::restore(&p.session, &w.url(), &code.display())
                .await
                .unwrap();
        }
        for p in [&a, &b, &lost] {
            round::sync_now(&p.session).await.unwrap();
        }
        assert_eq!(
            device_ids(&a).len(),
            3,
            "every device listed on every device"
        );
        assert_eq!(device_ids(&b).len(), 3);
        assert_eq!(device_ids(&a).iter().filter(|(_, me)| *me).count(), 1);
        let lost_id = device_ids(&lost).into_iter().find(|(_, me)| *me).unwrap().0;
        let old_box = boxes(&w);
        assert_eq!(old_box.len(), 1);

        // The phone is lost: removed from the first device.
        let new_code = round::remove_device(&a.session, &lost_id).await.unwrap();
        assert_ne!(new_code.display(), code.display(), "a new recovery code");
        assert_eq!(
            boxes(&w).len(),
            2,
            "the new box, and the old one until the others move"
        );
        a.session
            .with_vault(|v| {
                checkins::save(v, &entry(5, "AFTER-REMOVAL"), at("2026-11-11T09:00:00Z"))
            })
            .unwrap();
        round::sync_now(&a.session).await.unwrap();

        // The other device follows the move and gets what was written after it.
        round::sync_now(&b.session).await.unwrap();
        assert_eq!(held(&b), held(&a));
        assert!(
            held(&b)
                .iter()
                .any(|c| c.2.as_deref() == Some("AFTER-REMOVAL"))
        );
        assert_eq!(device_ids(&b).len(), 2, "the lost phone is off the list");
        // It writes too, and the first takes it in from the new box.
        b.session
            .with_vault(|v| checkins::save(v, &entry(1, "from b"), at("2026-11-12T09:00:00Z")))
            .unwrap();
        round::sync_now(&b.session).await.unwrap();
        round::sync_now(&a.session).await.unwrap();
        assert_eq!(held(&a), held(&b));
        assert_eq!(held(&a).len(), 3);
        // Every device that stays has moved: the old box is deleted.
        let now = boxes(&w);
        assert_eq!(now.len(), 1);
        assert_ne!(now, old_box);

        // The lost phone: its next round tells it, and it holds nothing written since.
        let e = round::sync_now(&lost.session).await.unwrap_err();
        assert!(
            e.to_string().contains("removed") || e.to_string().contains("No synced record"),
            "{e}"
        );
        assert!(
            !held(&lost)
                .iter()
                .any(|c| c.2.as_deref() == Some("AFTER-REMOVAL"))
        );
        assert!(
            lost.session
                .with_vault(|v| peerline_core::sync::local::state(v.conn()))
                .unwrap()
                .is_none()
                || e.to_string().contains("No synced record"),
            "sync is off on the removed phone"
        );
        // The old recovery code opens nothing now; the new one opens everything.
        let fresh = w.phone().await;
        assert!(
            round::restore(&fresh.session, &w.url(), &code.display())
                .await
                .is_err()
        );
        round::restore(&fresh.session, &w.url(), &new_code.display())
            .await
            .unwrap();
        assert_eq!(held(&fresh), held(&a));
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_removed_device_that_syncs_before_the_others_move_learns_it_at_once() {
        let w = World::new(180).await;
        let a = w.phone().await;
        let code = round::turn_on(&a.session).await.unwrap();
        round::sync_now(&a.session).await.unwrap();
        let (b, lost) = (w.phone().await, w.phone().await);
        for p in [&b, &lost] {
            round::restore(&p.session, &w.url(), &code.display())
                .await
                .unwrap();
        }
        round::sync_now(&a.session).await.unwrap();
        let lost_id = device_ids(&lost).into_iter().find(|(_, me)| *me).unwrap().0;
        let e = round::remove_device(
            &a.session,
            &device_ids(&a).into_iter().find(|(_, me)| *me).unwrap().0,
        )
        .await
        .unwrap_err();
        assert!(e.to_string().contains("turn sync off here"), "{e}");
        round::remove_device(&a.session, &lost_id).await.unwrap();
        // The old box is still there (b has not moved): the lost phone reads the removal.
        let e = round::sync_now(&lost.session).await.unwrap_err();
        assert!(e.to_string().contains("removed from sync"), "{e}");
        assert!(
            lost.session
                .with_vault(|v| peerline_core::sync::local::state(v.conn()))
                .unwrap()
                .is_none()
        );
        round::sync_now(&b.session).await.unwrap();
        assert_eq!(device_ids(&b).len(), 2);
        assert!(
            !w.relay_files_contain(b"age1q"),
            "device keys are sealed too"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_upload_whose_answer_is_lost_after_the_relay_kept_it_is_neither_lost_nor_doubled() {
    use std::sync::atomic::Ordering;
    let w = World::new(180).await;
    let proxy = answer_losing_proxy(w.addr).await;
    let first = w.phone_via(&proxy.url).await;
    let code = round::turn_on(&first.session).await.unwrap();
    round::sync_now(&first.session).await.unwrap();
    let records = || -> i64 {
        rusqlite::Connection::open(w.relay_db())
            .unwrap()
            .query_row("SELECT count(*) FROM sync_records", [], |r| r.get(0))
            .unwrap()
    };
    let before = records();
    first
        .session
        .with_vault(|v| checkins::save(v, &entry(2, "once"), at("2026-11-13T09:00:00Z")))
        .unwrap();
    proxy.lose_answers.store(true, Ordering::SeqCst);
    assert!(
        round::sync_now(&first.session).await.is_err(),
        "no answer came"
    );
    assert_eq!(records(), before + 1, "the relay kept the upload");
    assert!(
        first
            .session
            .with_vault(|v| round::status(v.conn()))
            .unwrap()
            .pending,
        "the change is still queued here"
    );
    proxy.lose_answers.store(false, Ordering::SeqCst);
    let again = round::sync_now(&first.session).await.unwrap();
    assert_eq!(again.sent, 1, "sent again, under the same upload number");
    assert!(
        !first
            .session
            .with_vault(|v| round::status(v.conn()))
            .unwrap()
            .pending
    );

    // Another phone takes in both copies: the check-in once.
    let second = w.phone().await;
    round::restore(&second.session, &w.url(), &code.display())
        .await
        .unwrap();
    assert_eq!(held(&second), held(&first));
    assert_eq!(held(&second).len(), 1);
    // And the first phone reads its own two copies without complaint.
    round::sync_now(&first.session).await.unwrap();
    assert_eq!(held(&first).len(), 1);
}

mod converging {
    use proptest::prelude::*;

    use super::*;

    /// One step on one of three devices.
    #[derive(Debug, Clone)]
    enum Op {
        New(usize, u8),
        Edit(usize, usize, u8),
        Delete(usize, usize),
        Sync(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3usize, 1..=5u8).prop_map(|(d, m)| Op::New(d, m)),
            (0..3usize, 0..6usize, 1..=5u8).prop_map(|(d, r, m)| Op::Edit(d, r, m)),
            (0..3usize, 0..6usize).prop_map(|(d, r)| Op::Delete(d, r)),
            (0..3usize).prop_map(Op::Sync),
        ]
    }

    async fn run(ops: Vec<Op>) {
        let w = World::new(180).await;
        let a = w.phone().await;
        for m in 1..=3 {
            a.session
                .with_vault(|v| checkins::save(v, &entry(m, "start"), at("2026-11-14T09:00:00Z")))
                .unwrap();
        }
        let code = round::turn_on(&a.session).await.unwrap();
        round::sync_now(&a.session).await.unwrap();
        let (b, c) = (w.phone().await, w.phone().await);
        for p in [&b, &c] {
            round::restore(&p.session, &w.url(), &code.display())
                .await
                .unwrap();
        }
        let phones = [&a, &b, &c];
        // Ids known to any device, so edits and deletes can name records others made.
        let mut ids: Vec<String> = held(&a).into_iter().map(|c| c.0).collect();
        let mut deleted = Vec::new();
        for (step, op) in ops.into_iter().enumerate() {
            let when = at("2026-11-15T09:00:00Z") + chrono::Duration::minutes(step as i64);
            match op {
                Op::New(d, m) => {
                    let saved = phones[d]
                        .session
                        .with_vault(|v| checkins::save(v, &entry(m, "new"), when))
                        .unwrap();
                    ids.push(saved.id);
                }
                Op::Edit(d, r, m) => {
                    let id = ids[r % ids.len()].clone();
                    // Already deleted here: nothing to edit, as in the app.
                    let _ = phones[d]
                        .session
                        .with_vault(|v| checkins::update(v, &id, &entry(m, "edited")));
                }
                Op::Delete(d, r) => {
                    let id = ids[r % ids.len()].clone();
                    if phones[d]
                        .session
                        .with_vault(|v| checkins::delete(v, &id))
                        .unwrap()
                    {
                        deleted.push(id);
                    }
                }
                Op::Sync(d) => {
                    round::sync_now(&phones[d].session).await.unwrap();
                }
            }
        }
        // Everyone sends, then everyone takes in.
        for _ in 0..2 {
            for p in phones {
                round::sync_now(&p.session).await.unwrap();
            }
        }
        let first = held(&a);
        assert_eq!(held(&b), first, "b converged with a");
        assert_eq!(held(&c), first, "c converged with a");
        for id in &deleted {
            assert!(
                first.iter().all(|c| &c.0 != id),
                "a deleted record came back"
            );
        }
        // Every check-in made anywhere and deleted nowhere is there, and nothing else.
        let expected: std::collections::BTreeSet<&String> =
            ids.iter().filter(|id| !deleted.contains(id)).collect();
        let held_ids: std::collections::BTreeSet<&String> = first.iter().map(|c| &c.0).collect();
        assert_eq!(held_ids, expected, "none lost, none revived");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

        #[test]
        fn three_real_vaults_converge_over_random_interleavings(ops in prop::collection::vec(op(), 1..16)) {
            tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .unwrap()
                .block_on(run(ops));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relay_killed_mid_upload_and_restarted_loses_nothing_and_doubles_nothing() {
    use std::time::Duration;
    let mut w = World::new(180).await;
    let first = std::sync::Arc::new(w.phone().await);
    let code = round::turn_on(&first.session).await.unwrap();
    round::sync_now(&first.session).await.unwrap();
    w.stop_relay().await;
    let mut child = spawn_relay(&w);
    for kill in 0..6u64 {
        // Enough to take several uploads, then a kill at a different moment each time.
        fill(&first, 60, 900);
        let phone = first.clone();
        let going = tokio::spawn(async move { round::sync_now(&phone.session).await });
        tokio::time::sleep(Duration::from_millis(kill * 4)).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let _ = tokio::time::timeout(Duration::from_secs(30), going)
            .await
            .expect("the round ends when the relay dies");
        child = spawn_relay(&w);
    }
    // Rounds until nothing waits (bounded).
    for _ in 0..10 {
        if round::sync_now(&first.session).await.is_ok()
            && !first
                .session
                .with_vault(|v| round::status(v.conn()))
                .unwrap()
                .pending
        {
            break;
        }
    }
    let second = w.phone().await;
    round::restore(&second.session, &w.url(), &code.display())
        .await
        .unwrap();
    let (a, b) = (held(&first), held(&second));
    assert_eq!(a.len(), 360, "every check-in made here is still here");
    assert_eq!(b, a, "every one reached the other phone, once");
    child.kill().unwrap();
    child.wait().unwrap();
}
