//! Relay load figures on this machine, side by side: one node on SQLite, two nodes on one
//! PostgreSQL, and two nodes with faults (one SIGKILLed at a third of the run, PostgreSQL
//! restarted at two thirds). 1,000 peers' WebSockets across 10 teams, 50 requests a second,
//! three peers racing to claim each. Release relay binaries as their own processes on
//! 127.0.0.1, with a throw-away PostgreSQL (scripts/postgres.sh).
//!
//! Run: `cargo bench -p peerline-relay --bench cluster` (PEERLINE_LOAD_SECS=60 by default).
//! `PEERLINE_BENCH_SMOKE=1` runs each phase small (2 teams of 5 peers, 3 s): the test
//! command's smoke run, on the debug relay binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use peerline_testkit::bench::n;
use peerline_testkit::load::{Node, Pg, Plan};

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::var("PEERLINE_LOAD_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n(60, 3) as u64);
    let plan = Plan {
        teams: n(10, 2),
        peers_per_team: n(100, 5),
        posts_per_sec: n(50, 10) as u32,
        duration: Duration::from_secs(secs),
        claimers: 3,
        kill_node_at: None,
        restart_postgres_at: None,
    };

    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("relay.db");
    let mut nodes = vec![Node::spawn(db.to_str().unwrap(), dir.path())];
    peerline_testkit::load::run(&plan, &mut nodes, None)
        .await
        .print("SQLite, one node");
    drop(nodes);

    let Some(pg) = Pg::start() else { return };
    let mut nodes = vec![
        Node::spawn(&pg.url, dir.path()),
        Node::spawn(&pg.url, dir.path()),
    ];
    peerline_testkit::load::run(&plan, &mut nodes, Some(&pg))
        .await
        .print("PostgreSQL, two nodes");
    drop(nodes);
    drop(pg);

    let pg = Pg::start().unwrap();
    let mut nodes = vec![
        Node::spawn(&pg.url, dir.path()),
        Node::spawn(&pg.url, dir.path()),
    ];
    let faults = Plan {
        kill_node_at: Some(Duration::from_secs(secs / 3)),
        restart_postgres_at: Some(Duration::from_secs(secs * 2 / 3)),
        ..plan
    };
    peerline_testkit::load::run(&faults, &mut nodes, Some(&pg))
        .await
        .print("PostgreSQL, two nodes, one SIGKILLed, PostgreSQL restarted");
}
