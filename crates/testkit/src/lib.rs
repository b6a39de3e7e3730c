//! Peerline's test kit, written once for every test suite, bench and the load tool: a real
//! relay on 127.0.0.1 (ephemeral port, a temporary SQLite file or a fresh PostgreSQL
//! schema), a team run through the one client's [`Coordinator`], and raw devices that speak
//! the API directly. Dev-only: nothing that ships depends on it. The app's phones (cores
//! with vaults) are in the end-to-end crate, which builds on this.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_client::{ClientError, Coordinator, RelayClient, TeamSettings, generate_key};
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::*;
use peerline_relay::{Database, Limits, RunningRelay, ServeConfig};

pub use peerline_client;

pub mod bench;
pub mod load;
pub mod push_service;

pub const ADMIN: &str = "test-admin-token-0123456789";

pub struct TestRelay {
    pub relay: Option<RunningRelay>,
    pub dir: tempfile::TempDir,
    pub database: Database,
    pub url: String,
}

/// The throw-away PostgreSQL the test command starts (`scripts/postgres.sh`), as an admin
/// URL; `None` when there is none.
pub fn postgres_admin_url() -> Option<String> {
    let url = std::env::var("PEERLINE_TEST_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!(
            "PEERLINE_TEST_POSTGRES is not set: CI must run the PostgreSQL tests (scripts/test.sh starts a server)"
        );
    }
    url
}

