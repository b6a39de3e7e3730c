//! The relay's VAPID key (RFC 8292): one P-256 key pair per relay, generated on first start
//! and kept in the database like the token keys, so every node of a cluster signs with the
//! same key and a phone's subscription (made for its public key) survives restarts.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use peerline_protocol::b64;
use web_push::{PartialVapidSignatureBuilder, SubscriptionInfo, VapidSignature};

use crate::error::RelayError;
use crate::storage::Storage;

/// How long one signed JWT is reused for pushes to the same push service. It is valid for
/// 12 hours (the crate's `exp`); reusing it saves an ECDSA signature per push, which is
/// most of the relay's cost of a push besides the payload's encryption.
const REUSE: Duration = Duration::from_secs(3600);

/// The signing half, ready to sign a JWT per push service.
#[derive(Clone)]
pub struct VapidKey {
    builder: PartialVapidSignatureBuilder,
    public: String,
    /// Signed JWTs by push service origin, with when they were signed.
    signed: Arc<Mutex<HashMap<String, (VapidSignature, Instant)>>>,
}

impl std::fmt::Debug for VapidKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VapidKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl VapidKey {
    /// The stored key, or a new one stored now (the first node to store one wins; the
    /// others read it back).
    pub async fn load(storage: &dyn Storage) -> Result<Self, RelayError> {
        let fresh = p256::SecretKey::random(&mut rand_core::OsRng);
        let secret = storage.vapid_secret(fresh.to_bytes().to_vec()).await?;
        Self::from_secret(&secret)
    }

    fn from_secret(secret: &[u8]) -> Result<Self, RelayError> {
        // Checked here first: the signing crate panics on a scalar of the wrong length.
        if secret.len() != 32 || p256::SecretKey::from_slice(secret).is_err() {
            return Err(RelayError::Unavailable(
                "the stored push key is damaged".into(),
            ));
        }
        let builder = web_push::VapidSignatureBuilder::from_base64_no_sub(&b64::encode_url(secret))
            .map_err(|_| RelayError::Unavailable("the stored push key is damaged".into()))?;
        let public = b64::encode_url(&builder.get_public_key());
        Ok(Self {
            builder,
            public,
            signed: Arc::default(),
        })
    }

    /// The public key, base64url: the `applicationServerKey` subscriptions are made for.
    pub fn public_key(&self) -> &str {
        &self.public
    }

    /// A VAPID signature for a push to `origin`: `aud` is the endpoint's origin (with its
    /// port, as RFC 8292 says; the crate's default leaves the port out), `sub` the
    /// operator's contact, `exp` twelve hours ahead (RFC 8292 allows at most 24). One JWT
    /// serves every push to the same service for an hour.
    pub fn sign(
        &self,
        target: &SubscriptionInfo,
        origin: &str,
        contact: &str,
    ) -> Result<VapidSignature, web_push::WebPushError> {
        let mut cache = self.signed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((sig, at)) = cache.get(origin)
            && at.elapsed() < REUSE
        {
            return Ok(sig.clone());
        }
        let mut builder = self.builder.clone().add_sub_info(target);
        builder.add_claim("aud", origin);
        builder.add_claim("sub", contact);
        let sig = builder.build()?;
        // Push services are few; the map stays small, but old entries go anyway.
        cache.retain(|_, (_, at)| at.elapsed() < REUSE);
        cache.insert(origin.to_owned(), (sig.clone(), Instant::now()));
        Ok(sig)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_key_is_an_uncompressed_p256_point() {
        let secret = p256::SecretKey::random(&mut rand_core::OsRng);
        let key = VapidKey::from_secret(&secret.to_bytes()).unwrap();
        let raw = b64::decode_url(key.public_key()).unwrap();
        assert_eq!(raw.len(), 65);
        assert_eq!(raw[0], 4);
        let expected = secret.public_key();
        assert_eq!(
            p256::PublicKey::from_sec1_bytes(&raw).unwrap(),
            expected,
            "the advertised key is the stored secret's"
        );
    }

    #[test]
    fn a_damaged_secret_is_refused() {
        assert!(VapidKey::from_secret(&[0u8; 5]).is_err());
        assert!(VapidKey::from_secret(&[0u8; 32]).is_err(), "zero is no key");
    }
}
