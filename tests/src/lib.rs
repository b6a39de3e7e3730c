//! The end-to-end kit: a coordinator, a real relay on 127.0.0.1 and app cores (phones with
//! vaults), as in the field. The relay and the coordinator's steps come from the shared test
//! kit (`peerline-testkit`) and the one client; the tests in `tests/` and the benches use
//! this crate. Dev-only.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ed25519_dalek::SigningKey;
use peerline_client::{Coordinator, TeamSettings};
use peerline_core::clock::ManualClock;
use peerline_core::engine::{CoreEvent, Engine};
use peerline_core::session::{Session, SessionConfig};
use peerline_core::talk::{peer, team};
use peerline_core::vault::wrap::KdfParams;
use peerline_protocol::documents::{Directory, DirectoryEntry, Roster, RosterPeer};
use peerline_protocol::relay::*;
use peerline_relay::RunningRelay;
pub use peerline_testkit::ADMIN;

pub struct World {
    pub relay: Option<RunningRelay>,
    pub dir: tempfile::TempDir,
    /// Where the relay keeps its data: a SQLite file in `dir`, or with
    /// `PEERLINE_TEST_BACKEND=postgres` a fresh database on the test PostgreSQL.
    pub database: peerline_relay::Database,
    pub addr: std::net::SocketAddr,
    pub team_id: String,
    pub team_key: SigningKey,
}

pub async fn start_relay(db: peerline_relay::Database, addr: &str) -> RunningRelay {
    peerline_testkit::start_on(db, addr).await
}

impl World {
    pub async fn new(escalation_secs: u32) -> Self {
        Self::with_settings(TeamSettings {
            escalation_secs: Some(escalation_secs),
            tokens_per_day: None,
        })
        .await
    }

    /// A world whose team has these settings.
    pub async fn with_settings(settings: TeamSettings) -> Self {
        Self::with_limits(settings, peerline_relay::Limits::default()).await
    }

