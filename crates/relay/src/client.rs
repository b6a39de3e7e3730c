//! A small signed HTTP client for the relay's API, used by the coordinator CLI and by tests.

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_protocol::ErrorBody;
use peerline_protocol::auth::{
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGNER, HEADER_TIMESTAMP, Signer, signing_message,
};
use peerline_protocol::b64;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::ids::random_id;

/// What went wrong calling the relay.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer (down, refused, TLS).
    #[error("Could not reach the relay at {url}: {source}")]
    Unreachable {
        /// Base URL.
        url: String,
        /// Cause.
        source: reqwest::Error,
    },
    /// The relay answered with an error.
    #[error("The relay refused ({status}): {} [{}]", body.message, body.code)]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its `{code, message}`.
        body: ErrorBody,
    },
    /// The answer was not what the API promises.
    #[error("The relay's answer could not be read: {0}")]
    BadAnswer(String),
}

impl ClientError {
    /// The relay's error code, if it answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Refused { body, .. } => Some(&body.code),
            _ => None,
        }
    }
}

/// A client that signs every request with one key (a device's or a team's).
pub struct SignedClient {
    base: String,
    http: reqwest::Client,
    signer: Option<(Signer, SigningKey)>,
}

impl SignedClient {
    /// An unsigned client (health, invite redemption, status by secret).
    pub fn anonymous(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            signer: None,
        }
    }

    /// A client signing as `signer` with `key`.
    pub fn signed(base: &str, signer: Signer, key: SigningKey) -> Self {
        Self {
            signer: Some((signer, key)),
            ..Self::anonymous(base)
        }
    }

    /// Sends a request and decodes the JSON answer.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        extra_headers: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let bytes = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| ClientError::BadAnswer(e.to_string()))?,
            None => Vec::new(),
        };
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("content-type", "application/json");
        for (k, v) in self.auth_headers(method.as_str(), path, &bytes) {
            req = req.header(k, v);
        }
        for (k, v) in extra_headers {
            req = req.header(*k, *v);
        }
        if !bytes.is_empty() {
            req = req.body(bytes);
        }
        let res = req
            .send()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: self.base.clone(),
                source,
            })?;
        let status = res.status();
        let text = res
            .bytes()
            .await
            .map_err(|source| ClientError::Unreachable {
                url: self.base.clone(),
                source,
            })?;
        if !status.is_success() {
            let body = serde_json::from_slice::<ErrorBody>(&text).unwrap_or_else(|_| {
                ErrorBody::new("HTTP_ERROR", format!("HTTP status {}", status.as_u16()))
            });
            return Err(ClientError::Refused {
                status: status.as_u16(),
                body,
            });
        }
        serde_json::from_slice(&text).map_err(|e| ClientError::BadAnswer(e.to_string()))
    }

    /// The signature headers for one request (empty for an anonymous client).
    pub fn auth_headers(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        let Some((signer, key)) = &self.signer else {
            return Vec::new();
        };
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let nonce = random_id();
        let msg = signing_message(method, path, ts, &nonce, signer, body);
        let sig = key.sign(&msg);
        vec![
            (HEADER_SIGNER, signer.header_value()),
            (HEADER_TIMESTAMP, ts.to_string()),
            (HEADER_NONCE, nonce),
            (HEADER_SIGNATURE, b64::encode(&sig.to_bytes())),
        ]
    }

    /// Base URL.
    pub fn base(&self) -> &str {
        &self.base
    }
}

/// A fresh ed25519 key.
pub fn generate_key() -> SigningKey {
    SigningKey::generate(&mut rand_core::OsRng)
}
