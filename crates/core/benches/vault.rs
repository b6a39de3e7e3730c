//! Vault figures on this machine: open with a raw key, single inserts, a 10,000-record
//! transaction, and a passcode unlock with the production Argon2id parameters.
//! Run with `cargo bench -p peerline-core --bench vault`; the results go in BENCHMARKS.md.
//! `PEERLINE_BENCH_SMOKE=1` runs it small (the test command's smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use chrono::DateTime;
use peerline_core::checkins::{self, QuickCheckIn};
use peerline_core::vault::wrap::{KdfParams, WrappedKey};
use peerline_core::vault::{Vault, VaultKey};
use peerline_testkit::bench::{median, ms, n, pct};

/// The limit probe for an open: SQLCipher keyed with the raw key and every page read once
/// (`quick_check`), without the vault's own pragmas, migration check or metadata.
fn sqlcipher_open(path: &std::path::Path, raw: &[u8; 32]) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let hex: String = raw.iter().map(|b| format!("{b:02X}")).collect();
    conn.pragma_update(None, "key", format!("x'{hex}'"))
        .unwrap();
    let ok: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault.db");
    // A known key, so the limit probe below can key SQLCipher with it directly.
    let raw = [0x5Au8; 32];
    let key = VaultKey::from_slice(&raw).unwrap();
    let at = DateTime::parse_from_rfc3339("2026-11-25T03:00:00-05:00").unwrap();
    let entry = QuickCheckIn {
        tags: vec![checkins::Tag::Court],
        note: Some("a short note about a long shift".into()),
        ..Default::default()
    };

    // Single inserts, autocommit (what one tap on "Save" does).
    let vault = Vault::create(&path, &key).unwrap();
    let mut singles = Vec::new();
    for _ in 0..n(2_000, 20) {
        let t = Instant::now();
        checkins::save(&vault, &entry, at).unwrap();
        singles.push(t.elapsed());
    }
    println!(
        "insert one check-in (autocommit, WAL): median {}  p99 {}  (n={})",
        ms(median(&mut singles)),
        ms(pct(&mut singles, 0.99)),
        singles.len()
    );

    // 10,000 in one transaction.
    let mut vault = vault;
    let batch = vec![entry.clone(); n(10_000, 100)];
    let mut batches = Vec::new();
    for _ in 0..n(3, 1) {
        let t = Instant::now();
        checkins::save_all(&mut vault, &batch, at).unwrap();
        batches.push(t.elapsed());
    }
    println!(
        "insert 10,000 check-ins in one transaction: median {}",
        ms(median(&mut batches))
    );
    vault.checkpoint().unwrap();
    vault.close().unwrap();

    // Open with the raw key (no credential store): key, integrity check, migrations.
    let mut opens = Vec::new();
    for _ in 0..n(20, 2) {
        let t = Instant::now();
        let v = Vault::open(&path, &key).unwrap();
        opens.push(t.elapsed());
        v.close().unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    println!(
        "open with raw key, 32,000 records ({:.1} MiB, full page check): median {}",
        size as f64 / 1_048_576.0,
        ms(median(&mut opens))
    );

    for (records, what) in [
        (n(365, 10), "a year of daily check-ins"),
        (n(10_000, 50), "decades of them"),
    ] {
        let p = dir.path().join(format!("v{records}.db"));
        let mut v = Vault::create(&p, &key).unwrap();
        checkins::save_all(&mut v, &vec![entry.clone(); records], at).unwrap();
        v.checkpoint().unwrap();
        v.close().unwrap();
        let (mut opens, mut bare) = (Vec::new(), Vec::new());
        for _ in 0..n(50, 2) {
            let t = Instant::now();
            let v = Vault::open(&p, &key).unwrap();
            opens.push(t.elapsed());
            v.close().unwrap();
            let t = Instant::now();
            sqlcipher_open(&p, &raw);
            bare.push(t.elapsed());
        }
        println!(
            "open with raw key, {records} records ({what}, {:.2} MiB): median {}; limit, same run (bare SQLCipher: key + quick_check): median {}",
            std::fs::metadata(&p).unwrap().len() as f64 / 1_048_576.0,
            ms(median(&mut opens)),
            ms(median(&mut bare))
        );
    }

    // Passcode unlock with the production parameters (in smoke mode once: sealing costs one
    // more).
    let params = KdfParams::DEFAULT;
    let wrapped = WrappedKey::seal(&key, "a-passcode-42", params, b"bench").unwrap();
    let mut unlocks = Vec::new();
    for _ in 0..n(7, 1) {
        let t = Instant::now();
        wrapped.open("a-passcode-42", b"bench").unwrap();
        unlocks.push(t.elapsed());
    }
    println!(
        "passcode unlock, Argon2id m={} MiB t={} p={}: median {}",
        params.m_kib / 1024,
        params.t,
        params.p,
        ms(median(&mut unlocks))
    );
}
