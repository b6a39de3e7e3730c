//! Relay figures on this machine, against the release binary as a separate process on
//! 127.0.0.1 (so its memory is measured alone): posts per second with 1 KiB ciphertext to
//! 50 recipients, post → event fan-out to 1,000 connected peers, and memory per idle
//! WebSocket. Run: `ulimit -n 65536; cargo bench -p peerline-relay --bench relay`.
//! Bounded in count and time; loopback only. `PEERLINE_BENCH_SMOKE=1` runs it small (tens of
//! posts and connections): the test command's smoke run, on the debug relay binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_client::RelayClient;
use peerline_protocol::endpoints as ep;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::*;
use peerline_testkit::bench::{ms_to, n, pct};
use peerline_testkit::{TestDevice, TestTeam, create_team, now, peerline_relay_test_id as id};
use reqwest::Method;

/// `n` devices registered with one invite, as a coordinator enrols a shift.
async fn devices(t: &TestTeam, n: u32) -> Vec<TestDevice> {
    let (_, code) = t.invite(n, 3600).await;
    let mut out = Vec::with_capacity(n as usize);
    for _ in 0..n {
        out.push(t.redeem(&code).await.unwrap());
    }
    out
}

fn post_body(request_id: String) -> PostRequest {
    PostRequest {
        request_id,
        urgency: Urgency::Today,
        recipient_key_ids: (0..50).map(|i| format!("peer{i}")).collect(),
        expires_at: now() + 3600,
        ciphertext: b64::encode(&[0xA5; 1024]),
        status_hash: secret_hash_hex(&id()),
        token: None,
    }
}

/// `total` posts from `clients`, 32 in flight (one task per client): posts per second and
/// each post's latency.
async fn posts(clients: &[RelayClient], team_id: &str, total: usize) -> (f64, Vec<Duration>) {
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in clients {
        let (c, team_id) = (c.clone(), team_id.to_owned());
        let each = total / clients.len();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(each);
            for _ in 0..each {
                let body = post_body(id());
                let t0 = Instant::now();
                let _: PostAccepted = c
                    .call(Method::POST, &ep::team_requests(&team_id), Some(&body), &[])
                    .await
                    .unwrap();
                lat.push(t0.elapsed());
            }
            lat
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    (lat.len() as f64 / started.elapsed().as_secs_f64(), lat)
}

/// The limit probe: this same bench binary started again as a plain axum server that parses
/// a post and inserts it with one statement on one SQLite connection behind a mutex (WAL,
/// synchronous NORMAL, like the relay), and answers. No signature, no checks: what the
/// relay's post could cost at best on this machine today.
struct Probe {
    child: std::process::Child,
    url: String,
}

const PROBE_ENV: &str = "PEERLINE_BENCH_PROBE_DB";

impl Probe {
    fn spawn(db: &std::path::Path) -> Self {
        use std::io::BufRead as _;
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .env(PROBE_ENV, db)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        Self {
            child,
            url: format!("http://127.0.0.1:{}", line.trim()),
        }
    }

    fn serve(db: &str) {
        use axum::body::Bytes;
        use std::sync::Mutex;
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
             CREATE TABLE requests (request_id TEXT PRIMARY KEY, body BLOB NOT NULL);",
        )
        .unwrap();
        let conn = Arc::new(Mutex::new(conn));
        let post = move |body: Bytes| {
            let conn = conn.clone();
            async move {
                tokio::task::spawn_blocking(move || {
                    let req: PostRequest = serde_json::from_slice(&body).unwrap();
                    conn.lock()
                        .unwrap()
                        .execute(
                            "INSERT INTO requests (request_id, body) VALUES (?1, ?2)",
                            rusqlite::params![req.request_id, body.as_ref()],
                        )
                        .unwrap();
                    axum::Json(PostAccepted {
                        request_id: req.request_id,
                        duplicate: false,
                    })
                })
                .await
                .unwrap()
            }
        };
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async move {
            let app =
                axum::Router::new().route("/v1/teams/{team}/requests", axum::routing::post(post));
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            println!("{}", listener.local_addr().unwrap().port());
            axum::serve(listener, app).await.unwrap();
        });
    }
}

impl Drop for Probe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn main() {
    if let Ok(db) = std::env::var(PROBE_ENV) {
        return Probe::serve(&db);
    }
    run();
}

