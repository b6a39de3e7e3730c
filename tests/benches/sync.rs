//! Sync figures (#18): a ten-year vault (3,650 check-ins, 1,044 screener results) synced to
//! a new phone from its recovery code, the bytes that took beside the vault's own size, one
//! new check-in going up and being taken in on the other phone, and what the relay keeps
//! per box after compaction. Beside each, its floor in the same run: the new phone's rounds
//! against reading and opening the same box without writing anything.
//! Run: `cargo bench -p peerline-e2e --bench sync`. Loopback only; bounded.
//! `PEERLINE_BENCH_SMOKE=1` runs it small (the test command's smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::DateTime;
use peerline_client::{BoxKey, RelayClient};
use peerline_core::checkins::{self, QuickCheckIn};
use peerline_core::screeners::{self, Instrument};
use peerline_core::sync::code::RecoveryCode;
use peerline_core::sync::round;
use peerline_core::talk::VaultAccess as _;
use peerline_e2e::*;
use peerline_testkit::bench::{median, ms_to, n, pct};

/// A note of 5 to 60 words, varied from day to day (not one phrase repeated, which would
/// flatter the snapshot's compression).
fn note(d: usize) -> String {
    const WORDS: [&str; 48] = [
        "shift",
        "long",
        "slept",
        "badly",
        "call",
        "scene",
        "partner",
        "kids",
        "tired",
        "angry",
        "calm",
        "gym",
        "run",
        "court",
        "overtime",
        "sergeant",
        "family",
        "dinner",
        "missed",
        "crash",
        "domestic",
        "child",
        "quiet",
        "night",
        "day",
        "off",
        "again",
        "better",
        "worse",
        "talked",
        "nobody",
        "wife",
        "husband",
        "drink",
        "two",
        "beers",
        "headache",
        "dreams",
        "woke",
        "early",
        "late",
        "training",
        "range",
        "report",
        "paperwork",
        "fine",
        "okay",
        "rough",
    ];
    let mut x = (d as u64)
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1);
    let len = 5 + d % 56;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            WORDS[(x % WORDS.len() as u64) as usize]
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A decade of an officer's record: a check-in a day (a third with a note, of varied
/// length), a screener about every three and a half days.
fn ten_years(p: &Phone, days: usize, screener_results: usize) {
    let start = DateTime::parse_from_rfc3339("2016-12-01T22:00:00-05:00").unwrap();
    p.session
        .with_vault(|v| {
            v.conn().execute_batch("BEGIN").unwrap();
            for d in 0..days {
                let note = (d % 3 == 0).then(|| note(d));
                let entry = QuickCheckIn {
                    mood: 1 + (d % 5) as u8,
                    stress: 1 + (d % 4) as u8,
                    note,
                    ..QuickCheckIn::default()
                };
                checkins::save(v, &entry, start + chrono::Duration::days(d as i64))?;
            }
            for i in 0..screener_results {
                let at = start + chrono::Duration::hours(84 * i as i64);
                let (inst, len) = if i % 2 == 0 {
                    (Instrument::Phq9, 9)
                } else {
                    (Instrument::Gad7, 7)
                };
                screeners::save(v, inst, &vec![(i % 3) as u8; len], at)?;
            }
            v.conn().execute_batch("COMMIT").unwrap();
            v.conn()
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")
                .unwrap();
            Ok(())
        })
        .unwrap();
}

/// Bytes of the files under `p` (the vault and its companions).
fn dir_bytes(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| {
            let m = e.metadata().unwrap();
            if m.is_dir() {
                dir_bytes(&e.path())
            } else {
                m.len()
            }
        })
        .sum()
}

/// Reads the whole box as a new phone would, counting the answers' body bytes, and opens
/// nothing: the transfer floor.
async fn read_all(url: &str, code: &str) -> (u64, Duration) {
    let keys = RecoveryCode::parse(code).unwrap().keys();
    let client = RelayClient::anonymous(url).unwrap();
    let key = BoxKey {
        id: &keys.box_id,
        secret: &keys.box_secret,
    };
    let t0 = Instant::now();
    let (mut bytes, mut after) = (0u64, 0u64);
    loop {
        let page = client.read_box(&key, after).await.unwrap();
        bytes += serde_json::to_vec(&page).unwrap().len() as u64;
        after = page
            .records
            .last()
            .map(|r| r.seq)
            .or(page.snapshot.as_ref().map(|s| s.upto_seq))
            .unwrap_or(after);
        if !page.more || page.records.is_empty() {
            break;
        }
    }
    (bytes, t0.elapsed())
}

