//! A real RFC 8030 push service on 127.0.0.1 for the relay's Web Push tests:
//! `tests/push-service/server.mjs`, a small server around web-push-testing's `PushApiModel`,
//! which verifies the VAPID token's ES256 signature (RFC 8292) and decrypts the RFC 8291
//! aes128gcm payload; the server adds the claim checks (`aud` the endpoint's origin, `exp`
//! in the future and at most 24 h ahead, `sub` a mailto: or https: URI), records each
//! message with its `TTL`, `Urgency`, `Topic` and `Content-Encoding`, and can play a push
//! service that answers 410 ([`Mode::Gone`]) or never answers ([`Mode::Hang`]).
//!
//! Needs `node` and `tests/push-service/node_modules` (`scripts/setup.sh --test` installs
//! them). The server exits when its stdin closes, so a test that dies leaves no process.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::json;

/// How long the server may take to say it is listening.
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// Any one request to the server's control routes.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A running push service; dropping it ends the server.
pub struct PushService {
    child: Child,
    /// Held open for the server's lifetime: it exits when this closes.
    stdin: Option<ChildStdin>,
    port: u16,
    http: reqwest::Client,
    /// Everything the server wrote to stderr (the model logs refused tokens there).
    log: Arc<Mutex<String>>,
}

/// A subscription as a browser would hand it to the app: the push endpoint and the RFC 8291
/// keys (base64url, no padding), and the service's own id for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushSubscription {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub client_hash: String,
}

/// One push message the service accepted (201): the decrypted text and the headers it came
/// with.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct PushMessage {
    pub text: String,
    pub ttl: Option<String>,
    pub urgency: Option<String>,
    pub topic: Option<String>,
    pub encoding: Option<String>,
    /// When the request arrived, in milliseconds since the Unix epoch.
    #[serde(rename = "at")]
    pub at_ms: u64,
}

/// What one endpoint received: the accepted messages, oldest first, and every POST made to
/// it (refused, answered 410 and left hanging included).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct Received {
    pub messages: Vec<PushMessage>,
    pub attempts: u64,
}

/// How an endpoint answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Checks the token, decrypts, records and answers 201 (or 400 with the reason).
    Ok,
    /// Answers 410 Gone: the subscription has expired or was removed.
    Gone,
    /// Never answers; the connection stays open until the sender gives up.
    Hang,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Ok => "ok",
            Mode::Gone => "gone",
            Mode::Hang => "hang",
        }
    }
}

#[derive(Deserialize)]
struct SubscribeReply {
    endpoint: String,
    keys: SubscribeKeys,
    #[serde(rename = "clientHash")]
    client_hash: String,
}

#[derive(Deserialize)]
struct SubscribeKeys {
    p256dh: String,
    auth: String,
}

fn service_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/push-service")
}

impl PushService {
    /// Starts the server on an OS-chosen port of 127.0.0.1.
    pub async fn start() -> PushService {
        let dir = service_dir();
        assert!(
            dir.join("node_modules/web-push-testing").is_dir(),
            "the push service's npm packages are missing ({}): run `cd tests/push-service && npm ci` \
             (or `bash scripts/setup.sh --test`)",
            dir.join("node_modules").display()
        );
        let mut child = match Command::new("node")
            .arg("server.mjs")
            .current_dir(&dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
                "`node` is not on the PATH: the push service needs Node.js 20 or newer \
                 (`bash scripts/setup.sh --test` installs it)"
            ),
            Err(e) => panic!(
                "could not start `node server.mjs` in {}: {e}",
                dir.display()
            ),
        };
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .expect("the push service's stdout is piped");
        let stderr = child
            .stderr
            .take()
            .expect("the push service's stderr is piped");

