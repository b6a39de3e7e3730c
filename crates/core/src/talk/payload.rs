//! What travels inside the ciphertext, and how it is sealed: age (X25519) to many
//! recipients for requests, age to the request's one-time reply key for replies, and an
//! ed25519 signature inside each reply so the relay cannot forge "This is Sam".

use std::io::{Read as _, Write as _};
use std::str::FromStr as _;

use age::secrecy::ExposeSecret as _;
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use peerline_protocol::b64;
use peerline_protocol::relay::Urgency;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How the officer wants to be reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "method", content = "value", rename_all = "snake_case")]
pub enum Contact {
    /// Call this number.
    Call(String),
    /// Text this number.
    Text(String),
    /// Reply in the app only.
    InApp,
}

/// The request as the peer reads it after decrypting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPayload {
    /// Format version.
    pub v: u8,
    /// The request id (so a payload cannot be moved to another request).
    pub request_id: String,
    /// How soon.
    pub urgency: Urgency,
    /// How to reach the officer.
    pub contact: Contact,
    /// Optional note.
    pub note: Option<String>,
    /// The one-time age recipient replies are encrypted to.
    pub reply_key: String,
    /// The officer's one-time ed25519 key (base64) for this request: their messages in the
    /// conversation are signed with it. Absent from requests made before conversations.
    #[serde(default)]
    pub officer_key: Option<String>,
}

/// A peer's reply as the officer reads it after decrypting and verifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyPayload {
    /// Format version.
    pub v: u8,
    /// The request it answers.
    pub request_id: String,
    /// The replying peer's roster key id.
    pub key_id: String,
    /// "This is Sam, I'll call in 10 minutes."
    pub message: String,
    /// When to expect contact, minutes.
    pub eta_minutes: u32,
    /// The peer's one-time age recipient for this request: the officer's messages are
    /// encrypted to it (version 2 on; signed with the rest).
    #[serde(default)]
    pub case_key: Option<String>,
    /// ed25519 over [`reply_signing_message`], base64.
    pub signature: String,
}

fn reply_signing_message(
    v: u8,
    request_id: &str,
    key_id: &str,
    message: &str,
    eta_minutes: u32,
    case_key: Option<&str>,
) -> Vec<u8> {
    let mut m = if v >= 2 {
        b"peerline-reply-v2\0".to_vec()
    } else {
        b"peerline-reply-v1\0".to_vec()
    };
    for part in [request_id, key_id, message] {
        m.extend_from_slice(&(part.len() as u32).to_be_bytes());
        m.extend_from_slice(part.as_bytes());
    }
    m.extend_from_slice(&eta_minutes.to_be_bytes());
    if v >= 2 {
        let k = case_key.unwrap_or_default();
        m.extend_from_slice(&(k.len() as u32).to_be_bytes());
        m.extend_from_slice(k.as_bytes());
    }
    m
}

impl ReplyPayload {
    /// A reply signed by the peer's key.
    pub fn signed(
        request_id: &str,
        key_id: &str,
        message: &str,
        eta_minutes: u32,
        case_key: &str,
        key: &SigningKey,
    ) -> Self {
        let sig = key.sign(&reply_signing_message(
            2,
            request_id,
            key_id,
            message,
            eta_minutes,
            Some(case_key),
        ));
        Self {
            v: 2,
            request_id: request_id.to_owned(),
            key_id: key_id.to_owned(),
            message: message.to_owned(),
            eta_minutes,
            case_key: Some(case_key.to_owned()),
            signature: b64::encode(&sig.to_bytes()),
        }
    }

    /// True when the signature is by `signing_key` (the roster's key for `key_id`).
    pub fn verify(&self, signing_key: &[u8; 32]) -> bool {
        let Ok(key) = VerifyingKey::from_bytes(signing_key) else {
            return false;
        };
        let Some(sig) = b64::decode(&self.signature).and_then(|s| Signature::from_slice(&s).ok())
        else {
            return false;
        };
        key.verify(
            &reply_signing_message(
                self.v,
                &self.request_id,
                &self.key_id,
                &self.message,
                self.eta_minutes,
                self.case_key.as_deref(),
            ),
            &sig,
        )
        .is_ok()
    }
}

