//! What every handler shares.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::Semaphore;

use crate::hub::Hub;
use crate::push::{Push, PushConfig};
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
    /// Sustained requests per second from one IP address (a station's NAT may hide many
    /// officers behind one address, so this is generous).
    pub per_ip_per_sec: u32,
    /// Burst allowed per IP address.
    pub per_ip_burst: u32,
    /// Sustained signed requests per second from one device or coordinator key.
    pub per_signer_per_sec: u32,
    /// Burst allowed per signer.
    pub per_signer_burst: u32,
    /// Default for a new team's cap on anonymous tokens per device and day.
    pub tokens_per_day: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: 256 * 1024,
            max_websockets: 20_000,
            max_request_ttl_secs: 7 * 24 * 3600,
            max_recipients: 500,
            per_ip_per_sec: 100,
            per_ip_burst: 300,
            per_signer_per_sec: 5,
            per_signer_burst: 60,
            tokens_per_day: 20,
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
    /// How pushes are sent (which endpoints are accepted).
    pub push_config: Arc<PushConfig>,
    /// The VAPID public key (base64url) subscriptions are made for.
    pub push_key: Arc<str>,
    /// Limits.
    pub limits: Arc<Limits>,
    /// SHA-256 (hex) of the operator's admin token, which alone may create teams.
    pub admin_token_hash: Option<Arc<str>>,
    /// WebSocket connection permits.
    pub websockets: Arc<Semaphore>,
    /// Rate limits, in memory only (the counters are the one place an address is held).
    pub limiters: Arc<Limiters>,
}

/// Token buckets per IP address and per signer.
pub struct Limiters {
    /// Per source address.
    pub ip: DefaultKeyedRateLimiter<IpAddr>,
    /// Per device or team key.
    pub signer: DefaultKeyedRateLimiter<String>,
}

impl Limiters {
    /// Buckets sized from `limits`.
    pub fn new(limits: &Limits) -> Self {
        let quota = |per_sec: u32, burst: u32| {
            let per = NonZeroU32::new(per_sec.max(1)).unwrap_or(NonZeroU32::MIN);
            let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
            Quota::per_second(per).allow_burst(burst)
        };
        Self {
            ip: RateLimiter::keyed(quota(limits.per_ip_per_sec, limits.per_ip_burst)),
            signer: RateLimiter::keyed(quota(limits.per_signer_per_sec, limits.per_signer_burst)),
        }
    }

    /// Forgets idle keys so memory does not grow with every address ever seen.
    pub fn prune(&self) {
        self.ip.retain_recent();
        self.signer.retain_recent();
        self.ip.shrink_to_fit();
        self.signer.shrink_to_fit();
    }
}

impl AppState {
    /// Tells the team's connected apps (this node's sockets, and through the database the
    /// other nodes') and wakes the phones that are not connected. Called once, by the node
    /// where the change happened.
    pub fn announce(&self, team_id: &str, event: peerline_protocol::relay::Event) {
        self.push.wake(team_id, &event);
        self.hub.publish(team_id, event);
    }

    /// Unix seconds now.
    pub fn now(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0)
    }
}
