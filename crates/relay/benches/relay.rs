//! Relay figures on this machine, against the release binary as a separate process on
//! 127.0.0.1 (so its memory is measured alone): posts per second with 1 KiB ciphertext to
//! 50 recipients, post → event fan-out to 1,000 connected peers, and memory per idle
//! WebSocket. Run: `ulimit -n 65536; cargo bench -p peerline-relay --bench relay`.
//! Bounded in count and time; loopback only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt as _;
use peerline_protocol::auth::{Signer, secret_hash_hex};
use peerline_protocol::b64;
use peerline_protocol::relay::*;
use peerline_relay::client::{SignedClient, generate_key};
use reqwest::Method;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

const ADMIN: &str = "bench-admin-token";

struct Relay {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
}

impl Drop for Relay {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Relay {
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find(|l| l.starts_with("VmRSS:"))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    }
}

fn start_relay() -> Relay {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), ADMIN).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_peerline-relay"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .arg("--database")
        .arg(dir.path().join("relay.db"))
        .arg("--admin-token-file")
        .arg(dir.path().join("token"))
        .args(["--per-ip-per-sec", "1000000", "--per-ip-burst", "1000000"])
        .args([
            "--per-signer-per-sec",
            "1000000",
            "--per-signer-burst",
            "1000000",
        ])
        .args(["--max-websockets", "20000"])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "relay did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
    Relay {
        child,
        url,
        _dir: dir,
    }
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

fn id() -> String {
    use rand_core::RngCore as _;
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

struct Team {
    team_id: String,
    key: ed25519_dalek::SigningKey,
}

async fn team(url: &str) -> Team {
    let key = generate_key();
    let created: TeamCreated = SignedClient::anonymous(url)
        .call(
            Method::POST,
            "/v1/teams",
            Some(&CreateTeam {
                team_public_key: b64::encode(key.verifying_key().as_bytes()),
                escalation_secs: Some(3600),
                tokens_per_day: None,
            }),
            &[("authorization", &format!("Bearer {ADMIN}"))],
        )
        .await
        .unwrap();
    Team {
        team_id: created.team_id,
        key,
    }
}

async fn devices(url: &str, t: &Team, n: u32) -> Vec<SignedClient> {
    let code = id();
    let coordinator = SignedClient::signed(url, Signer::Team(t.team_id.clone()), t.key.clone());
    let _: serde_json::Value = coordinator
        .call(
            Method::POST,
            &format!("/v1/teams/{}/invites", t.team_id),
            Some(&IssueInvite {
                expires_at: now() + 3600,
                max_uses: n,
                code_hash: secret_hash_hex(&code),
            }),
            &[],
        )
        .await
        .unwrap();
    let mut out = Vec::new();
    for _ in 0..n {
        let key = generate_key();
        let reg: DeviceRegistered = SignedClient::anonymous(url)
            .call(
                Method::POST,
                "/v1/devices",
                Some(&RegisterDevice {
                    team_id: t.team_id.clone(),
                    invite_code: code.clone(),
                    device_public_key: b64::encode(key.verifying_key().as_bytes()),
                    team_public_key: b64::encode(t.key.verifying_key().as_bytes()),
                }),
                &[],
            )
            .await
            .unwrap();
        out.push(SignedClient::signed(
            url,
            Signer::Device(reg.device_id),
            key,
        ));
    }
    out
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
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

async fn connect(
    url: &str,
    team_id: &str,
    device: &SignedClient,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let path = format!("/v1/teams/{team_id}/events");
    let mut req = format!("{}{path}", url.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    for (k, v) in device.auth_headers("GET", &path, b"") {
        req.headers_mut().insert(k, v.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

fn fd_limit() -> u64 {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Max open files"))
                .and_then(|l| l.split_whitespace().nth(3).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(1024)
}

#[tokio::main]
async fn main() {
    let relay = start_relay();
    let url = relay.url.clone();

    // 1. Posts per second: 2,000 posts, 32 in flight, 1 KiB ciphertext, 50 recipients.
    let t = team(&url).await;
    let officers = Arc::new(devices(&url, &t, 32).await);
    let total = 2_000usize;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..32 {
        let officers = officers.clone();
        let team_id = t.team_id.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            for _ in 0..total / 32 {
                let body = post_body(id());
                let t0 = Instant::now();
                let _: PostAccepted = officers[w]
                    .call(
                        Method::POST,
                        &format!("/v1/teams/{team_id}/requests"),
                        Some(&body),
                        &[],
                    )
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
    let secs = started.elapsed().as_secs_f64();
    println!(
        "post request (1 KiB, 50 recipients, SQLite, 32 in flight): {:.0} req/s, p50 {}, p99 {} (n={})",
        lat.len() as f64 / secs,
        ms(pct(&mut lat, 0.5)),
        ms(pct(&mut lat, 0.99)),
        lat.len()
    );

    // 2. Fan-out: 1,000 connected peers, 20 posts, time from post to each receipt.
    let t = team(&url).await;
    let peers = devices(&url, &t, 50).await;
    let officer = devices(&url, &t, 1).await.remove(0);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    for i in 0..1_000 {
        let mut ws = connect(&url, &t.team_id, &peers[i % peers.len()]).await;
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
    for _ in 0..20 {
        let rid = id();
        let t0 = Instant::now();
        let _: PostAccepted = officer
            .call(
                Method::POST,
                &format!("/v1/teams/{}/requests", t.team_id),
                Some(&post_body(rid.clone())),
                &[],
            )
            .await
            .unwrap();
        let mut got = 0;
        let deadline = t0 + Duration::from_secs(10);
        while got < 1_000 {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let Ok(Some((r, at))) = tokio::time::timeout(remaining, rx.recv()).await else {
                break;
            };
            if r == rid {
                got += 1;
                all.push(at - t0);
                if got == 1_000 {
                    last.push(at - t0);
                }
            }
        }
        assert_eq!(got, 1_000, "every peer gets every event");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    println!(
        "fan-out post -> event at 1,000 connected peers: p50 {}, p99 {}, last peer p50 {} (20 posts)",
        ms(pct(&mut all, 0.5)),
        ms(pct(&mut all, 0.99)),
        ms(pct(&mut last, 0.5))
    );

    // 3. Idle WebSockets: memory per connection in the relay process.
    let want = 10_000u64.min(fd_limit().saturating_sub(2_500) / 2) as usize;
    let t = team(&url).await;
    let peers = devices(&url, &t, 100).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = relay.rss_kib();
    let mut conns = Vec::with_capacity(want);
    for i in 0..want {
        conns.push(connect(&url, &t.team_id, &peers[i % peers.len()]).await);
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let after = relay.rss_kib();
    println!(
        "idle WebSocket peers: {want} connected; relay RSS {:.1} MiB -> {:.1} MiB, {:.1} KiB per connection",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        (after.saturating_sub(before)) as f64 / want.max(1) as f64
    );
    drop(conns);
}
