//! Request signing. A device (with its ed25519 key) or a team coordinator (with the team
//! key) signs each HTTP request; the relay checks the signature, the clock skew and that
//! the nonce is new. These are the exact bytes signed.

use sha2::{Digest as _, Sha256};

/// Header naming the signer: `device:<device_id>` or `team:<team_id>`.
pub const HEADER_SIGNER: &str = "x-peerline-signer";
/// Header with the signing time, Unix seconds.
pub const HEADER_TIMESTAMP: &str = "x-peerline-timestamp";
/// Header with a fresh random nonce (hex), so a captured request cannot be replayed.
pub const HEADER_NONCE: &str = "x-peerline-nonce";
/// Header with the base64 ed25519 signature of [`signing_message`].
pub const HEADER_SIGNATURE: &str = "x-peerline-signature";
/// How far the signer's clock may be from the relay's, in seconds.
pub const MAX_SKEW_SECS: i64 = 300;

/// Who signed a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signer {
    /// A registered device.
    Device(String),
    /// A team's coordinator (the team signing key).
    Team(String),
}

impl Signer {
    /// Parses the header value.
    pub fn parse(value: &str) -> Option<Self> {
        let (kind, id) = value.split_once(':')?;
        if id.is_empty()
            || id.len() > 64
            || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return None;
        }
        match kind {
            "device" => Some(Self::Device(id.to_owned())),
            "team" => Some(Self::Team(id.to_owned())),
            _ => None,
        }
    }

    /// The header value.
    pub fn header_value(&self) -> String {
        match self {
            Self::Device(id) => format!("device:{id}"),
            Self::Team(id) => format!("team:{id}"),
        }
    }
}

/// The bytes a signer signs for one HTTP request.
pub fn signing_message(
    method: &str,
    path_and_query: &str,
    timestamp: i64,
    nonce: &str,
    signer: &Signer,
    body: &[u8],
) -> Vec<u8> {
    let body_hash = Sha256::digest(body);
    let mut m = Vec::with_capacity(160);
    m.extend_from_slice(b"peerline-request-v1\n");
    m.extend_from_slice(method.to_ascii_uppercase().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(path_and_query.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(timestamp.to_string().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(nonce.as_bytes());
    m.push(b'\n');
    m.extend_from_slice(signer.header_value().as_bytes());
    m.push(b'\n');
    m.extend_from_slice(&body_hash);
    m
}

/// SHA-256 of a secret, hex: how the relay stores invite codes and status capabilities.
pub fn secret_hash_hex(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signer_round_trips_and_rejects_junk() {
        for s in [Signer::Device("abc123".into()), Signer::Team("t-1".into())] {
            assert_eq!(Signer::parse(&s.header_value()), Some(s));
        }
        for bad in ["", "device:", "admin:x", "device:a b", "team", "device:a/b"] {
            assert_eq!(Signer::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn message_binds_every_part() {
        let s = Signer::Device("d1".into());
        let base = signing_message("post", "/v1/x", 10, "n1", &s, b"{}");
        assert_ne!(base, signing_message("POST", "/v1/y", 10, "n1", &s, b"{}"));
        assert_ne!(base, signing_message("POST", "/v1/x", 11, "n1", &s, b"{}"));
        assert_ne!(base, signing_message("POST", "/v1/x", 10, "n2", &s, b"{}"));
        assert_ne!(
            base,
            signing_message("POST", "/v1/x", 10, "n1", &Signer::Team("d1".into()), b"{}")
        );
        assert_ne!(base, signing_message("POST", "/v1/x", 10, "n1", &s, b"{ }"));
        assert_eq!(base, signing_message("POST", "/v1/x", 10, "n1", &s, b"{}"));
    }

    #[test]
    fn secret_hash_is_sha256_hex() {
        assert_eq!(
            secret_hash_hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
