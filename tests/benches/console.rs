//! Console figures: what the coordinator waits for. Publishing a 500-peer roster and a
//! 10,000-entry directory (the draft checked with the phones' rules, signed, uploaded),
//! beside the floor in the same run: the same signed bytes uploaded with no checks. And the
//! figures of a team with 10,000 requests in a year (the relay's pooled answer and the
//! console's view), beside the bare GET.
//! Run: `cargo bench -p peerline-e2e --bench console`. Loopback only; bounded.
//! `PEERLINE_BENCH_SMOKE=1` runs it small (the test command's smoke run).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use peerline_core::coordinator::documents::{self, DirectoryFormat, DocumentKind};
use peerline_core::coordinator::{self, NewTeam, figures};
use peerline_core::talk::VaultAccess as _;
use peerline_e2e::*;
use peerline_protocol::b64;
use peerline_protocol::documents::{Roster, RosterPeer};
use peerline_protocol::relay::{BlobKind, Urgency};
use peerline_relay::storage::{NewPost, StoredRequest};
use peerline_testkit::bench::{median, ms_to, n, pct};

const BECH32: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

fn fake_peer(i: usize) -> RosterPeer {
    // Well-formed keys (the roster is published, never encrypted to, here).
    let recipient: String = (0..58)
        .map(|j| BECH32[(i * 7 + j * 13) % 32] as char)
        .collect();
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&(i as u64).to_le_bytes());
    RosterPeer {
        key_id: format!("peer-{i:04}"),
        display_name: format!("Peer {i}"),
        languages: vec!["English".into(), "Spanish".into()],
        specialties: vec!["critical incident".into(), "family".into()],
        unit: Some(format!("Unit {}", i % 12)),
        schedule: vec![format!(
            "{} 18-06",
            ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][i % 7]
        )],
        age_recipient: format!("age1{recipient}"),
        signing_key: b64::encode(&key),
        ..RosterPeer::default()
    }
}

fn directory_csv(entries: usize) -> String {
    let mut csv = String::from(
        "name,kind,phone,web,specialties,languages,first_responder_competent,hours,region,notes\n",
    );
    for i in 0..entries {
        csv.push_str(&format!(
            "Counselor {i},counselor,+1 555 01{:02} {:04},https://c{i}.example.org,trauma;PTSD;couples,English;Spanish,yes,Mon–Fri 9–17,County {},Sees first responders and their families; evening slots\n",
            i % 100,
            i % 10_000,
            i % 40
        ));
    }
    csv
}

