//! The relay load tool: real relay processes on 127.0.0.1, many peers' WebSockets, officers
//! posting at a steady rate, and peers racing to claim, with optional faults (SIGKILL one
//! node, restart PostgreSQL). Peers behave as the app does: on any lost connection they
//! reconnect (to another node if theirs is gone) and re-list, and they count a request once
//! by id. Used by `tests/load.rs` (asserts nothing is lost or duplicated) and by
//! `benches/cluster.rs` (prints the figures). Bounded in count and time.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use peerline_client::{ClientError, ErrorCode, RelayClient};
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::*;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use crate::bench::pct;
use crate::{ADMIN, TestDevice, claim_body, create_team, now};

/// A private PostgreSQL for one load run (a restart must not disturb other tests).
pub struct Pg {
    pub url: String,
    dir: String,
}

fn script() -> String {
    format!("{}/../../scripts/postgres.sh", env!("CARGO_MANIFEST_DIR"))
}

impl Pg {
    /// `None` outside CI when PostgreSQL is not installed; in CI that is a failure.
    pub fn start() -> Option<Self> {
        let installed = std::fs::read_dir("/usr/lib/postgresql")
            .map(|d| d.count() > 0)
            .unwrap_or(false);
        if !installed {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "PostgreSQL is not installed: CI must run the load tests (scripts/setup.sh installs it)"
            );
            eprintln!("SKIPPED: PostgreSQL is not installed (scripts/setup.sh installs it)");
            return None;
        }
        let out = Command::new("bash")
            .arg(script())
            .arg("start")
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/postgres.sh");
        assert!(out.status.success(), "PostgreSQL did not start");
        let text = String::from_utf8_lossy(&out.stdout);
        let value = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("export {key}='")))
                .map(|v| v.trim_end_matches('\'').to_owned())
                .expect("postgres.sh prints its settings")
        };
        Some(Self {
            url: value("PEERLINE_TEST_POSTGRES"),
            dir: value("PEERLINE_TEST_POSTGRES_DIR"),
        })
    }

    /// A fast restart: every connection drops, as in a failover or an upgrade.
    pub fn restart(&self) {
        let ok = Command::new("bash")
            .arg(script())
            .args(["restart", &self.dir])
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "PostgreSQL did not restart");
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script())
            .args(["stop", &self.dir])
            .status();
    }
}

/// The relay binary Cargo built for the relay crate's tests and benches: they run from
/// `target/<profile>/deps`, and the package's binaries sit one folder up.
fn relay_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .and_then(std::path::Path::parent)
        .unwrap()
        .join("peerline-relay");
    assert!(
        bin.exists(),
        "{} is missing: run the load tool from the relay crate's tests or benches",
        bin.display()
    );
    bin
}

/// One relay node: the real binary, as its own process.
pub struct Node {
    child: Option<Child>,
    pub url: String,
    pid: u32,
}

impl Node {
    pub fn spawn(database: &str, dir: &std::path::Path) -> Self {
        Self::spawn_with(database, dir, &[])
    }

    /// With more `serve` arguments (the relay bench raises `--max-websockets`).
    pub fn spawn_with(database: &str, dir: &std::path::Path, extra: &[&str]) -> Self {
        let token = dir.join("admin-token");
        std::fs::write(&token, ADMIN).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let unlimited = "1000000";
        let child = Command::new(relay_binary())
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", database])
            .arg("--admin-token-file")
            .arg(&token)
            .args(["--per-ip-per-sec", unlimited, "--per-ip-burst", unlimited])
            .args(["--per-signer-per-sec", unlimited])
            .args(["--per-signer-burst", unlimited])
            .args(extra)
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "relay node did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child: Some(child),
            url: format!("http://127.0.0.1:{port}"),
            pid,
        }
    }

    /// SIGKILL: no shutdown, no goodbye to its sockets.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    pub fn rss_mib(&self) -> f64 {
        std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find(|l| l.starts_with("VmRSS:"))
                    .and_then(|l| l.split_whitespace().nth(1))
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .unwrap_or(0.0)
            / 1024.0
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One run's shape.
#[derive(Debug, Clone)]
pub struct Plan {
    pub teams: usize,
    pub peers_per_team: usize,
    pub posts_per_sec: u32,
    pub duration: Duration,
    /// Peers per request racing to claim it, on different nodes.
    pub claimers: usize,
    pub kill_node_at: Option<Duration>,
    pub restart_postgres_at: Option<Duration>,
}