    /// A world whose team has these settings and whose relay these limits (a bench that
    /// asks faster than a phone would raises the per-signer rate).
    pub async fn with_limits(settings: TeamSettings, limits: peerline_relay::Limits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = peerline_testkit::fresh_database(dir.path()).await;
        let relay = peerline_testkit::start_with(database.clone(), "127.0.0.1:0", limits).await;
        let addr = relay.addr;
        let team = peerline_testkit::new_coordinator_with(&relay.url(), settings).await;
        Self {
            relay: Some(relay),
            database,
            dir,
            addr,
            team_id: team.team_id().to_owned(),
            team_key: team.key().clone(),
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The relay's SQLite file (tests that read the relay's disk run on SQLite).
    pub fn relay_db(&self) -> PathBuf {
        self.dir.path().join("relay.db")
    }

    /// Whether `marker` is anywhere in the relay's database and its write-ahead log: what a
    /// copy of the server's disk would hold.
    pub fn relay_files_contain(&self, marker: &[u8]) -> bool {
        assert!(
            matches!(self.database, peerline_relay::Database::Sqlite(_)),
            "reading the relay's files needs its SQLite backend"
        );
        let db = self.relay_db();
        [db.clone(), db.with_extension("db-wal")]
            .iter()
            .any(|path| {
                std::fs::read(path)
                    .unwrap_or_default()
                    .windows(marker.len())
                    .any(|x| x == marker)
            })
    }

    /// The sizes of the sync records the relay holds, oldest first (what it can see of them).
    pub fn sync_record_sizes(&self) -> Vec<i64> {
        self.relay_column("SELECT length(data) FROM sync_records ORDER BY seq")
    }

    /// The first column of every row `sql` selects from the relay's SQLite file.
    pub fn relay_column<T: rusqlite::types::FromSql>(&self, sql: &str) -> Vec<T> {
        let db = rusqlite::Connection::open(self.relay_db()).unwrap();
        let mut stmt = db.prepare(sql).unwrap();
        stmt.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    pub async fn stop_relay(&mut self) {
        if let Some(r) = self.relay.take() {
            r.stop().await;
        }
    }

    pub async fn start_relay_again(&mut self) {
        self.relay = Some(start_relay(self.database.clone(), &self.addr.to_string()).await);
    }

    /// A second team on the same relay, with its own coordinator key.
    pub async fn another_team(&self) -> World {
        let team = peerline_testkit::new_coordinator(&self.url(), 180).await;
        World {
            relay: None,
            database: self.database.clone(),
            dir: tempfile::tempdir().unwrap(),
            addr: self.addr,
            team_id: team.team_id().to_owned(),
            team_key: team.key().clone(),
        }
    }

    /// The team as its coordinator runs it.
    pub fn coordinator(&self) -> Coordinator {
        Coordinator::open(&self.url(), &self.team_id, self.team_key.clone()).unwrap()
    }

    /// A one-use invite link, as `peerline-relay invite issue` prints it.
    pub async fn invite(&self) -> String {
        self.invite_to(&self.url()).await
    }

    /// A one-use invite naming `relay_url` (e.g. a recording proxy in front of the relay).
    pub async fn invite_to(&self, relay_url: &str) -> String {
        let mut invite = self
            .coordinator()
            .issue_invite(1, now() + 3600)
            .await
            .unwrap()
            .invite;
        invite.relay_url = relay_url.to_owned();
        invite.to_link()
    }

    /// A phone with a vault, joined to the team.
    pub async fn phone(&self) -> Phone {
        self.phone_via(&self.url()).await
    }

    /// A phone that reaches the relay at `relay_url`.
    pub async fn phone_via(&self, relay_url: &str) -> Phone {
        let phone = Phone::new();
        team::join(&phone.session, &self.invite_to(relay_url).await)
            .await
            .unwrap();
        phone
    }

    /// Signs and publishes a roster of these peers (display names given).
    pub async fn publish_roster(&self, version: u64, peers: &[(&Phone, &str, &str)]) {
        let profiles: Vec<(&Phone, RosterPeer)> = peers
            .iter()
            .map(|(phone, key_id, name)| {
                (
                    *phone,
                    RosterPeer {
                        key_id: (*key_id).to_owned(),
                        display_name: (*name).to_owned(),
                        languages: vec!["en".into()],
                        ..RosterPeer::default()
                    },
                )
            })
            .collect();
        self.publish_profiles(version, &profiles).await;
    }

    /// Signs and publishes a roster of these profiles (the coordinator's fields: unit,
    /// gender, languages, …), each with its phone's own peer keys filled in.
    pub async fn publish_profiles(&self, version: u64, peers: &[(&Phone, RosterPeer)]) {
        let roster = Roster {
            peers: peers
                .iter()
                .map(|(phone, profile)| {
                    let keys = phone
                        .session
                        .lock()
                        .unwrap()
                        .vault()
                        .map(|v| peer::ensure_identity(v, Some(&profile.key_id)))
                        .unwrap()
                        .unwrap();
                    RosterPeer {
                        key_id: keys.key_id,
                        age_recipient: keys.age_recipient,
                        signing_key: keys.signing_key,
                        ..profile.clone()
                    }
                })
                .collect(),
        };
        self.publish(
            BlobKind::Roster,
            version,
            serde_json::to_vec(&roster).unwrap(),
        )
        .await;
    }

    /// Signs and publishes the agency's directory, as `peerline-relay directory
    /// sign-publish` does.
    pub async fn publish_directory(&self, version: u64, entries: Vec<DirectoryEntry>) {
        let doc = Directory { entries };
        doc.validate().unwrap();
        self.publish(
            BlobKind::Directory,
            version,
            serde_json::to_vec(&doc).unwrap(),
        )
        .await;
    }

    /// A blob signed with the team key, exactly as the coordinator's tool makes it.
    pub fn signed_blob(&self, kind: BlobKind, version: u64, payload: &[u8]) -> SignedBlob {
        self.coordinator().sign(kind, version, payload)
    }

    async fn publish(&self, kind: BlobKind, version: u64, payload: Vec<u8>) {
        self.coordinator()
            .publish(kind, &payload, Some(version))
            .await
            .unwrap();
    }
}

pub struct Phone {
    pub session: Mutex<Session>,
    /// The phone's clock: it moves only when a test moves it.
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

/// A phone run by its engine, as the app runs it: timers on the phone's clock, live
/// connections to the relay, events out.
pub struct LivePhone {
    pub engine: Engine,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl LivePhone {
    /// Waits (at most `within`) for the first event that `pick` accepts.
    pub async fn wait_for<T>(
        &self,
        events: &mut tokio::sync::broadcast::Receiver<CoreEvent>,
        within: std::time::Duration,
        mut pick: impl FnMut(&CoreEvent) -> Option<T>,
    ) -> T {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let event = tokio::time::timeout_at(deadline, events.recv())
                .await
                .expect("the event came in time")
                .expect("the engine is running");
            if let Some(t) = pick(&event) {
                return t;
            }
        }
    }
}

impl Default for Phone {
    fn default() -> Self {
        Self::new()
    }
}

impl Phone {
    /// A phone with a new, open vault that has joined no team (a coordinator's, or one
    /// about to join by invite).
    pub fn new() -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(now(), 0));
        let mut s = Session::start_with_clock(
            SessionConfig {
                data_dir: dir.path().join("vault"),
                kdf: KdfParams::OWASP_MINIMUM,
                store: Err("e2e: passcode custody".into()),
            },
            clock.clone(),
        );
        s.create(Some("e2e-passcode")).unwrap();
        Phone {
            session: Mutex::new(s),
            clock,
            _dir: dir,
        }
    }

    /// Hands the phone to an engine and starts it on the current runtime.
    pub fn live(self) -> LivePhone {
        let session = self.session.into_inner().unwrap();
        let engine = Engine::new(session);
        let driver = engine.clone();
        tokio::spawn(async move { driver.run().await });
        LivePhone {
            engine,
            clock: self.clock,
            _dir: self._dir,
        }
    }

    /// Every file this phone's app core wrote lives under here.
    pub fn data_dir(&self) -> &Path {
        self._dir.path()
    }

    /// Runs `f` on this phone's open vault's connection (tests reach under the API).
    fn db<T>(&self, f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>) -> T {
        f(self.session.lock().unwrap().vault().unwrap().conn()).unwrap()
    }

    /// Runs one statement on this phone's vault (tests reach under the API to stage a case).
    pub fn sql(&self, statement: &str, params: impl rusqlite::Params) -> usize {
        self.db(|c| c.execute(statement, params))
    }

    /// One integer from this phone's vault.
    pub fn count(&self, query: &str) -> i64 {
        self.db(|c| c.query_row(query, [], |r| r.get(0)))
    }
}

/// The one-tap path, for tests that expect it to send: the request as sent (a "no match"
/// answer is a test failure).
pub async fn ask<A: peerline_core::talk::VaultAccess>(
    vault: &A,
    request: peerline_core::talk::officer::NewRequest,
) -> peerline_core::Result<peerline_core::talk::officer::RequestView> {
    match peerline_core::talk::officer::ask_for_peer(vault, request).await? {
        peerline_core::talk::officer::AskOutcome::Sent { request } => Ok(request),
        peerline_core::talk::officer::AskOutcome::NoMatch { options } => {
            panic!("expected the request to be sent, got no match: {options:?}")
        }
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every byte of every file under `dir`.
pub fn files_contain(dir: &std::path::Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file()
            && std::fs::read(&p)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle)
        {
            hits.push(p);
        }
    }
    hits
}

pub fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every file under `dir`, however deep.
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                todo.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// A log sink for `tracing_subscriber`: what the relay would write to its log file.
#[derive(Clone, Default)]
pub struct Sink(pub Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Bytes recorded by the proxy, shared with the tasks that copy them.
pub type Buffer = Arc<Mutex<Vec<u8>>>;

/// What a recording proxy saw: each connection's bytes, both ways.
pub struct Recording {
    /// The proxy's base URL, to put in invites.
    pub url: String,
    /// Client → relay, one buffer per connection, in the order they opened.
    pub up_by_connection: Arc<Mutex<Vec<Buffer>>>,
    down_all: Buffer,
}

impl Recording {
    /// Everything the clients sent.
    pub fn up(&self) -> Vec<u8> {
        self.up_by_connection
            .lock()
            .unwrap()
            .iter()
            .flat_map(|c| c.lock().unwrap().clone())
            .collect()
    }

    /// Everything the relay answered.
    pub fn down(&self) -> Vec<u8> {
        self.down_all.lock().unwrap().clone()
    }

    /// Each HTTP request the clients sent, as raw bytes (head and body), in order.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        let conns: Vec<Vec<u8>> = self
            .up_by_connection
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.lock().unwrap().clone())
            .collect();
        let mut out = Vec::new();
        for c in conns {
            let mut rest = &c[..];
            while let Some(end) = rest.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse().unwrap());
                let total = (end + 4 + len).min(rest.len());
                out.push(rest[..total].to_vec());
                rest = &rest[total..];
            }
        }
        out
    }
}

