//! Two relay nodes on one PostgreSQL under load, with faults: 1,000 peers' WebSockets
//! across 10 teams, 50 requests a second for 60 s, three peers racing to claim each one; one
//! node is SIGKILLed at 20 s and PostgreSQL restarts at 40 s. Every request must reach every
//! peer of its team exactly once (by event, or by the re-list after a reconnect), every
//! claim must have one winner, and the relay must hold each request once. Real processes on
//! 127.0.0.1; bounded in count and time. `benches/cluster.rs` runs the same tool for figures.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use peerline_testkit::load::{Node, Pg, Plan};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_1000_peers_50_a_second_survive_a_killed_node_and_a_postgres_restart() {
    let Some(pg) = Pg::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut nodes = vec![
        Node::spawn(&pg.url, dir.path()),
        Node::spawn(&pg.url, dir.path()),
    ];
    let plan = Plan {
        teams: 10,
        peers_per_team: 100,
        posts_per_sec: 50,
        duration: Duration::from_secs(60),
        claimers: 3,
        kill_node_at: Some(Duration::from_secs(20)),
        restart_postgres_at: Some(Duration::from_secs(40)),
    };
    let out = peerline_testkit::load::run(&plan, &mut nodes, Some(&pg)).await;
    out.print("two nodes + PostgreSQL, node killed at 20 s, PostgreSQL restarted at 40 s");
    assert_eq!(out.posted, 3000, "every post accepted in the end");
    assert_eq!(out.delivered, out.expected_deliveries, "nothing lost");
    assert_eq!(out.duplicate_events, 0, "no event twice at one peer");
    assert_eq!(out.claim_faults, 0, "one winner per claim race");
    assert_eq!(out.listing_faults, 0, "the relay holds each request once");
    assert_eq!(
        out.before_faults_by_event, out.before_faults_expected,
        "before any fault every request reached every peer by event, half of them across nodes"
    );
    assert!(
        out.before_faults_expected >= 90_000,
        "about 19 s of posts before the kill"
    );
    assert!(
        out.reconnects_before_restart >= 500,
        "the killed node's peers reconnected to the other before PostgreSQL restarted"
    );
    let health = out.health_while_down.as_deref().unwrap_or_default();
    assert!(
        health.starts_with("503 UNAVAILABLE") && health.contains("database unreachable"),
        "while PostgreSQL restarted the relay said so clearly, not {health:?}"
    );
    assert!(
        out.unavailable_answers > 0 || out.unreachable > 0,
        "the faults were felt (else this test tests nothing)"
    );
}
