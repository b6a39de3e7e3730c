//! Starting and stopping a relay.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use peerline_protocol::auth::secret_hash_hex;
use tokio::sync::{Semaphore, oneshot};
use tokio::task::JoinHandle;

use crate::error::RelayError;
use crate::hub::Hub;
use crate::push::{PushConfig, VapidKey, WebPush};
use crate::state::{AppState, Limiters, Limits};
use crate::storage::{SqliteStorage, Storage};
use crate::{routes, tasks};

/// How to run a relay.
#[derive(Clone)]
pub struct ServeConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Where the relay keeps its state.
    pub database: Database,
    /// The operator's admin token (creates teams). `None`: no team can be created.
    pub admin_token: Option<String>,
    /// Allow plain HTTP on a non-loopback address because a TLS proxy sits in front.
    pub insecure_behind_proxy: bool,
    /// Serve HTTPS with this certificate chain and key (PEM files).
    pub tls: Option<TlsFiles>,
    /// Limits.
    pub limits: Limits,
    /// Web Push wake-ups.
    pub push: PushConfig,
}

impl std::fmt::Debug for ServeConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeConfig")
            .field("listen", &self.listen)
            .field("database", &self.database)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("insecure_behind_proxy", &self.insecure_behind_proxy)
            .field("tls", &self.tls)
            .field("push", &self.push)
            .finish()
    }
}

/// Where the relay keeps its state.
#[derive(Clone)]
pub enum Database {
    /// One SQLite file: a department on one machine (the default).
    Sqlite(PathBuf),
    /// A PostgreSQL URL that several relay nodes share.
    #[cfg(feature = "postgres")]
    Postgres(String),
}

impl Database {
    /// Opens (and migrates) the storage, as a relay node does at start; tools and tests
    /// that work on the storage directly use this too.
    pub async fn open(&self) -> Result<Arc<dyn Storage>, crate::RelayError> {
        Ok(match self {
            Database::Sqlite(path) => Arc::new(SqliteStorage::open(path)?),
            #[cfg(feature = "postgres")]
            Database::Postgres(url) => {
                Arc::new(crate::storage::PostgresStorage::connect(url).await?)
            }
        })
    }

    /// Reads `--database`: a `postgres://` or `postgresql://` URL, or else a file path.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            #[cfg(feature = "postgres")]
            return Ok(Self::Postgres(s.to_owned()));
            #[cfg(not(feature = "postgres"))]
            return Err("this build of the relay has no PostgreSQL support".into());
        }
        if s.is_empty() {
            return Err("the database path is empty".into());
        }
        Ok(Self::Sqlite(PathBuf::from(s)))
    }
}

impl From<PathBuf> for Database {
    fn from(p: PathBuf) -> Self {
        Self::Sqlite(p)
    }
}

/// A password in the URL never reaches a log.
impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(p) => f.debug_tuple("Sqlite").field(p).finish(),
            #[cfg(feature = "postgres")]
            Self::Postgres(_) => f.write_str("Postgres(<url>)"),
        }
    }
}

/// PEM files for HTTPS.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    /// Certificate chain.
    pub cert: PathBuf,
    /// Private key.
    pub key: PathBuf,
}

/// Why a relay did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Plain HTTP on a reachable address.
    #[error(
        "Refusing to serve plain HTTP on {0}: phones would send requests unprotected. Listen on 127.0.0.1, or put a TLS-terminating proxy in front and pass --insecure-behind-proxy."
    )]
    NeedsTls(SocketAddr),
    /// The certificate or key could not be loaded.
    #[error("Could not load the TLS certificate or key: {0}")]
    Tls(std::io::Error),
    /// The database could not be opened.
    #[error("Could not open the database: {0}")]
    Storage(#[from] RelayError),
    /// The address could not be bound.
    #[error("Could not listen on {addr}: {source}")]
    Bind {
        /// Address.
        addr: SocketAddr,
        /// Cause.
        source: std::io::Error,
    },
}