/// What a run measured.
#[derive(Debug, Default)]
pub struct Outcome {
    pub posted: usize,
    pub post_secs: f64,
    /// (request, peer) pairs that should have been delivered.
    pub expected_deliveries: u64,
    pub delivered: u64,
    /// Delivered by an event (the rest were found by re-listing after a reconnect).
    pub by_event: u64,
    /// The same request's `new_request` or `claimed` event arriving twice at one peer.
    pub duplicate_events: u64,
    /// (request, peer) pairs for requests posted before any fault, and how many of them
    /// arrived by event: with peers spread over both nodes, half of these crossed nodes
    /// through PostgreSQL, so a broken LISTEN/NOTIFY path shows here.
    pub before_faults_expected: u64,
    pub before_faults_by_event: u64,
    /// Posts whose accepted answer said "duplicate": an earlier attempt had committed but
    /// its answer was lost, and the retry changed nothing.
    pub retried_duplicates: usize,
    /// Reconnects counted when PostgreSQL was restarted (the killed node's peers).
    pub reconnects_before_restart: u64,
    /// Requests with other than one winning claimer.
    pub claim_faults: usize,
    /// Requests the relay lists other than once at the end.
    pub listing_faults: usize,
    pub reconnects: u64,
    /// Posts or claims the relay refused with 503 UNAVAILABLE (then retried).
    pub unavailable_answers: u64,
    /// Attempts that could not reach a node (then retried elsewhere).
    pub unreachable: u64,
    pub latency_p50: Duration,
    pub latency_p99: Duration,
    pub latency_max: Duration,
    pub node_rss_mib: Vec<f64>,
    pub settle_secs: f64,
    /// What a node's `/v1/health` said while PostgreSQL was restarting.
    pub health_while_down: Option<String>,
}

impl Outcome {
    pub fn print(&self, label: &str) {
        println!(
            "{label}: {} posts in {:.1} s ({:.1}/s); delivered {}/{} ({} by event, {} by re-list), \
             duplicate events {}, claim faults {}, listing faults {}; post -> event p50 {:.1} ms, \
             p99 {:.1} ms, max {:.1} ms; reconnects {}, 503 answers {}, unreachable {}; \
             node RSS {:?} MiB; settled {:.1} s after the last post",
            self.posted,
            self.post_secs,
            self.posted as f64 / self.post_secs.max(0.001),
            self.delivered,
            self.expected_deliveries,
            self.by_event,
            self.delivered - self.by_event,
            self.duplicate_events,
            self.claim_faults,
            self.listing_faults,
            self.latency_p50.as_secs_f64() * 1e3,
            self.latency_p99.as_secs_f64() * 1e3,
            self.latency_max.as_secs_f64() * 1e3,
            self.reconnects,
            self.unavailable_answers,
            self.unreachable,
            self.node_rss_mib
                .iter()
                .map(|m| (m * 10.0).round() / 10.0)
                .collect::<Vec<_>>(),
            self.settle_secs,
        );
        println!(
            "{label}: before the first fault {}/{} by event; {} posts answered 'duplicate' on a retry",
            self.before_faults_by_event, self.before_faults_expected, self.retried_duplicates
        );
        if let Some(h) = &self.health_while_down {
            println!("{label}: health while PostgreSQL restarted: {h}");
        }
    }
}

/// Request ids carry their sequence number in the last 8 hex digits, so a peer keeps a
/// bitmap instead of a set of strings.
fn request_id(prefix: u64, n: usize) -> String {
    format!("{prefix:016x}{:08x}{n:08x}", 0u32)
}

