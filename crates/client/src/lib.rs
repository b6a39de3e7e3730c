//! The one client of Peerline's relay. One typed method per endpoint, requests signed as a
//! device or a team where the relay asks for it, answers read with a size cap, and errors
//! that carry the relay's [`ErrorCode`]. Endpoint paths come from
//! [`peerline_protocol::endpoints`]; nothing here spells one.
//!
//! Used by the app's engine, the relay's coordinator CLI, the demo team, the tests, the
//! benches and the load tool, so there is one way to speak to the relay.
#![deny(missing_docs)]

mod address;
mod api;
pub use api::BoxKey;
pub mod coordinator;
mod error;
mod http;
mod live;

pub use address::check_relay_url;
pub use coordinator::{Coordinator, IssuedInvite, TeamKeyFile, TeamSettings};
pub use error::{ClientError, Unreachable};
pub use http::{MAX_ANSWER_BYTES, Method, RelayClient};
pub use live::{EventStream, MAX_EVENT_BYTES};
pub use peerline_protocol::ErrorCode;

/// A fresh ed25519 signing key (a device's or a team's).
pub fn generate_key() -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::generate(&mut rand_core::OsRng)
}

/// 128 random bits as 32 lowercase hex digits: nonces and ids that mean nothing.
pub fn random_id() -> String {
    use rand_core::RngCore as _;
    let mut b = [0u8; 16];
    rand_core::OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}