/// A running relay.
pub struct RunningRelay {
    /// Where it listens (the real port when 0 was asked for).
    pub addr: SocketAddr,
    tls: bool,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    background: JoinHandle<()>,
    /// The push sender; aborted with the node (its queued wakes go with it).
    push: JoinHandle<()>,
    listener: Option<JoinHandle<()>>,
    storage: Arc<dyn Storage>,
}

impl RunningRelay {
    /// Base URL for clients.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// Stops accepting, finishes in-flight requests, and returns.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.background.abort();
        self.push.abort();
        if let Some(l) = &self.listener {
            l.abort();
        }
        let _ = (&mut self.server).await;
        self.fold_log().await;
    }

    /// On the way out, nothing deleted may stay behind in the database's log.
    async fn fold_log(&self) {
        if let Err(e) = self.storage.compact().await {
            tracing::warn!(code = e.code().as_str(), "final compaction failed");
        }
    }

    /// Waits until the server ends (after a shutdown signal).
    pub async fn wait(mut self) -> std::io::Result<()> {
        let r = (&mut self.server).await;
        self.background.abort();
        self.push.abort();
        if let Some(l) = &self.listener {
            l.abort();
        }
        self.fold_log().await;
        r.unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    /// Hands the shutdown trigger to the caller (e.g. a Ctrl-C handler).
    pub fn take_shutdown(&mut self) -> Option<oneshot::Sender<()>> {
        self.shutdown.take()
    }
}

/// Opens the database, binds, and serves in the background.
pub async fn start(config: ServeConfig) -> Result<RunningRelay, StartError> {
    if !config.listen.ip().is_loopback() && !config.insecure_behind_proxy && config.tls.is_none() {
        return Err(StartError::NeedsTls(config.listen));
    }
    let storage = config.database.open().await?;
    let hub = Arc::new(Hub::default());
    let listener_task = storage.listen(hub.clone()).await?;
    let vapid = VapidKey::load(&*storage).await?;
    let push_key = Arc::from(vapid.public_key());
    let (push, push_task) = WebPush::start(storage.clone(), vapid, config.push.clone());
    let state = AppState {
        storage,
        hub,
        push: Arc::new(push),
        push_config: Arc::new(config.push.clone()),
        push_key,
        websockets: Arc::new(Semaphore::new(config.limits.max_websockets)),
        limiters: Arc::new(Limiters::new(&config.limits)),
        limits: Arc::new(config.limits.clone()),
        admin_token_hash: config
            .admin_token
            .as_deref()
            .map(|t| Arc::from(secret_hash_hex(t))),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| StartError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| StartError::Bind {
        addr: config.listen,
        source,
    })?;
    let app = routes::router(state.clone()).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = oneshot::channel::<()>();
    let server = match &config.tls {
        None => tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await
        }),
        Some(files) => {
            // ring only: one crypto provider for the whole process, and no C toolchain
            // beyond what SQLite already needs.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let tls = axum_server::tls_rustls::RustlsConfig::from_pem_file(&files.cert, &files.key)
                .await
                .map_err(StartError::Tls)?;
            let std_listener = listener.into_std().map_err(|source| StartError::Bind {
                addr: config.listen,
                source,
            })?;
            let server =
                axum_server::tls_rustls::from_tcp_rustls(std_listener, tls).map_err(|source| {
                    StartError::Bind {
                        addr: config.listen,
                        source,
                    }
                })?;
            let handle = axum_server::Handle::new();
            let trigger = handle.clone();
            tokio::spawn(async move {
                let _ = rx.await;
                trigger.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
            });
            tokio::spawn(async move { server.handle(handle).serve(app).await })
        }
    };
    let storage = state.storage.clone();
    let background = tokio::spawn(tasks::run(state));
    tracing::info!(%addr, "relay listening");
    Ok(RunningRelay {
        addr,
        tls: config.tls.is_some(),
        shutdown: Some(tx),
        server,
        background,
        push: push_task,
        listener: listener_task,
        storage,
    })
}
