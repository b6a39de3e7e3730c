//! The officer's records at ten years of daily use: saving a check-in, the trend queries,
//! exports, and backup/restore with the production scrypt cost.
//! Run with `cargo bench -p peerline-core --bench records`; the results go in BENCHMARKS.md.
//! `PEERLINE_BENCH_SMOKE=1` runs it small (a few weeks of data, a cheap scrypt): the test
//! command's smoke run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Days, FixedOffset, NaiveDate};
use peerline_core::backup::{self, RestoreMode};
use peerline_core::checkins::{self, QuickCheckIn, Tag};
use peerline_core::export::{self, ExportOptions};
use peerline_core::screeners::{self, Instrument};
use peerline_core::trends::{self, Bucket};
use peerline_core::vault::{Vault, VaultKey};
use peerline_testkit::bench::{median, ms, n, pct};

fn times(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

fn report(what: &str, mut v: Vec<Duration>) {
    println!(
        "{what}: median {}  p99 {}  (n={})",
        ms(median(&mut v)),
        ms(pct(&mut v, 0.99)),
        v.len()
    );
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    let key = VaultKey::generate();
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let offset = FixedOffset::west_opt(5 * 3600).unwrap();
    let at = |d: NaiveDate, h: u32| -> DateTime<FixedOffset> {
        d.and_hms_opt(h, 15, 0)
            .unwrap()
            .and_local_timezone(offset)
            .unwrap()
    };

    let vault = Vault::create(&path, &key).unwrap();
    let t = Instant::now();
    let days = n(3_650, 28) as u64;
    for i in 0..days {
        let d = today - Days::new(days - 1 - i);
        let e = QuickCheckIn {
            mood: (i % 5 + 1) as u8,
            stress: ((i / 3) % 5 + 1) as u8,
            energy: ((i / 7) % 5 + 1) as u8,
            sleep_half_hours: (10 + i % 8) as u8,
            tags: if i % 9 == 0 { vec![Tag::Court] } else { vec![] },
            note: (i % 4 == 0).then(|| "a short note about a long shift".to_owned()),
        };
        checkins::save(&vault, &e, at(d, 21)).unwrap();
        if i % 7 == 0 {
            screeners::save(&vault, Instrument::Phq9, &[(i % 3) as u8; 9], at(d, 9)).unwrap();
            screeners::save(&vault, Instrument::Gad7, &[(i % 4) as u8; 7], at(d, 9)).unwrap();
        }
    }
    vault.checkpoint().unwrap();
    println!(
        "fixture: 10 years of daily check-ins + weekly PHQ-9 and GAD-7 ({} check-ins, {} results), built in {}; vault {:.2} MiB",
        days,
        2 * days.div_ceil(7),
        ms(t.elapsed()),
        std::fs::metadata(&path).unwrap().len() as f64 / 1_048_576.0
    );

    let entry = QuickCheckIn::default();
    report(
        "save one quick check-in into the 10-year vault",
        times(n(1_000, 10), || {
            checkins::save(&vault, &entry, at(today, 22)).unwrap();
        }),
    );

    for (what, bucket, span) in [
        ("trends, 30 days by day", Bucket::Day, 30),
        ("trends, 12 months by month", Bucket::Month, 365),
        ("trends, 10 years by week", Bucket::Week, 3_650),
        ("trends, 10 years by month", Bucket::Month, 3_650),
        ("trends, 10 years by day (3,650 points)", Bucket::Day, 3_650),
    ] {
        report(
            what,
            times(n(50, 3), || {
                trends::last_days(&vault, bucket, span, today).unwrap();
            }),
        );
    }

    let t = Instant::now();
    let csv = export::csv(
        &vault,
        ExportOptions {
            include_notes: true,
        },
    )
    .unwrap();
    println!(
        "export CSV (notes included): {} , {} KiB",
        ms(t.elapsed()),
        csv.len() / 1024
    );
    let t = Instant::now();
    let html = export::summary_html(&vault, ExportOptions::default(), today).unwrap();
    println!(
        "export one-page summary: {} , {} KiB",
        ms(t.elapsed()),
        html.len() / 1024
    );

    // Smoke mode: a cheap scrypt (restore accepts any cost up to the production one).
    let work_factor = n(backup::WORK_FACTOR.into(), 10) as u8;
    let t = Instant::now();
    let bytes =
        backup::encrypt_with_work_factor(&vault, "a long backup passphrase", work_factor).unwrap();
    println!(
        "backup (scrypt log2 N = {}): {} , file {:.2} MiB",
        work_factor,
        ms(t.elapsed()),
        bytes.len() as f64 / 1_048_576.0
    );
    let mut fresh = Vault::create(&dir.path().join("fresh.db"), &key).unwrap();
    let t = Instant::now();
    let r = backup::restore_bytes(
        &mut fresh,
        &bytes,
        "a long backup passphrase",
        RestoreMode::Ask,
    )
    .unwrap();
    println!(
        "restore into an empty vault: {} ({} check-ins, {} results)",
        ms(t.elapsed()),
        r.checkins,
        r.screeners
    );
}
