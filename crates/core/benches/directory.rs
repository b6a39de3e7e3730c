//! Directory search figures on this machine: an agency directory of 10,000 generated
//! entries plus the built-in list, searched with words and filters (prefixes, typos, urgent
//! words, hostile input). Target: p99 ≤ 5 ms per search.
//! Run with `cargo bench -p peerline-core --bench directory`; the results go in BENCHMARKS.md.
//! `PEERLINE_BENCH_SMOKE=1` runs it small (the test command's smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_core::directory::{self, Kind, Origin, Query};
use peerline_core::vault::{Vault, VaultKey};
use peerline_protocol::b64;
use peerline_protocol::documents::{Directory, DirectoryEntry, EntryKind};
use peerline_protocol::relay::{BlobKind, SignedBlob, blob_signing_message};
use peerline_testkit::bench::{ms, n, pct};

const TEAM: &str = "bench-team";

/// Deterministic, so every run searches the same directory.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const FIRST: &[&str] = &[
    "Ana", "Ben", "Carla", "David", "Elena", "Frank", "Grace", "Hector", "Irene", "James", "Kim",
    "Luis", "Maria", "Nate", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor",
    "Wendy", "Xavier", "Yara", "Zoe",
];
const LAST: &[&str] = &[
    "Ruiz", "Nguyen", "Smith", "Johnson", "Garcia", "Brown", "Lee", "Martinez", "Davis", "Lopez",
    "Wilson", "Anderson", "Thomas", "Moore", "Jackson", "White", "Harris", "Clark", "Lewis",
    "Walker", "Young", "Allen", "King", "Wright", "Scott", "Hill",
];
const PLACES: &[&str] = &[
    "Travis County",
    "Williamson County",
    "Hays County",
    "Bastrop County",
    "Austin",
    "Round Rock",
    "San Marcos",
    "Georgetown",
    "Pflugerville",
    "Cedar Park",
    "Kyle",
    "Leander",
    "Harris County",
    "Dallas County",
    "Bexar County",
    "El Paso County",
    "Tarrant County",
    "Collin County",
    "Denton County",
    "Fort Bend County",
];
const SPECIALTIES: &[&str] = &[
    "trauma",
    "ptsd",
    "substance_use",
    "couples_family",
    "grief",
    "critical_incident",
];
const COSTS: &[&str] = &["free", "eap_covered", "insurance", "sliding_scale"];
const NOTES: &[&str] = &[
    "Works with officers after critical incidents and line-of-duty deaths.",
    "EMDR and cognitive processing therapy; evening appointments.",
    "Former dispatcher; understands shift work and mandatory overtime.",
    "Couples counseling for law-enforcement families.",
    "Confidential; the department is never told who attends.",
    "Accepts most insurance; sliding scale for retirees.",
    "Faith-based support for any faith or none.",
    "Residential and outpatient programs for first responders.",
    "Peer-led group meets weekly; spouses welcome.",
    "Grief support for survivors and co-workers.",
];

fn generate(n: usize) -> Vec<DirectoryEntry> {
    let mut r = Lcg(42);
    (0..n)
        .map(|i| {
            let kind = match r.next() % 20 {
                0 => EntryKind::CrisisLine,
                1..=10 => EntryKind::Counselor,
                11..=12 => EntryKind::Eap,
                13..=14 => EntryKind::Chaplain,
                15..=17 => EntryKind::Program,
                _ => EntryKind::PeerTeam,
            };
            let (f, l, place) = (r.pick(FIRST), r.pick(LAST), r.pick(PLACES));
            let name = match kind {
                EntryKind::CrisisLine => format!("{place} Crisis Line {i}"),
                EntryKind::Counselor => format!("Dr. {f} {l}, LPC ({i})"),
                EntryKind::Eap => format!("{place} EAP {i}"),
                EntryKind::Chaplain => format!("Chaplain {f} {l} ({i})"),
                EntryKind::Program => format!("{place} Wellness Program {i}"),
                EntryKind::PeerTeam => format!("{place} Peer Team {i}"),
            };
            let mut specialties: Vec<String> = SPECIALTIES
                .iter()
                .filter(|_| r.chance(25))
                .map(|s| (*s).to_owned())
                .collect();
            specialties.truncate(3);
            let mut languages = vec!["en".to_owned()];
            if r.chance(30) {
                languages.push("es".into());
            }
            if r.chance(5) {
                languages.push("vi".into());
            }
            let always_open = kind == EntryKind::CrisisLine || r.chance(10);
            DirectoryEntry {
                name,
                kind,
                specialties,
                first_responder_competent: r.chance(50),
                telehealth: r.chance(40),
                languages,
                cost: r.chance(90).then(|| r.pick(COSTS).to_owned()),
                always_open,
                hours: (!always_open).then(|| "Mon–Fri 8:00–18:00".to_owned()),
                region: Some(place.to_owned()),
                phone: Some(format!("(512) 555-{:04}", r.next() % 10_000)),
                sms: r
                    .chance(20)
                    .then(|| format!("512-555-{:04}", r.next() % 10_000)),
                sms_body: None,
                web: r
                    .chance(50)
                    .then(|| format!("https://example.org/provider/{i}")),
                notes: Some(format!("{} {}", r.pick(NOTES), r.pick(NOTES))),
            }
        })
        .collect()
}

