//! One signed HTTP call: the relay's base address, an optional signing key, a cap on what
//! is read back.

use std::sync::Arc;
use std::time::Duration;

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_protocol::ErrorBody;
use peerline_protocol::auth::{
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGNER, HEADER_TIMESTAMP, Signer, signing_message,
};
use peerline_protocol::b64;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::address::check_relay_url;
use crate::error::{ClientError, Unreachable};

pub use reqwest::Method;

/// The largest answer read from a relay: the biggest real one is an agency directory at its
/// 16 MiB cap, base64 in JSON. A relay that sends more is broken or hostile, and reading it
/// all would let it fill the phone's memory.
pub const MAX_ANSWER_BYTES: usize = 24 * 1024 * 1024;

/// A client for one relay, signing as a device or a team, or anonymous. Cheap to clone:
/// clones share one connection pool.
#[derive(Clone)]
pub struct RelayClient {
    base: Arc<str>,
    http: reqwest::Client,
    signer: Option<Arc<(Signer, SigningKey)>>,
}

impl std::fmt::Debug for RelayClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the key.
        f.debug_struct("RelayClient")
            .field("base", &self.base)
            .field("signed", &self.signer.is_some())
            .finish()
    }
}

impl RelayClient {
    /// An unsigned client: HTTPS anywhere, plain HTTP only to this device.
    pub fn anonymous(base: &str) -> Result<Self, ClientError> {
        check_relay_url(base)?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .connect_timeout(Duration::from_secs(8))
            // Never follow a redirect: it could carry the body, the status secret or the
            // signature to another host or to plain HTTP.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| ClientError::from_reqwest(&e))?;
        Ok(Self {
            base: base.trim_end_matches('/').into(),
            http,
            signer: None,
        })
    }

    /// A client signing as `signer` with `key`.
    pub fn signed(base: &str, signer: Signer, key: SigningKey) -> Result<Self, ClientError> {
        Ok(Self::anonymous(base)?.signing_as(signer, key))
    }

    /// A client signing as the device `device_id`.
    pub fn device(base: &str, device_id: &str, key: SigningKey) -> Result<Self, ClientError> {
        Self::signed(base, Signer::Device(device_id.to_owned()), key)
    }

    /// A client signing as the team `team_id` (the coordinator's key).
    pub fn team(base: &str, team_id: &str, key: SigningKey) -> Result<Self, ClientError> {
        Self::signed(base, Signer::Team(team_id.to_owned()), key)
    }

    /// The same relay and connections, signing as `signer`.
    pub fn signing_as(&self, signer: Signer, key: SigningKey) -> Self {
        Self {
            signer: Some(Arc::new((signer, key))),
            ..self.clone()
        }
    }

    /// The same relay and connections, unsigned: for calls that must not be tied to this
    /// device (on-duty lookups, anonymous posts, status by secret).
    pub fn anonymous_twin(&self) -> Self {
        Self {
            signer: None,
            ..self.clone()
        }
    }

    /// The relay's base address, without a trailing slash.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The signature headers for one request (empty when unsigned).
    pub fn auth_headers(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        let Some(signer) = &self.signer else {
            return Vec::new();
        };
        let (signer, key) = &**signer;
        let ts = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let nonce = crate::random_id();
        let sig = key.sign(&signing_message(method, path, ts, &nonce, signer, body));
        vec![
            (HEADER_SIGNER, signer.header_value()),
            (HEADER_TIMESTAMP, ts.to_string()),
            (HEADER_NONCE, nonce),
            (HEADER_SIGNATURE, b64::encode(&sig.to_bytes())),
        ]
    }

    /// The WebSocket URL for `path` on this relay.
    pub fn ws_url(&self, path: &str) -> String {
        let base = if let Some(rest) = self.base.strip_prefix("https://") {
            format!("wss://{rest}")
        } else if let Some(rest) = self.base.strip_prefix("http://") {
            format!("ws://{rest}")
        } else {
            self.base.to_string()
        };
        format!("{base}{path}")
    }

