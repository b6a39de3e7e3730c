//! Web Push figures on this machine, against a relay on 127.0.0.1 and the loopback push
//! service of the tests (`tests/push-service`: it checks each VAPID JWT and decrypts each
//! payload, as a real service would): post → push received at the push service, p50/p99;
//! posts per second to a team with 50 peer subscriptions beside the same team with none,
//! measured in the same run. Run: `cargo bench -p peerline-relay --bench push`.
//! Bounded in count and time; loopback only. `PEERLINE_BENCH_SMOKE=1` runs it small (tens of
//! posts, 5 subscriptions): the test command's smoke run.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use peerline_protocol::relay::*;
use peerline_testkit::bench::{n, pct};
use peerline_testkit::push_service::{Mode, PushService};
use peerline_testkit::{TestDevice, TestRelay, TestTeam, anon_post, push_body};

const WAIT: Duration = Duration::from_secs(30);

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

async fn subscribe_peers(team: &TestTeam, service: &PushService, key: &str, n: usize, mode: Mode) {
    for i in 0..n {
        let device = team.device().await;
        let sub = service.subscribe(key).await;
        service.set_mode(&sub, mode).await;
        let wire = PushSubscription {
            endpoint: sub.endpoint,
            p256dh: sub.p256dh,
            auth: sub.auth,
        };
        device
            .client()
            .set_peer_push(
                &team.team_id,
                &push_body(&team.team_id, &format!("peer{i}"), wire),
            )
            .await
            .unwrap();
    }
}

/// Posts `total` requests to 50 recipients, 32 in flight; posts per second.
async fn posts_per_sec(team: &TestTeam, total: usize) -> f64 {
    let officers: Arc<Vec<TestDevice>> = Arc::new({
        let mut v = Vec::new();
        for _ in 0..32 {
            v.push(team.device().await);
        }
        v
    });
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..32 {
        let officers = officers.clone();
        let team_id = team.team_id.clone();
        tasks.push(tokio::spawn(async move {
            let client = officers[w].client();
            for _ in 0..total / 32 {
                let mut post = anon_post(&peerline_testkit::peerline_relay_test_id(), None);
                post.recipient_key_ids = (0..50).map(|i| format!("peer{i}")).collect();
                client.post_request(&team_id, &post).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    (total / 32 * 32) as f64 / started.elapsed().as_secs_f64()
}

/// A relay on loopback without rate limits: the bench measures its work, not its limits.
async fn bench_relay() -> TestRelay {
    TestRelay::start_limited(peerline_relay::Limits {
        per_ip_per_sec: 1_000_000,
        per_ip_burst: 1_000_000,
        per_signer_per_sec: 1_000_000,
        per_signer_burst: 1_000_000,
        ..Default::default()
    })
    .await
}

async fn push_key(url: &str) -> String {
    peerline_client::RelayClient::anonymous(url)
        .unwrap()
        .push_key()
        .await
        .unwrap()
        .vapid_public_key
}

/// Posts per second to a team whose peers have `n` subscriptions on a push service in
/// `mode`, on a relay and push service of their own.
async fn subscribed_posts_per_sec(n: usize, mode: Mode, total: usize) -> f64 {
    let relay = bench_relay().await;
    let service = PushService::start().await;
    let team = relay.team(3600).await;
    subscribe_peers(&team, &service, &push_key(&relay.url).await, n, mode).await;
    posts_per_sec(&team, total).await
}

#[tokio::main]
async fn main() {
    let relay = bench_relay().await;
    let service = PushService::start().await;
    let key = push_key(&relay.url).await;

    // 1. Post → push received: one subscribed peer, 200 posts one after another.
    let team = relay.team(3600).await;
    let sam = team.device().await;
    let sub = service.subscribe(&key).await;
    sam.client()
        .set_peer_push(
            &team.team_id,
            &push_body(
                &team.team_id,
                "sam",
                PushSubscription {
                    endpoint: sub.endpoint.clone(),
                    p256dh: sub.p256dh.clone(),
                    auth: sub.auth.clone(),
                },
            ),
        )
        .await
        .unwrap();
    let officer = team.device().await.client();
    let posts = n(200, 5);
    let mut lat = Vec::with_capacity(posts);
    for i in 0..posts {
        let mut post = anon_post(&peerline_testkit::peerline_relay_test_id(), None);
        post.recipient_key_ids = vec!["sam".into()];
        let t0 = now_ms();
        officer.post_request(&team.team_id, &post).await.unwrap();
        let got = service.wait_for_messages(&sub, i + 1, WAIT).await;
        lat.push(got.messages[i].at_ms.saturating_sub(t0));
    }
    println!(
        "post -> push received (1 subscription, n={posts}): p50 {} ms, p99 {} ms",
        pct(&mut lat, 0.5),
        pct(&mut lat, 0.99)
    );

    // 2. Posts per second with and without 50 peer subscriptions, each on a relay (and a
    // push service) of its own so no phase's push backlog runs into the next.
    drop((relay, service));
    let total = n(1_024, 64);
    let subscriptions = n(50, 5);
    let without = {
        let relay = bench_relay().await;
        posts_per_sec(&relay.team(3600).await, total).await
    };
    let with = subscribed_posts_per_sec(subscriptions, Mode::Ok, total).await;
    // A push service that never answers: every push waits out its timeout.
    let hanging = subscribed_posts_per_sec(subscriptions, Mode::Hang, total).await;
    println!(
        "posts/s to 50 recipients, {total} posts, 32 in flight: without subscriptions {without:.0}/s, \
         with 50 subscriptions {with:.0}/s ({:.2}x), with 50 subscriptions on a push service that \
         never answers {hanging:.0}/s ({:.2}x)",
        with / without,
        hanging / without
    );
}