#[tokio::main]
async fn main() {
    let w = World::new(180).await;
    let (days, results) = (n(3_650, 100), n(1_044, 30));
    let first = w.phone().await;
    ten_years(&first, days, results);
    let vault_bytes = dir_bytes(first.data_dir());
    let t0 = Instant::now();
    let code = round::turn_on(&first.session).await.unwrap().display();
    let sent = round::sync_now(&first.session).await.unwrap();
    let first_upload = t0.elapsed();
    assert_eq!(sent.sent as usize, days + results);
    let relay = rusqlite::Connection::open(w.relay_db()).unwrap();
    let (box_bytes, records): (i64, i64) = relay
        .query_row(
            "SELECT COALESCE(length(snapshot), 0)
                    + (SELECT COALESCE(sum(length(data)), 0) FROM sync_records),
                    (SELECT count(*) FROM sync_records)
             FROM sync_boxes",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    println!(
        "sync, ten-year vault ({days} check-ins, {results} screener results; vault files {} KiB): turning sync on and the first round (every record up, then compacted) {}; the relay keeps {} KiB for the box ({records} records after its snapshot)",
        vault_bytes / 1024,
        ms_to(first_upload, 0),
        box_bytes / 1024,
    );

    // A new phone from the code: every round a fresh phone.
    let rounds = n(5, 1);
    let (mut restore, mut floor) = (Vec::new(), Vec::new());
    let mut transferred = 0;
    for _ in 0..rounds {
        let phone = w.phone().await;
        let t0 = Instant::now();
        let got = round::restore(&phone.session, &w.url(), &code)
            .await
            .unwrap();
        restore.push(t0.elapsed());
        assert_eq!(got.received as usize, days + results);
        let (bytes, took) = read_all(&w.url(), &code).await;
        transferred = bytes;
        floor.push(took);
    }
    println!(
        "sync, first sync to a new phone: p50 {}, max {} (goal ≤ 3 s); reading the same box without opening or writing p50 {}; {} KiB transferred = {:.2} × the vault (goal ≤ 2 ×)",
        ms_to(median(&mut restore), 0),
        ms_to(pct(&mut restore, 1.0), 0),
        ms_to(median(&mut floor), 0),
        transferred / 1024,
        transferred as f64 / vault_bytes as f64,
    );

    // One new check-in: saved on the first phone, its round, the second phone's round.
    let second = w.phone().await;
    round::restore(&second.session, &w.url(), &code)
        .await
        .unwrap();
    let iterations = n(40, 3);
    let mut one = Vec::new();
    let mut bare = Vec::new();
    for i in 0..iterations {
        let t0 = Instant::now();
        first
            .session
            .with_vault(|v| {
                checkins::save(
                    v,
                    &QuickCheckIn {
                        mood: 3,
                        note: Some(format!("one more {i}")),
                        ..QuickCheckIn::default()
                    },
                    DateTime::parse_from_rfc3339("2026-12-01T22:00:00-05:00").unwrap(),
                )
            })
            .unwrap();
        round::sync_now(&first.session).await.unwrap();
        let got = round::sync_now(&second.session).await.unwrap();
        one.push(t0.elapsed());
        assert_eq!(got.received, 1);
        // The floor: the same two rounds with nothing to send or take.
        let t0 = Instant::now();
        round::sync_now(&first.session).await.unwrap();
        round::sync_now(&second.session).await.unwrap();
        bare.push(t0.elapsed());
    }
    println!(
        "sync, one new check-in up and taken in on the other phone: p50 {}, p99 {} (goal ≤ 50 ms); the same two rounds with nothing in them p50 {}",
        ms_to(median(&mut one), 1),
        ms_to(pct(&mut one, 0.99), 1),
        ms_to(median(&mut bare), 1),
    );
}