#[tokio::main]
async fn main() {
    let mut w = World::new(180).await;
    let coord = Phone::new();
    let c = &coord.session;
    coordinator::create_team(
        c,
        NewTeam {
            relay_url: w.url(),
            admin_token: ADMIN.into(),
            ..NewTeam::default()
        },
    )
    .await
    .unwrap();
    let team_id = c
        .with_vault(|v| Ok(coordinator::team(v)?.unwrap().team_id))
        .unwrap();

    // The roster: edited (saved as a draft), then signed and published as the next version.
    let peers = n(500, 20);
    let rounds = n(7, 2);
    let roster = Roster {
        peers: (0..peers).map(fake_peer).collect(),
    };
    let (mut save, mut publish) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let mut r = roster.clone();
        r.peers[0].display_name = format!("Peer 0 (round {round})");
        let t0 = Instant::now();
        let d = c.with_vault(|v| documents::save_roster(v, r)).unwrap();
        save.push(t0.elapsed());
        assert!(d.problems.is_empty(), "{:?}", &d.problems[..1]);
        let t0 = Instant::now();
        documents::publish(c, DocumentKind::Roster).await.unwrap();
        publish.push(t0.elapsed());
    }
    let roster_json = serde_json::to_vec(&roster).unwrap();
    let mut floor_roster = floor(c, BlobKind::Roster, &roster_json, rounds).await;
    println!(
        "console roster, {peers} peers ({} KiB): save draft (checks, coverage, preview) p50 {}; publish (checks, sign, upload) p50 {}, max {}; floor in this run (signed upload, no checks) p50 {}",
        roster_json.len() / 1024,
        ms_to(median(&mut save), 1),
        ms_to(median(&mut publish), 1),
        ms_to(pct(&mut publish, 1.0), 1),
        ms_to(median(&mut floor_roster), 1),
    );

    // The directory: a spreadsheet imported, then published.
    let entries = n(10_000, 50);
    let csv = directory_csv(entries);
    let (mut import, mut publish) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t0 = Instant::now();
        let d = c
            .with_vault(|v| documents::import_directory(v, &csv, DirectoryFormat::Csv))
            .unwrap();
        import.push(t0.elapsed());
        assert!(d.problems.is_empty(), "{:?}", &d.problems[..1]);
        let t0 = Instant::now();
        documents::publish(c, DocumentKind::Directory)
            .await
            .unwrap();
        publish.push(t0.elapsed());
    }
    let dir_json = c
        .with_vault(|v| Ok(serde_json::to_vec(&documents::directory_draft(v)?.directory).unwrap()))
        .unwrap();
    let mut floor_dir = floor(c, BlobKind::Directory, &dir_json, rounds).await;
    println!(
        "console directory, {entries} entries ({} KiB): CSV import (parse, phone checks, save) p50 {}; publish (checks, sign, upload) p50 {}, max {}; floor in this run (signed upload, no checks) p50 {}",
        dir_json.len() / 1024,
        ms_to(median(&mut import), 1),
        ms_to(median(&mut publish), 1),
        ms_to(pct(&mut publish, 1.0), 1),
        ms_to(median(&mut floor_dir), 1),
    );

    // Figures: a year of 10,000 requests, counted as they closed, straight into the relay's
    // storage (the counters are what is read; how they got there is the relay suite's test).
    // The relay is stopped meanwhile: one writer on its SQLite file, as in production.
    let requests = n(10_000, 100);
    w.stop_relay().await;
    let storage = peerline_relay::Database::Sqlite(w.relay_db())
        .open()
        .await
        .unwrap();
    let start = now() - 365 * 86_400;
    for i in 0..requests {
        let at = start + (i as i64 * 365 * 86_400) / requests as i64;
        let id = format!("bench-{i}");
        storage
            .post_request(NewPost::plain(StoredRequest {
                request_id: id.clone(),
                team_id: team_id.clone(),
                urgency: Urgency::Today,
                recipient_key_ids: vec![],
                created_at: at,
                expires_at: at + 3_600,
                escalate_at: None,
                escalated: false,
                ciphertext: vec![0; 16],
                status_hash: "0".repeat(64),
                claimed_by_key: None,
                claimed_by_device: None,
                reply: None,
                delivered: false,
            }))
            .await
            .unwrap();
        if i % 10 != 0 {
            storage
                .claim(&id, &team_id, "peer-0001", "dev", at + (i as i64 % 900))
                .await
                .unwrap();
        }
        storage.close(&id, at + 3_600, at + 1_200).await.unwrap();
    }
    drop(storage);
    w.start_relay_again().await;
    // Two signed GETs a round, a round every half second: inside the relay's per-signer
    // rate limit (5/s), as a coordinator's screen would be.
    let fetches = n(20, 3);
    let (mut view, mut bare) = (Vec::new(), Vec::new());
    let client = coordinator_client(c);
    let mut shown = 0;
    for _ in 0..fetches {
        let t0 = Instant::now();
        let v = figures::load(c, 0).await.unwrap();
        view.push(t0.elapsed());
        shown = v.periods.len();
        let t0 = Instant::now();
        client.figures().await.unwrap();
        bare.push(t0.elapsed());
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    println!(
        "console figures, {requests} requests over a year ({shown} periods): fetch and build the view p50 {}, p99 {}; floor in this run (the signed GET alone) p50 {}",
        ms_to(median(&mut view), 2),
        ms_to(pct(&mut view, 0.99), 2),
        ms_to(median(&mut bare), 2),
    );
}

fn coordinator_client(
    c: &std::sync::Mutex<peerline_core::session::Session>,
) -> peerline_client::Coordinator {
    let (relay, team, key) = c
        .with_vault(|v| {
            Ok(v.conn()
                .query_row(
                    "SELECT relay_url, team_id, secret_key FROM coordinator_team",
                    [],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, Vec<u8>>(2)?,
                        ))
                    },
                )
                .unwrap())
        })
        .unwrap();
    let key = ed25519_dalek::SigningKey::from_bytes(&key.try_into().unwrap());
    peerline_client::Coordinator::open(&relay, &team, key).unwrap()
}

/// The same document's signed bytes uploaded with no draft and no checks: the floor.
async fn floor(
    c: &std::sync::Mutex<peerline_core::session::Session>,
    kind: BlobKind,
    payload: &[u8],
    rounds: usize,
) -> Vec<Duration> {
    let client = coordinator_client(c);
    let mut out = Vec::new();
    for _ in 0..rounds {
        let t0 = Instant::now();
        client.publish(kind, payload, None).await.unwrap();
        out.push(t0.elapsed());
    }
    out
}