    /// One call: JSON in, JSON out, signed when this client signs. The typed methods are
    /// built on it; tests of the API itself use it directly with a path from
    /// [`peerline_protocol::endpoints`].
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        headers: &[(&str, &str)],
    ) -> Result<T, ClientError> {
        let bytes = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| ClientError::BadAnswer(e.to_string()))?,
            None => Vec::new(),
        };
        let text = self.send(method, path, bytes, headers).await?;
        serde_json::from_slice(&text).map_err(|e| ClientError::BadAnswer(e.to_string()))
    }

    /// One call with a body of raw bytes, for tests that send what no typed method would.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Result<Vec<u8>, ClientError> {
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("content-type", "application/json");
        for (k, v) in self.auth_headers(method.as_str(), path, &body) {
            req = req.header(k, v);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if !body.is_empty() {
            req = req.body(body);
        }
        let res = req
            .send()
            .await
            .map_err(|e| ClientError::from_reqwest(&e))?;
        let status = res.status();
        let text = read_capped(res).await?;
        if !status.is_success() {
            let body = serde_json::from_slice::<ErrorBody>(&text).unwrap_or_else(|_| {
                ErrorBody::new(
                    "HTTP_ERROR",
                    format!("The relay answered with HTTP {}.", status.as_u16()),
                )
            });
            return Err(ClientError::Refused {
                status: status.as_u16(),
                body,
            });
        }
        Ok(text)
    }
}

async fn read_capped(mut res: reqwest::Response) -> Result<Vec<u8>, ClientError> {
    let too_big = || ClientError::Unreachable(Unreachable::TooLarge);
    if res
        .content_length()
        .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
    {
        return Err(too_big());
    }
    let mut out = Vec::new();
    while let Some(chunk) = res
        .chunk()
        .await
        .map_err(|e| ClientError::from_reqwest(&e))?
    {
        if out.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_big());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "relay" on loopback that answers every request with `head` and then `body_mib`
    /// MiB of zeros.
    async fn flooding_relay(head: &'static str, body_mib: usize) -> String {
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    if s.write_all(head.as_bytes()).await.is_err() {
                        return;
                    }
                    let mib = vec![b'0'; 1024 * 1024];
                    for _ in 0..body_mib {
                        let chunk = if head.contains("chunked") {
                            [
                                format!("{:x}\r\n", mib.len()).into_bytes(),
                                mib.clone(),
                                b"\r\n".to_vec(),
                            ]
                            .concat()
                        } else {
                            mib.clone()
                        };
                        if s.write_all(&chunk).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_relay_flooding_its_answer_is_cut_off_not_read_into_memory() {
        for (head, mib) in [
            ("HTTP/1.1 200 OK\r\ncontent-length: 104857600\r\n\r\n", 1),
            ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n", 30),
        ] {
            let url = flooding_relay(head, mib).await;
            let client = RelayClient::anonymous(&url).unwrap();
            let e = client.health().await.unwrap_err();
            assert!(
                matches!(e, ClientError::Unreachable(Unreachable::TooLarge)),
                "{e}"
            );
            assert!(e.to_string().contains("far too large"), "{e}");
        }
    }

    #[test]
    fn signed_requests_carry_the_four_headers_and_anonymous_ones_none() {
        let key = crate::generate_key();
        let signed = RelayClient::device("http://127.0.0.1:1", "dev1", key).unwrap();
        let names: Vec<_> = signed
            .auth_headers("GET", "/v1/health", b"")
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(
            names,
            [
                HEADER_SIGNER,
                HEADER_TIMESTAMP,
                HEADER_NONCE,
                HEADER_SIGNATURE
            ]
        );
        assert!(
            signed
                .anonymous_twin()
                .auth_headers("GET", "/v1/health", b"")
                .is_empty()
        );
        assert_eq!(signed.ws_url("/v1/x"), "ws://127.0.0.1:1/v1/x");
    }
}
