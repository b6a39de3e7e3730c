//! Checks signed requests: the signer's key, the signature over method, path, time, nonce
//! and body, the clock skew, and that the nonce was never seen (no replays).

use axum::http::{HeaderMap, Method, Uri};
use ed25519_dalek::{Signature, VerifyingKey};
use peerline_protocol::auth::{
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGNER, HEADER_TIMESTAMP, MAX_SKEW_SECS, Signer,
    signing_message,
};
use peerline_protocol::b64;

use crate::error::RelayError;
use crate::state::AppState;
use crate::storage::{Device, Team};

/// Who made a verified request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// A registered device.
    Device(Device),
    /// A team's coordinator.
    Team(Team),
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Result<&'a str, RelayError> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .ok_or(RelayError::Unauthorized("a signature header is missing"))
}

/// A verified request's nonce, still to be recorded: hashed with the signer (so the table
/// holds no device id) and kept until no clock could accept the request again.
#[derive(Debug, Clone)]
pub struct Nonce {
    /// SHA-256 of signer and nonce, in hex.
    pub scoped: String,
    /// When it may be forgotten.
    pub expires_at: i64,
}

/// Verifies the request's signature headers against `body` and records its nonce (a
/// replay is refused).
pub async fn authenticate(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Caller, RelayError> {
    let (caller, nonce) = verify(state, method, uri, headers, body).await?;
    if !state
        .storage
        .use_nonce(&nonce.scoped, nonce.expires_at, state.now())
        .await?
    {
        return Err(RelayError::Replay);
    }
    Ok(caller)
}

/// Verifies the request's signature headers against `body`, leaving its nonce for the
/// caller to record in the same transaction as the request's own writes (a post).
pub async fn verify(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(Caller, Nonce), RelayError> {
    let signer = Signer::parse(header(headers, HEADER_SIGNER)?)
        .ok_or(RelayError::Unauthorized("the signer header is malformed"))?;
    let timestamp: i64 = header(headers, HEADER_TIMESTAMP)?
        .parse()
        .map_err(|_| RelayError::Unauthorized("the timestamp is malformed"))?;
    let now = state.now();
    if now.abs_diff(timestamp) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(RelayError::Unauthorized(
            "the request's clock is too far from the relay's; check the device's time",
        ));
    }
    let nonce = header(headers, HEADER_NONCE)?;
    if !(16..=64).contains(&nonce.len()) || !nonce.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RelayError::Unauthorized("the nonce is malformed"));
    }
    let sig_bytes = b64::decode(header(headers, HEADER_SIGNATURE)?)
        .ok_or(RelayError::Unauthorized("the signature is malformed"))?;
    let signature = Signature::from_slice(&sig_bytes)
        .map_err(|_| RelayError::Unauthorized("the signature is malformed"))?;

    let (public_key, caller) = match &signer {
        Signer::Device(id) => {
            let d = state
                .storage
                .device(id)
                .await?
                .ok_or(RelayError::Unauthorized("unknown device"))?;
            (d.public_key, Caller::Device(d))
        }
        Signer::Team(id) => {
            let t = state
                .storage
                .team(id)
                .await?
                .ok_or(RelayError::Unauthorized("unknown team"))?;
            (t.public_key, Caller::Team(t))
        }
    };
    let key = VerifyingKey::from_bytes(&public_key)
        .map_err(|_| RelayError::Unauthorized("the stored key is invalid"))?;
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let message = signing_message(method.as_str(), path, timestamp, nonce, &signer, body);
    key.verify_strict(&message, &signature)
        .map_err(|_| RelayError::Unauthorized("the signature does not match"))?;

    // Only after the signature holds, so strangers can neither spend another signer's
    // budget nor fill the nonce table.
    if state
        .limiters
        .signer
        .check_key(&signer.header_value())
        .is_err()
    {
        return Err(RelayError::RateLimited);
    }
    let nonce = Nonce {
        scoped: peerline_protocol::auth::secret_hash_hex(&format!(
            "{}:{nonce}",
            signer.header_value()
        )),
        expires_at: now.saturating_add(2 * MAX_SKEW_SECS),
    };
    Ok((caller, nonce))
}