/// A TCP forwarder on 127.0.0.1 that records every byte in both directions: what a relay
/// operator could capture at their network edge.
pub async fn recording_proxy(upstream: std::net::SocketAddr) -> Recording {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let conns: Arc<Mutex<Vec<Buffer>>> = Arc::default();
    let down: Buffer = Arc::default();
    let (conns2, down2) = (conns.clone(), down.clone());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let up: Buffer = Arc::default();
            conns2.lock().unwrap().push(up.clone());
            let down = down2.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (cr, cw) = client.into_split();
                let (sr, sw) = server.into_split();
                let a = tokio::spawn(copy_recording(cr, sw, up));
                let b = tokio::spawn(copy_recording(sr, cw, down));
                let _ = tokio::join!(a, b);
            });
        }
    });
    Recording {
        url: format!("http://{addr}"),
        up_by_connection: conns,
        down_all: down,
    }
}

/// Copies one direction of a proxied connection, keeping what passed in `seen`.
async fn copy_recording(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    seen: Buffer,
) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n) = from.read(&mut buf).await {
        if n == 0 || to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        seen.lock().unwrap().extend_from_slice(&buf[..n]);
    }
}

/// A TCP forwarder on 127.0.0.1 that, while `lose_answers` is set, passes each request on
/// but drops the relay's answer and closes the connection: the relay has done the work and
/// committed it, and the client never hears so (as when a relay is killed between its commit
/// and its reply, or the network fails on the way back).
pub struct AnswerLosingProxy {
    /// The proxy's base URL.
    pub url: String,
    /// Drop the relay's answers from now on.
    pub lose_answers: Arc<std::sync::atomic::AtomicBool>,
}