/// Encrypts `plaintext` once to every recipient (age, X25519).
pub fn seal(plaintext: &[u8], recipients: &[String]) -> Result<Vec<u8>> {
    let parsed = recipients
        .iter()
        .map(|r| age::x25519::Recipient::from_str(r))
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|_| Error::NotAuthentic("A peer's key in the roster is not valid.".into()))?;
    let encryptor =
        age::Encryptor::with_recipients(parsed.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|_| Error::NoPeers)?;
    let mut out = Vec::with_capacity(plaintext.len() + 200 * recipients.len());
    let mut w = encryptor
        .wrap_output(&mut out)
        .map_err(|e| Error::InvalidInput(format!("encryption failed: {e}")))?;
    w.write_all(plaintext)
        .and_then(|_| w.finish().map(|_| ()))
        .map_err(|e| Error::InvalidInput(format!("encryption failed: {e}")))?;
    Ok(out)
}

/// Decrypts with one identity; `None` when it is not addressed to it (or damaged).
pub fn open(ciphertext: &[u8], identity: &age::x25519::Identity) -> Option<Vec<u8>> {
    // new_buffered: the plain reader re-parses the header on every small read, which grows
    // with the square of the recipient count.
    let decryptor = age::Decryptor::new_buffered(ciphertext).ok()?;
    let mut reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .ok()?;
    let mut out = Vec::new();
    reader.read_to_end(&mut out).ok()?;
    Some(out)
}

/// A fresh X25519 identity and its recipient string.
pub fn new_identity() -> (String, String) {
    let id = age::x25519::Identity::generate();
    let recipient = id.to_public().to_string();
    (id.to_string().expose_secret().to_owned(), recipient)
}

/// Parses a stored identity.
pub fn identity(secret: &str) -> Result<age::x25519::Identity> {
    age::x25519::Identity::from_str(secret)
        .map_err(|_| Error::InvalidInput("A stored key is damaged.".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_to_many_opens_for_each_and_no_one_else() {
        let peers: Vec<_> = (0..3).map(|_| new_identity()).collect();
        let outsider = new_identity();
        let recipients: Vec<String> = peers.iter().map(|(_, r)| r.clone()).collect();
        let ct = seal(b"need to talk", &recipients).unwrap();
        for (secret, _) in &peers {
            assert_eq!(
                open(&ct, &identity(secret).unwrap()).unwrap(),
                b"need to talk"
            );
        }
        assert!(open(&ct, &identity(&outsider.0).unwrap()).is_none());
        assert!(!ct.windows(12).any(|w| w == b"need to talk"));
    }

    #[test]
    fn replies_verify_only_with_the_signers_key_and_unchanged_fields() {
        let sam = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let lee = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let r = ReplyPayload::signed(
            "req1",
            "sam",
            "This is Sam, calling in 10",
            10,
            "age1case",
            &sam,
        );
        assert!(r.verify(sam.verifying_key().as_bytes()));
        assert!(
            !r.verify(lee.verifying_key().as_bytes()),
            "another peer's key"
        );
        let forged = ReplyPayload {
            message: "This is Sam, ignore this".into(),
            ..r.clone()
        };
        assert!(!forged.verify(sam.verifying_key().as_bytes()));
        let moved = ReplyPayload {
            request_id: "req2".into(),
            ..r.clone()
        };
        assert!(!moved.verify(sam.verifying_key().as_bytes()));
        let other_case_key = ReplyPayload {
            case_key: Some("age1someoneelse".into()),
            ..r.clone()
        };
        assert!(!other_case_key.verify(sam.verifying_key().as_bytes()));
        let downgraded = ReplyPayload { v: 1, ..r.clone() };
        assert!(!downgraded.verify(sam.verifying_key().as_bytes()));
        let unsigned = ReplyPayload {
            signature: String::new(),
            ..r
        };
        assert!(!unsigned.verify(sam.verifying_key().as_bytes()));
    }
}