/// Which storage the suite runs on: `PEERLINE_TEST_BACKEND=postgres` runs every relay test
/// against PostgreSQL, each test in a schema of its own.
pub fn use_postgres() -> bool {
    std::env::var("PEERLINE_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A new, empty PostgreSQL schema on the test server, as a URL a relay can use.
pub async fn fresh_postgres(admin: &str) -> String {
    use sqlx_core::connection::Connection as _;
    let schema = format!("t_{}", peerline_relay_test_id());
    let mut conn = sqlx_postgres::PgConnection::connect(admin).await.unwrap();
    sqlx_core::query::query::<sqlx_postgres::Postgres>(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut conn)
        .await
        .unwrap();
    let sep = if admin.contains('?') { '&' } else { '?' };
    format!("{admin}{sep}options[search_path]={schema}")
}

/// Storage for one test relay: a file in `dir`, or a fresh schema when the suite runs on
/// PostgreSQL.
pub async fn fresh_database(dir: &std::path::Path) -> Database {
    if use_postgres() {
        let admin = postgres_admin_url()
            .expect("PEERLINE_TEST_BACKEND=postgres needs PEERLINE_TEST_POSTGRES");
        return Database::parse(&fresh_postgres(&admin).await).unwrap();
    }
    Database::Sqlite(dir.join("relay.db"))
}

/// `database` as the relay's `--database` argument (for a relay run as its own process).
pub fn database_arg(database: &Database) -> String {
    match database {
        Database::Sqlite(path) => path.display().to_string(),
        Database::Postgres(url) => url.clone(),
    }
}

/// Runs one statement on the relay's database (to age a row, say), whichever it is.
pub async fn run_sql(database: &Database, sql: &str) {
    match database {
        Database::Sqlite(path) => {
            let db = rusqlite::Connection::open(path).unwrap();
            db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            db.execute(sql, []).unwrap();
        }
        Database::Postgres(url) => {
            use sqlx_core::connection::Connection as _;
            let mut conn = sqlx_postgres::PgConnection::connect(url).await.unwrap();
            sqlx_core::query::query::<sqlx_postgres::Postgres>(sql)
                .execute(&mut conn)
                .await
                .unwrap();
        }
    }
}

/// How many rows a table of the relay's database holds, whichever database it is.
pub async fn count_rows(database: &Database, table: &str) -> usize {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    match database {
        Database::Sqlite(path) => {
            let db = rusqlite::Connection::open(path).unwrap();
            db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            db.query_row(&sql, [], |r| r.get::<_, i64>(0)).unwrap() as usize
        }
        Database::Postgres(url) => {
            use sqlx_core::connection::Connection as _;
            use sqlx_core::row::Row as _;
            let mut conn = sqlx_postgres::PgConnection::connect(url).await.unwrap();
            let row = sqlx_core::query::query::<sqlx_postgres::Postgres>(&sql)
                .fetch_one(&mut conn)
                .await
                .unwrap();
            row.try_get::<i64, _>(0).unwrap() as usize
        }
    }
}

/// Every row of `table` as one line of text with its column names (`name=value; …`), on
/// either database, for "holds nothing of" checks.
pub async fn table_text(database: &Database, table: &str) -> Vec<String> {
    match database {
        Database::Sqlite(path) => {
            let db = rusqlite::Connection::open(path).unwrap();
            db.busy_timeout(std::time::Duration::from_secs(5)).unwrap();
            let mut stmt = db.prepare(&format!("SELECT * FROM {table}")).unwrap();
            let names: Vec<String> = stmt.column_names().iter().map(|n| n.to_string()).collect();
            stmt.query_map([], |r| {
                let mut line = String::new();
                for (i, name) in names.iter().enumerate() {
                    let value = match r.get_ref(i)? {
                        rusqlite::types::ValueRef::Null => "null".to_owned(),
                        rusqlite::types::ValueRef::Integer(n) => n.to_string(),
                        rusqlite::types::ValueRef::Real(f) => f.to_string(),
                        rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into(),
                        rusqlite::types::ValueRef::Blob(b) => String::from_utf8_lossy(b).into(),
                    };
                    line.push_str(&format!("{name}={value}; "));
                }
                Ok(line)
            })
            .unwrap()
            .map(Result::unwrap)
            .collect()
        }
        Database::Postgres(url) => {
            use sqlx_core::connection::Connection as _;
            use sqlx_core::row::Row as _;
            let mut conn = sqlx_postgres::PgConnection::connect(url).await.unwrap();
            sqlx_core::query::query::<sqlx_postgres::Postgres>(&format!(
                "SELECT row_to_json(x)::text FROM {table} x"
            ))
            .fetch_all(&mut conn)
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get::<String, _>(0).unwrap())
            .collect()
        }
    }
}

/// Every row of every table, as text (PostgreSQL), for "holds nothing of" checks.
pub async fn postgres_rows_as_text(url: &str) -> Vec<String> {
    use sqlx_core::connection::Connection as _;
    use sqlx_core::row::Row as _;
    let mut conn = sqlx_postgres::PgConnection::connect(url).await.unwrap();
    let tables: Vec<String> = sqlx_core::query::query::<sqlx_postgres::Postgres>(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema()",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get(0).unwrap())
    .collect();
    assert!(
        tables.len() >= 10,
        "the relay's tables are there: {tables:?}"
    );
    let mut out = Vec::new();
    for t in tables {
        let rows = sqlx_core::query::query::<sqlx_postgres::Postgres>(&format!(
            "SELECT x::text FROM \"{t}\" x"
        ))
        .fetch_all(&mut conn)
        .await
        .unwrap();
        out.extend(rows.iter().map(|r| r.try_get::<String, _>(0).unwrap()));
    }
    out
}

impl TestRelay {
    pub async fn start() -> Self {
        Self::start_limited(Limits::default()).await
    }

    pub async fn start_limited(limits: Limits) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = fresh_database(dir.path()).await;
        let relay = start_with(database.clone(), "127.0.0.1:0", limits).await;
        let url = relay.url();
        Self {
            relay: Some(relay),
            dir,
            database,
            url,
        }
    }

    /// Stops and starts again on the same database and port.
    pub async fn restart(&mut self) {
        let running = self.relay.take().unwrap();
        let addr = running.addr;
        running.stop().await;
        let relay = start_on(self.database.clone(), &addr.to_string()).await;
        self.url = relay.url();
        self.relay = Some(relay);
    }

    pub async fn stop(&mut self) {
        if let Some(r) = self.relay.take() {
            r.stop().await;
        }
    }

    pub fn anon(&self) -> RelayClient {
        RelayClient::anonymous(&self.url).unwrap()
    }

    pub async fn team(&self, escalation_secs: u32) -> TestTeam {
        create_team(&self.url, escalation_secs).await
    }
}

/// A new team on the relay at `url` (a test relay: the kit's admin token), as its
/// coordinator runs it.
pub async fn new_coordinator(url: &str, escalation_secs: u32) -> Coordinator {
    new_coordinator_with(
        url,
        TeamSettings {
            escalation_secs: Some(escalation_secs),
            tokens_per_day: None,
        },
    )
    .await
}

/// A new team with these settings (a bench that asks more often than the default daily
/// token allowance raises `tokens_per_day`).
pub async fn new_coordinator_with(url: &str, settings: TeamSettings) -> Coordinator {
    Coordinator::create_team(url, ADMIN, settings)
        .await
        .unwrap()
}

/// A new team on the relay at `url`, with the test roster published.
pub async fn create_team(url: &str, escalation_secs: u32) -> TestTeam {
    let coordinator = new_coordinator(url, escalation_secs).await;
    let team = TestTeam {
        url: url.to_owned(),
        team_id: coordinator.team_id().to_owned(),
        key: coordinator.key().clone(),
    };
    team.publish_test_roster(1).await;
    team
}

/// Roster key ids every test team has, each with a deterministic test signing key.
pub fn test_key_ids() -> Vec<String> {
    let mut ids: Vec<String> = ["sam", "lee", "kim", "p", "x"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    ids.extend((0..50).map(|i| format!("peer{i}")));
    ids
}

pub fn peer_key(key_id: &str) -> SigningKey {
    use sha2::Digest as _;
    let seed: [u8; 32] = sha2::Sha256::digest(format!("test peer {key_id}").as_bytes()).into();
    SigningKey::from_bytes(&seed)
}

pub fn claim_body(team_id: &str, request_id: &str, key_id: &str) -> ClaimRequest {
    let sig = peer_key(key_id).sign(&claim_proof_message(team_id, request_id, key_id));
    ClaimRequest {
        key_id: key_id.into(),
        proof: b64::encode(&sig.to_bytes()),
    }
}

pub fn duty_body(team_id: &str, key_id: &str, minutes: u32) -> SetDuty {
    let sig = peer_key(key_id).sign(&duty_proof_message(team_id, key_id, minutes));
    SetDuty {
        key_id: key_id.into(),
        minutes,
        proof: b64::encode(&sig.to_bytes()),
    }
}

/// A peer's push subscription for `key_id`, with the proof its test roster key makes.
pub fn push_body(team_id: &str, key_id: &str, subscription: PushSubscription) -> PeerPush {
    let sig = peer_key(key_id).sign(&push_proof_message(team_id, key_id, &subscription.endpoint));
    PeerPush {
        key_id: key_id.into(),
        subscription,
        proof: b64::encode(&sig.to_bytes()),
    }
}

pub async fn start_on(db: Database, addr: &str) -> RunningRelay {
    start_with(db, addr, Limits::default()).await
}

pub async fn start_with(db: Database, addr: &str, limits: Limits) -> RunningRelay {
    peerline_relay::start(ServeConfig {
        listen: addr.parse().unwrap(),
        database: db,
        admin_token: Some(ADMIN.into()),
        insecure_behind_proxy: false,
        tls: None,
        limits,
        // The loopback push service of the push tests is on 127.0.0.1.
        push: peerline_relay::push::PushConfig {
            allow_loopback_endpoints: true,
            ..Default::default()
        },
    })
    .await
    .unwrap()
}

pub struct TestTeam {
    pub url: String,
    pub team_id: String,
    pub key: SigningKey,
}

impl TestTeam {
    /// The same team, through another relay node.
    pub fn via(&self, url: &str) -> TestTeam {
        TestTeam {
            url: url.to_owned(),
            team_id: self.team_id.clone(),
            key: self.key.clone(),
        }
    }

    pub async fn publish_test_roster(&self, version: u64) {
        let peers: Vec<serde_json::Value> = test_key_ids()
            .iter()
            .map(|k| {
                serde_json::json!({
                    "key_id": k,
                    "display_name": k,
                    "age_recipient": format!("age1{}", "q".repeat(58)),
                    "signing_key": b64::encode(peer_key(k).verifying_key().as_bytes()),
                })
            })
            .collect();
        let payload = serde_json::to_vec(&serde_json::json!({ "peers": peers })).unwrap();
        self.publish(BlobKind::Roster, version, &payload)
            .await
            .unwrap();
    }

    /// The team as its coordinator runs it.
    pub fn coordinator(&self) -> Coordinator {
        Coordinator::open(&self.url, &self.team_id, self.key.clone()).unwrap()
    }

    /// Issues an invite; returns its id and code.
    pub async fn invite(&self, max_uses: u32, expires_in: i64) -> (String, String) {
        let issued = self
            .coordinator()
            .issue_invite(max_uses, now() + expires_in)
            .await
            .unwrap();
        (issued.invite_id, issued.invite.code)
    }

    pub async fn device(&self) -> TestDevice {
        let (_, code) = self.invite(1, 3600).await;
        self.redeem(&code).await.unwrap()
    }

    pub async fn redeem(&self, code: &str) -> Result<TestDevice, ClientError> {
        let key = generate_key();
        let reg: DeviceRegistered = RelayClient::anonymous(&self.url)?
            .register_device(&RegisterDevice {
                team_id: self.team_id.clone(),
                invite_code: code.to_owned(),
                device_public_key: b64::encode(key.verifying_key().as_bytes()),
                team_public_key: b64::encode(self.key.verifying_key().as_bytes()),
            })
            .await?;
        Ok(TestDevice {
            url: self.url.clone(),
            team_id: self.team_id.clone(),
            device_id: reg.device_id,
            key,
        })
    }

    pub async fn publish(
        &self,
        kind: BlobKind,
        version: u64,
        payload: &[u8],
    ) -> Result<(), ClientError> {
        self.coordinator()
            .publish(kind, payload, Some(version))
            .await
            .map(drop)
    }
}

pub struct TestDevice {
    pub url: String,
    pub team_id: String,
    pub device_id: String,
    pub key: SigningKey,
}

pub type EventStream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

impl TestDevice {
    /// The same device talking to another relay node.
    pub fn via(&self, url: &str) -> TestDevice {
        TestDevice {
            url: url.to_owned(),
            team_id: self.team_id.clone(),
            device_id: self.device_id.clone(),
            key: self.key.clone(),
        }
    }

    /// The team's event WebSocket, as a peer's phone opens it.
    pub async fn events(&self) -> EventStream {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
        let path = peerline_protocol::endpoints::team_events(&self.team_id);
        let mut req = self.client().ws_url(&path).into_client_request().unwrap();
        for (k, v) in self.client().auth_headers("GET", &path, b"") {
            req.headers_mut().insert(k, v.parse().unwrap());
        }
        tokio_tungstenite::connect_async(req).await.unwrap().0
    }

    /// A client signing as this device.
    pub fn client(&self) -> RelayClient {
        RelayClient::device(&self.url, &self.device_id, self.key.clone()).unwrap()
    }

    pub async fn post(
        &self,
        request_id: &str,
        urgency: Urgency,
        ciphertext: &[u8],
        secret: &str,
    ) -> Result<PostAccepted, ClientError> {
        self.client()
            .post_request(
                &self.team_id,
                &PostRequest {
                    request_id: request_id.to_owned(),
                    urgency,
                    recipient_key_ids: test_key_ids(),
                    expires_at: now() + 3600,
                    ciphertext: b64::encode(ciphertext),
                    status_hash: secret_hash_hex(secret),
                    token: None,
                },
            )
            .await
    }

    pub async fn list(&self) -> Vec<OpenRequest> {
        self.client().open_requests(&self.team_id).await.unwrap()
    }

    pub async fn claim(&self, request_id: &str, key_id: &str) -> Result<(), ClientError> {
        self.client()
            .claim(request_id, &claim_body(&self.team_id, request_id, key_id))
            .await
    }

    pub async fn reply(&self, request_id: &str, ciphertext: &[u8]) -> Result<(), ClientError> {
        self.client()
            .reply(
                request_id,
                &PostReply {
                    ciphertext: b64::encode(ciphertext),
                },
            )
            .await
    }
}

pub async fn status(
    url: &str,
    request_id: &str,
    secret: &str,
) -> Result<RequestStatus, ClientError> {
    RelayClient::anonymous(url)?
        .request_status(request_id, secret)
        .await
}

/// An officer's live events for one request, opened with its status secret.
pub async fn request_events(url: &str, request_id: &str, secret: &str) -> EventStream {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
    let client = RelayClient::anonymous(url).unwrap();
    let path = peerline_protocol::endpoints::request_events(request_id);
    let mut req = client.ws_url(&path).into_client_request().unwrap();
    req.headers_mut().insert(
        peerline_protocol::relay::HEADER_STATUS_SECRET,
        secret.parse().unwrap(),
    );
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

/// The next event on a WebSocket of content-free events (10 s at most).
pub async fn next_event<S>(s: &mut S) -> Event
where
    S: futures_util::Stream<
            Item = Result<
                tokio_tungstenite::tungstenite::Message,
                tokio_tungstenite::tungstenite::Error,
            >,
        > + Unpin,
{
    loop {
        let msg = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            futures_util::StreamExt::next(s),
        )
        .await
        .expect("event within 10 s")
        .unwrap()
        .unwrap();
        if let tokio_tungstenite::tungstenite::Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn peerline_relay_test_id() -> String {
    use rand_core::RngCore as _;
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The HTTP status and code of a refusal (a body whose code is not one of the relay's fails
/// the test: the relay answers with nothing else).
pub fn code_of(e: &ClientError) -> (u16, peerline_client::ErrorCode) {
    match e {
        ClientError::Refused { status, body } => (
            *status,
            body.relay_code()
                .unwrap_or_else(|| panic!("not a relay error code: {}", body.code)),
        ),
        other => panic!("expected a refusal, got {other}"),
    }
}

/// Anonymous tokens for `device`, blinded and unblinded as the app does.
pub async fn tokens_for(device: &TestDevice, n: usize) -> Result<Vec<Token>, ClientError> {
    use blind_rsa_signatures::{BlindSignature, DefaultRng, Options, PublicKey};
    let keys: Vec<TokenKey> = device
        .client()
        .anonymous_twin()
        .token_keys(&device.team_id)
        .await?;
    let key = &keys[0];
    let pk =
        PublicKey::from_der(&peerline_protocol::b64::decode(&key.public_key).unwrap()).unwrap();
    let opts = Options::default();
    let pending: Vec<_> = (0..n)
        .map(|_| {
            let msg: [u8; 32] = peerline_protocol::auth::secret_hash_hex(&peerline_relay_test_id())
                .as_bytes()[..32]
                .try_into()
                .unwrap();
            let b = pk.blind(&mut DefaultRng, msg, &opts).unwrap();
            (msg, b)
        })
        .collect();
    let issued: TokensIssued = device
        .client()
        .issue_tokens(
            &device.team_id,
            &IssueTokens {
                key_id: key.key_id.clone(),
                blinded: pending
                    .iter()
                    .map(|(_, b)| peerline_protocol::b64::encode(&b.blind_message))
                    .collect(),
            },
        )
        .await?;
    Ok(pending
        .iter()
        .zip(issued.blind_signatures)
        .map(|((msg, b), s)| {
            let sig = pk
                .finalize(
                    &BlindSignature(peerline_protocol::b64::decode(&s).unwrap()),
                    b,
                    msg,
                    &opts,
                )
                .unwrap();
            Token {
                key_id: key.key_id.clone(),
                message: peerline_protocol::b64::encode(msg),
                randomizer: peerline_protocol::b64::encode(&b.msg_randomizer.unwrap().0),
                signature: peerline_protocol::b64::encode(&sig),
            }
        })
        .collect())
}

/// A post that carries a token instead of a device signature.
pub fn anon_post(id: &str, token: Option<Token>) -> PostRequest {
    PostRequest {
        request_id: id.to_owned(),
        urgency: Urgency::Now,
        recipient_key_ids: vec!["sam".into()],
        expires_at: now() + 3600,
        ciphertext: peerline_protocol::b64::encode(b"ct"),
        status_hash: peerline_protocol::auth::secret_hash_hex("s"),
        token,
    }
}

/// xorshift64*: generated test inputs from a fixed seed, so a failure is reproducible
/// without a new dependency.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
}