pub async fn answer_losing_proxy(upstream: std::net::SocketAddr) -> AnswerLosingProxy {
    use std::sync::atomic::Ordering;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let lose = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let lose2 = lose.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let lose = lose2.clone();
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let up = tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let mut buf = vec![0u8; 16 * 1024];
                while let Ok(n) = sr.read(&mut buf).await {
                    if n == 0 || lose.load(Ordering::SeqCst) {
                        break;
                    }
                    if cw.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
                // Dropping both halves closes the client's connection mid-answer.
                up.abort();
            });
        }
    });
    AnswerLosingProxy {
        url: format!("http://{addr}"),
        lose_answers: lose,
    }
}

/// The relay binary built beside the test (the workspace test run builds it), to run as a
/// process a test can SIGKILL.
pub fn relay_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().and_then(|d| d.parent()).unwrap();
    let bin = dir.join("peerline-relay");
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build -p peerline-relay`",
        bin.display()
    );
    bin
}

/// Runs the relay binary on the world's address and database (after `stop_relay`).
pub fn spawn_relay(w: &World) -> std::process::Child {
    let token = w.dir.path().join("admin-token");
    std::fs::write(&token, peerline_testkit::ADMIN).unwrap();
    let child = std::process::Command::new(relay_binary())
        .args(["serve", "--listen", &w.addr.to_string()])
        .arg("--database")
        .arg(w.relay_db())
        .arg("--admin-token-file")
        .arg(&token)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while std::net::TcpStream::connect(w.addr).is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "relay did not come up"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child
}