fn q(text: &str, f: impl FnOnce(&mut Query)) -> Query {
    let mut q = Query {
        text: text.into(),
        ..Query::default()
    };
    f(&mut q);
    q
}

fn main() {
    let entries = n(10_000, 200);
    let dir = tempfile::tempdir().unwrap();
    let vault = Vault::create(&dir.path().join("vault.db"), &VaultKey::generate()).unwrap();

    // Join a team (what an invite stores) and sign a 10,000-entry directory with its key.
    let team_key = SigningKey::from_bytes(&[7; 32]);
    vault
        .conn()
        .execute(
            "INSERT INTO membership (id, relay_url, team_id, team_public_key, device_id,
               device_secret_key, joined_at_utc)
             VALUES (1, 'https://relay.example', ?1, ?2, 'bench-device', ?3, '2026-11-25T00:00:00Z')",
            rusqlite_params(&team_key),
        )
        .unwrap();
    let payload = serde_json::to_vec(&Directory {
        entries: generate(entries),
    })
    .unwrap();
    let sig = team_key.sign(&blob_signing_message(
        TEAM,
        BlobKind::Directory,
        1,
        &payload,
    ));
    let blob = SignedBlob {
        version: 1,
        payload: b64::encode(&payload),
        signature: b64::encode(&sig.to_bytes()),
    };

    let t = Instant::now();
    let info = directory::install(&vault, &blob).unwrap();
    println!(
        "verify + store a {}-entry directory ({:.1} MiB): {}",
        info.entries,
        payload.len() as f64 / 1_048_576.0,
        ms(t.elapsed())
    );
    let t = Instant::now();
    let all = directory::search(&vault, &Query::default()).unwrap();
    println!(
        "first search, building the index ({} built-in + {} agency entries): {}",
        directory::builtin().len(),
        info.entries,
        ms(t.elapsed())
    );
    assert_eq!(all[0].entry.kind, Kind::CrisisLine);

    let long = "counselor ".repeat(1_000);
    let queries: Vec<(&str, Query)> = vec![
        (
            "no words, kind + language",
            q("", |q| {
                q.kinds = vec![Kind::Counselor];
                q.language = Some("es".into());
            }),
        ),
        (
            "no words, 24/7 + free",
            q("", |q| {
                q.always_open = true;
                q.cost = Some("free".into());
            }),
        ),
        (
            "no words, rare filters",
            q("", |q| {
                q.language = Some("vi".into());
                q.specialty = Some("grief".into());
                q.telehealth = true;
                q.region = Some("Kyle".into());
            }),
        ),
        (
            "prefix 'coun' + telehealth",
            q("coun", |q| q.telehealth = true),
        ),
        ("prefix 'c'", q("c", |_| {})),
        (
            "two words + region",
            q("trauma counselor", |q| {
                q.region = Some("Travis County".into());
            }),
        ),
        ("name", q("Ruiz", |_| {})),
        ("notes words", q("shift work overtime", |_| {})),
        ("typo 'counslor'", q("counslor", |_| {})),
        (
            "typo 'chaplin' + first responder",
            q("chaplin", |q| {
                q.first_responder_competent = true;
            }),
        ),
        ("urgent 'suicide'", q("suicide", |_| {})),
        ("urgent + words", q("I need help now substance use", |_| {})),
        (
            "grief + specialty filter",
            q("grief", |q| {
                q.specialty = Some("grief".into());
                q.origin = Some(Origin::Agency);
            }),
        ),
        ("hostile 10,000 chars", q(&long, |_| {})),
        (
            "hostile FTS syntax",
            q("NEAR(\"a\" OR b*) AND NOT (c:^d)", |_| {}),
        ),
        ("no match", q("xyzzy", |_| {})),
    ];

    // Warm up the statement cache and the page cache, as a running app would be.
    for (_, query) in &queries {
        directory::search(&vault, query).unwrap();
    }
    let rounds = n(200, 2);
    let mut every = Vec::new();
    let mut per: Vec<Vec<Duration>> = vec![Vec::new(); queries.len()];
    for _ in 0..rounds {
        for (i, (_, query)) in queries.iter().enumerate() {
            let t = Instant::now();
            let hits = directory::search(&vault, query).unwrap();
            let d = t.elapsed();
            std::hint::black_box(hits);
            every.push(d);
            per[i].push(d);
        }
    }
    println!(
        "search over {} entries with filters: p50 {}  p99 {}  max {}  (n={})",
        entries + directory::builtin().len(),
        ms(pct(&mut every, 0.5)),
        ms(pct(&mut every, 0.99)),
        ms(pct(&mut every, 1.0)),
        every.len()
    );
    for ((what, query), mut times) in queries.iter().zip(per) {
        let hits = directory::search(&vault, query).unwrap().len();
        println!(
            "  {what:<36} p50 {}  p99 {}  ({hits} results)",
            ms(pct(&mut times, 0.5)),
            ms(pct(&mut times, 0.99))
        );
    }
}

fn rusqlite_params(key: &SigningKey) -> [Box<dyn rusqlite::ToSql>; 3] {
    [
        Box::new(TEAM),
        Box::new(key.verifying_key().to_bytes().to_vec()),
        Box::new(vec![9u8; 32]),
    ]
}