        // stderr is drained into `log` for the server's whole life (a full pipe would stall it).
        let log = Arc::new(Mutex::new(String::new()));
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                let mut stderr = stderr;
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                    log.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            });
        }
        // stdout: the first line is `listening <port>`; the rest is drained.
        let (tx, rx) = tokio::sync::oneshot::channel::<String>();
        std::thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            if stdout.read_line(&mut line).is_ok_and(|n| n > 0) {
                let _ = tx.send(line);
                let _ = std::io::copy(&mut stdout, &mut std::io::sink());
            }
        });

        let mut service = PushService {
            child,
            stdin,
            port: 0,
            http: reqwest::Client::builder()
                .no_proxy()
                .timeout(REQUEST_TIMEOUT)
                .build()
                .expect("an HTTP client for the push service"),
            log,
        };
        let line = match tokio::time::timeout(START_TIMEOUT, rx).await {
            Ok(Ok(line)) => line,
            Ok(Err(_)) => {
                let status = service.child.wait().ok();
                panic!(
                    "the push service exited before listening ({status:?}); its stderr:\n{}",
                    service.log()
                )
            }
            Err(_) => panic!(
                "the push service did not say `listening <port>` within {START_TIMEOUT:?}; its stderr:\n{}",
                service.log()
            ),
        };
        service.port = line
            .trim()
            .strip_prefix("listening ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!("the push service's first line is not `listening <port>`: {line:?}")
            });
        service
    }

    /// `http://127.0.0.1:<port>`, the origin of every endpoint (and so the VAPID `aud`).
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// What the server wrote to stderr so far (refused tokens are logged there).
    pub fn log(&self) -> String {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    async fn post(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let url = format!("{}{path}", self.url());
        let response = self
            .http
            .post(&url)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {url} to the push service failed: {e}"));
        let status = response.status();
        let text = response
            .text()
            .await
            .unwrap_or_else(|e| panic!("POST {url}: reading the push service's answer: {e}"));
        assert!(
            status.is_success(),
            "POST {url} {body}: the push service answered {status}: {text}"
        );
        serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("POST {url}: the answer is not JSON ({e}): {text}"))
    }

    /// A new subscription for this VAPID key (base64url of the uncompressed P-256 public key,
    /// as the relay publishes it); pushes to its endpoint must be signed with that key.
    pub async fn subscribe(&self, application_server_key: &str) -> PushSubscription {
        let reply = self
            .post(
                "/subscribe",
                json!({ "applicationServerKey": application_server_key }),
            )
            .await;
        let reply: SubscribeReply = serde_json::from_value(reply.clone()).unwrap_or_else(|e| {
            panic!("the push service's subscription is malformed ({e}): {reply}")
        });
        PushSubscription {
            endpoint: reply.endpoint,
            p256dh: reply.keys.p256dh,
            auth: reply.keys.auth,
            client_hash: reply.client_hash,
        }
    }

    /// What this subscription's endpoint has received so far.
    pub async fn messages(&self, s: &PushSubscription) -> Received {
        let reply = self
            .post("/messages", json!({ "clientHash": s.client_hash }))
            .await;
        serde_json::from_value(reply.clone())
            .unwrap_or_else(|e| panic!("the push service's messages are malformed ({e}): {reply}"))
    }

    /// How this subscription's endpoint answers from now on.
    pub async fn set_mode(&self, s: &PushSubscription, mode: Mode) {
        self.post(
            &format!("/mode/{}", s.client_hash),
            json!({ "mode": mode.as_str() }),
        )
        .await;
    }

    /// Waits until the endpoint has accepted at least `n` messages; panics with what it has
    /// (and the server's log) after `timeout`.
    pub async fn wait_for_messages(
        &self,
        s: &PushSubscription,
        n: usize,
        timeout: Duration,
    ) -> Received {
        self.wait_until(s, timeout, &format!("{n} message(s)"), |r| {
            r.messages.len() >= n
        })
        .await
    }

    /// Waits until at least `n` POSTs reached the endpoint, accepted or not (for
    /// [`Mode::Gone`] and [`Mode::Hang`], where nothing is accepted).
    pub async fn wait_for_attempts(
        &self,
        s: &PushSubscription,
        n: u64,
        timeout: Duration,
    ) -> Received {
        self.wait_until(s, timeout, &format!("{n} attempt(s)"), |r| r.attempts >= n)
            .await
    }

    async fn wait_until(
        &self,
        s: &PushSubscription,
        timeout: Duration,
        what: &str,
        done: impl Fn(&Received) -> bool,
    ) -> Received {
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.messages(s).await;
            if done(&received) {
                return received;
            }
            if Instant::now() >= deadline {
                panic!(
                    "the push endpoint {} did not get {what} within {timeout:?}; it got {received:#?}\n\
                     push service log:\n{}",
                    s.endpoint,
                    self.log()
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

impl Drop for PushService {
    fn drop(&mut self) {
        // Closing stdin ends the server; the kill makes sure of it.
        drop(self.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