fn seq_of(id: &str) -> Option<usize> {
    usize::from_str_radix(id.get(24..)?, 16).ok()
}

struct Shared {
    urls: Vec<String>,
    /// When each request was first sent, in µs since `epoch` (0: not yet).
    posted_at: Vec<AtomicU64>,
    epoch: Instant,
    /// (request, peer) pairs delivered so far, by event or listing.
    delivered: AtomicU64,
    stop: AtomicBool,
    reconnects: AtomicU64,
    unavailable: AtomicU64,
    unreachable: AtomicU64,
}

impl Shared {
    /// Clients know every node's address and move to the next one when theirs fails
    /// (nobody tells them a node died: they find out by being refused).
    fn node_for(&self, preferred: usize, attempt: usize) -> &str {
        &self.urls[(preferred + attempt) % self.urls.len()]
    }

    fn note_error(&self, e: &ClientError) {
        match e {
            ClientError::Refused { status: 503, body }
                if body.relay_code() == Some(ErrorCode::Unavailable) =>
            {
                self.unavailable.fetch_add(1, Ordering::Relaxed);
            }
            _ => {
                self.unreachable.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

/// Retries `f` on other nodes until it gets an answer that is not "unavailable" or
/// "unreachable", as the app's outbox does.
async fn with_retries<T, F, Fut>(shared: &Shared, preferred: usize, f: F) -> Result<T, ClientError>
where
    F: Fn(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut backoff = Duration::from_millis(50);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut attempt = 0;
    loop {
        let url = shared.node_for(preferred, attempt).to_owned();
        let result = match tokio::time::timeout(Duration::from_secs(10), f(url)).await {
            Ok(r) => r,
            Err(_) => Err(ClientError::BadAnswer("timed out".into())),
        };
        match result {
            Err(e @ (ClientError::Unreachable { .. } | ClientError::BadAnswer(_)))
                if Instant::now() < deadline =>
            {
                shared.note_error(&e);
            }
            Err(e @ ClientError::Refused { status: 503, .. }) if Instant::now() < deadline => {
                shared.note_error(&e);
            }
            other => return other,
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(1));
        attempt += 1;
    }
}

/// Polls a node's health while the database restarts, and returns the first refusal: what
/// an operator's monitoring (or a phone) is told.
async fn health_while_down(url: String) -> Option<String> {
    let Ok(client) = RelayClient::anonymous(&url) else {
        return None;
    };
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        let answer = client.health().await;
        if let Err(ClientError::Refused { status, body }) = answer {
            return Some(format!("{status} {}: {}", body.code, body.message));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

/// How a request reached a peer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    Not,
    Listed,
    Event,
}

/// One peer's view: which requests reached it, how, and when.
struct PeerLog {
    seen: Vec<Seen>,
    claimed: Vec<bool>,
    by_event: u64,
    duplicate_events: u64,
    latencies: Vec<Duration>,
}

async fn peer_loop(shared: Arc<Shared>, device: TestDevice, home: usize, expect: usize) -> PeerLog {
    let mut log = PeerLog {
        seen: vec![Seen::Not; expect],
        claimed: vec![false; expect],
        by_event: 0,
        duplicate_events: 0,
        latencies: Vec::new(),
    };
    let mut attempt = 0usize;
    let mut first = true;
    while !shared.stop.load(Ordering::Relaxed) {
        let url = shared.node_for(home, attempt).to_owned();
        let me = device.via(&url);
        let Some(mut ws) = connect(&me).await else {
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        if !first {
            shared.reconnects.fetch_add(1, Ordering::Relaxed);
        }
        first = false;
        // Listen first, then list: anything posted in between arrives one way or the
        // other (or both, which the id check absorbs).
        let listed = tokio::time::timeout(
            Duration::from_secs(10),
            me.client().open_requests(&me.team_id),
        )
        .await;
        let Ok(Ok(list)) = listed else {
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        for r in list {
            if let Some(n) = seq_of(&r.request_id).filter(|n| *n < expect)
                && log.seen[n] == Seen::Not
            {
                log.seen[n] = Seen::Listed;
                shared.delivered.fetch_add(1, Ordering::Relaxed);
            }
        }
        loop {
            let next = tokio::time::timeout(Duration::from_millis(250), ws.next()).await;
            match next {
                Err(_) if shared.stop.load(Ordering::Relaxed) => return log,
                Err(_) => {}
                Ok(Some(Ok(Message::Text(t)))) => {
                    let request_id = match serde_json::from_str(&t) {
                        Ok(Event::NewRequest { request_id, .. }) => request_id,
                        Ok(Event::Claimed { request_id }) => {
                            if let Some(n) = seq_of(&request_id).filter(|n| *n < expect) {
                                log.duplicate_events += u64::from(log.claimed[n]);
                                log.claimed[n] = true;
                            }
                            continue;
                        }
                        _ => continue,
                    };
                    let Some(n) = seq_of(&request_id).filter(|n| *n < expect) else {
                        continue;
                    };
                    let at = Instant::now();
                    match log.seen[n] {
                        Seen::Event => log.duplicate_events += 1,
                        Seen::Listed => log.seen[n] = Seen::Event,
                        Seen::Not => {
                            log.seen[n] = Seen::Event;
                            log.by_event += 1;
                            shared.delivered.fetch_add(1, Ordering::Relaxed);
                            let sent = shared.posted_at[n].load(Ordering::Relaxed);
                            if sent > 0 {
                                let sent = shared.epoch + Duration::from_micros(sent);
                                log.latencies.push(at.saturating_duration_since(sent));
                            }
                        }
                    }
                }
                Ok(Some(Ok(_))) => {}
                Ok(_) => break,
            }
        }
        attempt += 1;
    }
    log
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn connect(me: &TestDevice) -> Option<Socket> {
    let path = peerline_protocol::endpoints::team_events(&me.team_id);
    let mut req = me.client().ws_url(&path).into_client_request().ok()?;
    for (k, v) in me.client().auth_headers("GET", &path, b"") {
        req.headers_mut().insert(k, v.parse().ok()?);
    }
    let connected = tokio::time::timeout(
        Duration::from_secs(10),
        tokio_tungstenite::connect_async(req),
    )
    .await;
    match connected {
        Ok(Ok((ws, _))) => Some(ws),
        _ => None,
    }
}

pub fn fd_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(1024)
}

/// Runs `plan` against `nodes` (already started on one database) and reports. `postgres`
/// is needed only for a restart fault.
pub async fn run(plan: &Plan, nodes: &mut [Node], postgres: Option<&Pg>) -> Outcome {
    let peers_total = (plan.teams * plan.peers_per_team) as u64;
    assert!(
        fd_limit() > peers_total * 2 + 256,
        "raise the open-file limit (ulimit -n 65536): {} peers need about {} descriptors",
        peers_total,
        peers_total * 2 + 256
    );
    let urls: Vec<String> = nodes.iter().map(|n| n.url.clone()).collect();
    let total = (f64::from(plan.posts_per_sec) * plan.duration.as_secs_f64()).round() as usize;
    let shared = Arc::new(Shared {
        urls,
        posted_at: (0..total).map(|_| AtomicU64::new(0)).collect(),
        epoch: Instant::now(),
        delivered: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        reconnects: AtomicU64::new(0),
        unavailable: AtomicU64::new(0),
        unreachable: AtomicU64::new(0),
    });

    // Teams, each with one officer and its peers, registered through alternating nodes.
    let mut teams = Vec::new();
    for t in 0..plan.teams {
        let team = create_team(&shared.urls[t % shared.urls.len()], 3600).await;
        let officer = team.device().await;
        let (_, code) = team.invite(plan.peers_per_team as u32, 3600).await;
        let mut peers = Vec::new();
        for _ in 0..plan.peers_per_team {
            peers.push(team.redeem(&code).await.unwrap());
        }
        teams.push((officer, peers));
    }
    // Which requests each team gets: n % teams.
    let per_team = |t: usize| (0..total).filter(|n| n % plan.teams == t).count();

    let mut peer_tasks = Vec::new();
    for (t, (_, peers)) in teams.iter().enumerate() {
        for (i, p) in peers.iter().enumerate() {
            let shared = shared.clone();
            let device = p.via(&p.url);
            peer_tasks.push((t, tokio::spawn(peer_loop(shared, device, t + i, total))));
        }
    }
    // Every peer connected before the first post.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let prefix: u64 = rand_core::RngCore::next_u64(&mut rand_core::OsRng);
    let started = Instant::now();
    let mut posts = Vec::new();
    let mut faults_done = (
        plan.kill_node_at.is_none(),
        plan.restart_postgres_at.is_none(),
    );
    let mut health_probe = None;
    let mut reconnects_before_restart = 0;
    // The first request posted after a fault.
    let mut first_after_fault = total;
    let mut tick =
        tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(plan.posts_per_sec)));
    let officers: Vec<Arc<TestDevice>> =
        teams.iter().map(|(o, _)| Arc::new(o.via(&o.url))).collect();
    let claimers: Vec<Arc<Vec<TestDevice>>> = teams
        .iter()
        .map(|(_, p)| {
            Arc::new(
                p.iter()
                    .take(plan.claimers)
                    .map(|d| d.via(&d.url))
                    .collect(),
            )
        })
        .collect();
    for n in 0..total {
        tick.tick().await;
        let elapsed = started.elapsed();
        if !faults_done.0 && plan.kill_node_at.is_some_and(|at| elapsed >= at) {
            nodes[0].kill();
            first_after_fault = first_after_fault.min(n);
            faults_done.0 = true;
        }
        if !faults_done.1 && plan.restart_postgres_at.is_some_and(|at| elapsed >= at) {
            let pg = postgres.expect("a PostgreSQL restart needs the PostgreSQL");
            // Off the posting loop: posts keep coming (and failing, and queueing) meanwhile.
            let dir = pg.dir.clone();
            tokio::task::spawn_blocking(move || {
                let _ = Command::new("bash")
                    .arg(script())
                    .args(["restart", &dir, "4"])
                    .status();
            });
            reconnects_before_restart = shared.reconnects.load(Ordering::Relaxed);
            first_after_fault = first_after_fault.min(n);
            health_probe = Some(tokio::spawn(health_while_down(
                shared.urls[shared.urls.len() - 1].clone(),
            )));
            faults_done.1 = true;
        }
        let t = n % plan.teams;
        let id = request_id(prefix, n);
        let shared = shared.clone();
        let officer = officers[t].clone();
        let claimers = claimers[t].clone();
        let since = shared.epoch.elapsed().as_micros().max(1) as u64;
        shared.posted_at[n].store(since, Ordering::Relaxed);
        posts.push(tokio::spawn(async move {
            let body = PostRequest {
                request_id: id.clone(),
                urgency: Urgency::Today,
                recipient_key_ids: (0..claimers.len().max(1))
                    .map(|j| format!("peer{j}"))
                    .collect(),
                expires_at: now() + 3600,
                ciphertext: b64::encode(&[0xA5; 512]),
                status_hash: secret_hash_hex(&id),
                token: None,
            };
            let posted = with_retries(&shared, n, |url| {
                let (o, body) = (officer.via(&url), &body);
                async move { o.client().post_request(&o.team_id, body).await }
            })
            .await;
            let duplicate = match posted {
                Ok(a) => a.duplicate,
                Err(_) => return (n, false, 0usize, false),
            };
            // Peers race to claim it, each through a different node.
            let mut racers = Vec::new();
            for (j, c) in claimers.iter().enumerate() {
                let (shared, id, c) = (shared.clone(), id.clone(), c.via(&c.url));
                racers.push(tokio::spawn(async move {
                    let key = format!("peer{j}");
                    let r = with_retries(&shared, n + j, |url| {
                        let (c, id, key) = (c.via(&url), &id, &key);
                        async move { c.client().claim(id, &claim_body(&c.team_id, id, key)).await }
                    })
                    .await;
                    r.is_ok()
                }));
            }
            let mut winners = 0;
            for r in racers {
                winners += usize::from(r.await.unwrap_or(false));
            }
            (n, true, winners, duplicate)
        }));
    }
    let mut posted_ok = 0;
    let mut claim_faults = 0;
    let mut retried_duplicates = 0;
    for p in posts {
        let (_, ok, winners, duplicate) = p.await.unwrap();
        posted_ok += usize::from(ok);
        retried_duplicates += usize::from(duplicate);
        if ok && winners != 1 {
            claim_faults += 1;
        }
    }
    let post_secs = started.elapsed().as_secs_f64();

    // Wait (bounded) until every peer has every request of its team, then stop them.
    let want: u64 = (0..plan.teams)
        .map(|t| (per_team(t) * plan.peers_per_team) as u64)
        .sum();
    let settle_from = Instant::now();
    let deadline = settle_from + Duration::from_secs(60);
    while shared.delivered.load(Ordering::Relaxed) < want && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let settle_secs = settle_from.elapsed().as_secs_f64();
    // A moment more, so a late duplicate would be seen.
    tokio::time::sleep(Duration::from_secs(1)).await;
    shared.stop.store(true, Ordering::Relaxed);

    let mut out = Outcome {
        posted: posted_ok,
        post_secs,
        claim_faults,
        settle_secs,
        retried_duplicates,
        reconnects_before_restart,
        node_rss_mib: nodes
            .iter()
            .filter(|n| n.child.is_some())
            .map(Node::rss_mib)
            .collect(),
        ..Outcome::default()
    };
    let mut latencies = Vec::new();
    for (t, h) in peer_tasks {
        let log = h.await.unwrap();
        out.expected_deliveries += per_team(t) as u64;
        out.delivered += log
            .seen
            .iter()
            .enumerate()
            .filter(|(n, s)| n % plan.teams == t && **s != Seen::Not)
            .count() as u64;
        // Requests sent at least a second before the first fault: none was in flight when
        // it struck.
        let calm = first_after_fault.saturating_sub(plan.posts_per_sec as usize);
        for (n, seen) in log.seen.iter().enumerate().take(calm) {
            if n % plan.teams == t {
                out.before_faults_expected += 1;
                out.before_faults_by_event += u64::from(*seen == Seen::Event);
            }
        }
        out.by_event += log.by_event;
        out.duplicate_events += log.duplicate_events;
        latencies.extend(log.latencies);
    }
    out.latency_p50 = pct(&mut latencies, 0.5);
    out.latency_p99 = pct(&mut latencies, 0.99);
    out.latency_max = latencies.last().copied().unwrap_or_default();

    // The relay holds each request once: list every team through a live node.
    for (t, (officer, _)) in teams.iter().enumerate() {
        let url = shared.urls[shared.urls.len() - 1].clone();
        let listed: Vec<OpenRequest> = officer
            .via(&url)
            .client()
            .open_requests(&officer.team_id)
            .await
            .unwrap();
        let mut counts = vec![0usize; total];
        for r in &listed {
            if let Some(n) = seq_of(&r.request_id).filter(|n| *n < total) {
                counts[n] += 1;
            }
        }
        out.listing_faults += (0..total)
            .filter(|n| n % plan.teams == t && counts[*n] != 1)
            .count();
    }
    if let Some(probe) = health_probe {
        out.health_while_down = probe.await.unwrap_or(None);
    }
    out.reconnects = shared.reconnects.load(Ordering::Relaxed);
    out.unavailable_answers = shared.unavailable.load(Ordering::Relaxed);
    out.unreachable = shared.unreachable.load(Ordering::Relaxed);
    out
}
