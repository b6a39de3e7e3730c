//! What every handler shares.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::Semaphore;

use crate::hub::Hub;
use crate::push::Push;
use crate::storage::Storage;

/// Limits a relay enforces.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest accepted request body, bytes.
    pub max_body_bytes: usize,
    /// Most simultaneous WebSocket connections.
    pub max_websockets: usize,
    /// Longest a request may live before the relay deletes it, seconds.
    pub max_request_ttl_secs: i64,
    /// Most recipients named on one request.
    pub max_recipients: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_websockets: 20_000,
            max_request_ttl_secs: 7 * 24 * 3600,
            max_recipients: 500,
        }
    }
}

/// Shared state.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub storage: Arc<dyn Storage>,
    /// Event fan-out.
    pub hub: Arc<Hub>,
    /// Wake-ups for disconnected phones.
    pub push: Arc<dyn Push>,
    /// Limits.
    pub limits: Arc<Limits>,
    /// SHA-256 (hex) of the operator's admin token, which alone may create teams.
    pub admin_token_hash: Option<Arc<str>>,
    /// WebSocket connection permits.
    pub websockets: Arc<Semaphore>,
}

impl AppState {
    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}