#[tokio::main]
async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("relay.db");
    let relay = peerline_testkit::load::Node::spawn_with(
        database.to_str().unwrap(),
        dir.path(),
        &["--max-websockets", "20000"],
    );
    let url = relay.url.clone();

    // 1. Posts per second: 2,000 posts, 32 in flight, 1 KiB ciphertext, 50 recipients,
    // beside the limit probe (axum + one SQLite insert behind a mutex, its own process)
    // driven by the same clients in the same run.
    let t = create_team(&url, 3600).await;
    let officers = devices(&t, 32).await;
    let total = n(2_000, 64);
    let probe = Probe::spawn(&dir.path().join("probe.db"));
    // One client (one connection pool) per officer, made once: a new client per post would
    // measure TCP set-up, not the relay.
    let to_probe: Vec<_> = officers
        .iter()
        .map(|d| RelayClient::device(&probe.url, &d.device_id, d.key.clone()).unwrap())
        .collect();
    let to_relay: Vec<_> = officers.iter().map(TestDevice::client).collect();
    // Warm both (connections, page cache), then measure alternately.
    posts(&to_probe, &t.team_id, 64).await;
    posts(&to_relay, &t.team_id, 64).await;
    let (probe_rate, mut probe_lat) = posts(&to_probe, &t.team_id, total).await;
    let (rate, mut lat) = posts(&to_relay, &t.team_id, total).await;
    drop(probe);
    println!(
        "post request (1 KiB, 50 recipients, signed, SQLite, 32 in flight): {rate:.0} req/s, p50 {}, p99 {} (n={})",
        ms_to(pct(&mut lat, 0.5), 2),
        ms_to(pct(&mut lat, 0.99), 2),
        lat.len()
    );
    println!(
        "limit, same run (axum + one SQLite insert behind a mutex): {probe_rate:.0} req/s, p50 {}, p99 {}; relay at {:.2} of it",
        ms_to(pct(&mut probe_lat, 0.5), 2),
        ms_to(pct(&mut probe_lat, 0.99), 2),
        rate / probe_rate
    );

    // 2. Fan-out: 1,000 connected peers, 20 posts, time from post to each receipt.
    let (connected, posts) = (n(1_000, 10), n(20, 2));
    let t = create_team(&url, 3600).await;
    let peers = devices(&t, n(50, 5) as u32).await;
    let officer = devices(&t, 1).await.remove(0).client();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    for i in 0..connected {
        let mut ws = peers[i % peers.len()].events().await;
        let tx = tx.clone();
        tokio::spawn(async move {
            while let Some(Ok(msg)) = ws.next().await {
                if let tokio_tungstenite::tungstenite::Message::Text(text) = msg
                    && let Ok(Event::NewRequest { request_id, .. }) = serde_json::from_str(&text)
                {
                    let _ = tx.send((request_id, Instant::now()));
                }
            }
        });
    }
    drop(tx);
    let mut all = Vec::new();
    let mut last = Vec::new();
    for _ in 0..posts {
        let rid = id();
        let t0 = Instant::now();
        let _: PostAccepted = officer
            .call(
                Method::POST,
                &ep::team_requests(&t.team_id),
                Some(&post_body(rid.clone())),
                &[],
            )
            .await
            .unwrap();
        let mut got = 0;
        let deadline = t0 + Duration::from_secs(10);
        while got < connected {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Ok(Some((r, at))) = tokio::time::timeout(remaining, rx.recv()).await else {
                break;
            };
            if r == rid {
                got += 1;
                all.push(at - t0);
                if got == connected {
                    last.push(at - t0);
                }
            }
        }
        assert_eq!(got, connected, "every peer gets every event");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "fan-out post -> event at 1,000 connected peers: p50 {}, p99 {}, last peer p50 {} ({posts} posts)",
        ms_to(pct(&mut all, 0.5), 2),
        ms_to(pct(&mut all, 0.99), 2),
        ms_to(pct(&mut last, 0.5), 2)
    );

    // 3. Idle WebSockets: memory per connection in the relay process.
    let want = n(
        10_000u64.min(peerline_testkit::load::fd_limit().saturating_sub(2_500) / 2) as usize,
        10,
    );
    let t = create_team(&url, 3600).await;
    let peers = devices(&t, n(100, 10) as u32).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = relay.rss_mib();
    let mut conns = Vec::with_capacity(want);
    for i in 0..want {
        conns.push(peers[i % peers.len()].events().await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = relay.rss_mib();
    println!(
        "idle WebSocket peers: {want} connected; relay RSS {before:.1} MiB -> {after:.1} MiB, {:.1} KiB per connection",
        (after - before).max(0.0) * 1024.0 / want.max(1) as f64
    );
    drop(conns);
}
