//! What the relay acknowledged is kept: posts from many devices at once (so they are
//! committed together in batches) with the relay process SIGKILLed mid-stream, on SQLite or
//! on the test PostgreSQL. Every post answered 200 is in the database afterwards, once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use peerline_protocol::relay::Urgency;
use peerline_testkit::load::Node;
use peerline_testkit::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sigkill_during_a_batch_loses_no_acknowledged_post() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let mut node = Node::spawn(&database_arg(&database), dir.path());
    let team = create_team(&node.url, 120).await;
    let mut devices = Vec::new();
    for _ in 0..24 {
        devices.push(team.device().await);
    }

    // 24 devices post as fast as the relay answers; each keeps the ids answered 200 and
    // counts the posts that got no answer (in flight when the process died).
    let acknowledged = Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let unanswered = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for d in devices {
        let (acknowledged, unanswered) = (acknowledged.clone(), unanswered.clone());
        tasks.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                let id = peerline_relay_test_id();
                match d.post(&id, Urgency::Today, b"sealed", &id).await {
                    Ok(_) => acknowledged.lock().unwrap().push(id),
                    Err(_) => {
                        unanswered.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        return;
                    }
                }
            }
        }));
    }
    // Kill once a good number are in, with posts still in flight.
    let started = Instant::now();
    while acknowledged.lock().unwrap().len() < 300 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the relay took too few posts"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    node.kill();
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .unwrap()
            .unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    let unanswered = unanswered.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        unanswered > 0,
        "some posts were in flight when the relay died"
    );

    // Opened again as a restarted node would (SQLite recovers its WAL here).
    let storage = database.open().await.unwrap();
    let mut missing = Vec::new();
    for id in &acknowledged {
        if storage.request(id).await.unwrap().is_none() {
            missing.push(id.clone());
        }
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged posts lost: {:?}",
        missing.len(),
        acknowledged.len(),
        &missing[..missing.len().min(5)]
    );
    // And the team's list holds each once.
    let held = storage.team_requests(&team.team_id, now()).await.unwrap();
    let mut ids: Vec<&str> = held.iter().map(|r| r.request_id.as_str()).collect();
    let all = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), all, "no request twice");
    assert!(all >= acknowledged.len());
    assert!(
        all <= acknowledged.len() + unanswered,
        "nothing but what was sent"
    );
}
