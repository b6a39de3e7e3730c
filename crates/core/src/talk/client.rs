//! The app's side of the relay API: signed HTTPS calls with clear errors. Plain HTTP is
//! refused except to this device itself (the embedded demo relay and tests).

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_protocol::ErrorBody;
use peerline_protocol::auth::{
    HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGNER, HEADER_TIMESTAMP, Signer, signing_message,
};
use peerline_protocol::b64;
use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::ids::random_id;

/// Checks a relay address: HTTPS anywhere, plain HTTP only to loopback.
pub fn check_relay_url(url: &str) -> Result<()> {
    let parsed = reqwest::Url::parse(url).map_err(|_| {
        Error::InviteInvalid("The relay address in this invite is not valid.".into())
    })?;
    let loopback = match parsed.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d == "localhost",
        None => false,
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        _ => Err(Error::InviteInvalid(
            "This invite points at a relay without encryption in transit (https). Peerline will not use it; ask your coordinator.".into(),
        )),
    }
}

/// A client for one relay, optionally signing as this device.
pub struct RelayClient {
    base: String,
    http: reqwest::Client,
    signer: Option<(Signer, SigningKey)>,
}

impl RelayClient {
    /// An unsigned client.
    pub fn anonymous(base: &str) -> Result<Self> {
        check_relay_url(base)?;
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(20))
            .connect_timeout(std::time::Duration::from_secs(8))
            // Never follow a redirect: it could carry the body, the status secret or the
            // signature to another host or to plain HTTP.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| Error::RelayUnreachable(e.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
            signer: None,
        })
    }

    /// A client signing as the device `device_id`.
    pub fn device(base: &str, device_id: &str, key: SigningKey) -> Result<Self> {
        Ok(Self {
            signer: Some((Signer::Device(device_id.to_owned()), key)),
            ..Self::anonymous(base)?
        })
    }

    /// The signature headers for a request (empty when unsigned); used for the WebSocket
    /// upgrade, which carries them like any other request.
    pub fn auth_headers(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Vec<(&'static str, String)> {
        let Some((signer, key)) = &self.signer else {
            return Vec::new();
        };
        let ts = chrono::Utc::now().timestamp();
        let nonce = random_id();
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
            self.base.clone()
        };
        format!("{base}{path}")
    }

    /// One call: JSON in, JSON out, relay errors as `Error::RelayRefused`.
    pub async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        headers: &[(&str, &str)],
    ) -> Result<T> {
        let bytes = match body {
            Some(b) => serde_json::to_vec(b).map_err(|e| Error::InvalidInput(e.to_string()))?,
            None => Vec::new(),
        };
        let mut req = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("content-type", "application/json");
        if let Some((signer, key)) = &self.signer {
            let ts = chrono::Utc::now().timestamp();
            let nonce = random_id();
            let sig = key.sign(&signing_message(
                method.as_str(),
                path,
                ts,
                &nonce,
                signer,
                &bytes,
            ));
            req = req
                .header(HEADER_SIGNER, signer.header_value())
                .header(HEADER_TIMESTAMP, ts.to_string())
                .header(HEADER_NONCE, nonce)
                .header(HEADER_SIGNATURE, b64::encode(&sig.to_bytes()));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if !bytes.is_empty() {
            req = req.body(bytes);
        }
        let res = req
            .send()
            .await
            .map_err(|e| Error::RelayUnreachable(describe(&e)))?;
        let status = res.status();
        let text = read_capped(res).await?;
        if !status.is_success() {
            let body: ErrorBody = serde_json::from_slice(&text).unwrap_or_else(|_| {
                ErrorBody::new(
                    "HTTP_ERROR",
                    format!("The relay answered with HTTP {}.", status.as_u16()),
                )
            });
            if status.is_server_error() {
                return Err(Error::RelayUnreachable(body.message));
            }
            return Err(Error::RelayRefused {
                code: body.code,
                message: body.message,
            });
        }
        serde_json::from_slice(&text)
            .map_err(|_| Error::RelayUnreachable("the relay's answer could not be read".into()))
    }
}

/// reqwest's errors name the URL; say what happened instead.
/// The largest answer read from a relay: the biggest real one is an agency directory at its
/// 16 MiB cap, base64 in JSON. A relay that sends more is broken or hostile, and reading it
/// all would let it fill the phone's memory.
const MAX_ANSWER_BYTES: usize = 24 * 1024 * 1024;

async fn read_capped(mut res: reqwest::Response) -> Result<Vec<u8>> {
    let too_big = || Error::RelayUnreachable("the relay's answer was far too large".into());
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
        .map_err(|e| Error::RelayUnreachable(describe(&e)))?
    {
        if out.len() + chunk.len() > MAX_ANSWER_BYTES {
            return Err(too_big());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// Words for a failure that says nothing about the request, only what went wrong.
fn describe(e: &reqwest::Error) -> String {
    if is_certificate_error(e) {
        CERTIFICATE_PROBLEM.into()
    } else if e.is_timeout() {
        "it did not answer in time".into()
    } else if e.is_connect() {
        "no connection".into()
    } else {
        "the connection failed".into()
    }
}

/// What the officer is told when the relay's certificate does not verify.
pub(crate) const CERTIFICATE_PROBLEM: &str = "the relay's security certificate could not be verified, so nothing was sent; the network you are on may be intercepting connections";

/// rustls and webpki say "certificate" (UnknownIssuer, NotValidForName, Expired, …)
/// somewhere in the chain of causes; reqwest itself only says "error sending request".
pub(crate) fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("unknownissuer") {
            return true;
        }
        cause = c.source();
    }
    false
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
            let e = client
                .call::<(), serde_json::Value>(Method::GET, "/v1/health", None, &[])
                .await
                .unwrap_err();
            assert_eq!(e.code(), "RELAY_UNREACHABLE");
            assert!(e.to_string().contains("far too large"), "{e}");
        }
    }

    #[test]
    fn plain_http_only_to_this_device() {
        assert!(check_relay_url("https://relay.example.org").is_ok());
        assert!(check_relay_url("http://127.0.0.1:8787").is_ok());
        assert!(check_relay_url("http://localhost:8787").is_ok());
        assert!(check_relay_url("http://[::1]:8787").is_ok());
        let e = check_relay_url("http://relay.example.org").unwrap_err();
        assert_eq!(e.code(), "INVITE_INVALID");
        assert!(check_relay_url("ftp://relay.example.org").is_err());
        assert!(check_relay_url("not a url").is_err());
    }
}
