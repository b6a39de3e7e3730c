//! The vault key wrapped under a passcode: Argon2id turns the passcode into a key-encryption
//! key, and XChaCha20-Poly1305 seals the vault key with it. The AEAD tag doubles as the
//! passcode check, so no separate passcode hash is stored anywhere.

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD_NO_PAD as B64;
use chacha20poly1305::aead::{Aead, KeyInit, OsRng, Payload, rand_core::RngCore};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::key::{KEY_LEN, VaultKey};

/// Argon2id cost parameters, stored beside each wrapped key so they can be raised later
/// without locking anyone out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Passes over memory.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl KdfParams {
    /// OWASP Password Storage Cheat Sheet, Argon2id: at least m = 19 MiB, t = 2, p = 1.
    pub const OWASP_MINIMUM: Self = Self {
        m_kib: 19 * 1024,
        t: 2,
        p: 1,
    };

    /// What Peerline uses: 64 MiB, 7 passes, 1 lane — about 3.4x the OWASP minimum's
    /// memory-time product. The wrapped key may be the only thing between a lost phone and
    /// the vault, and officers will pick short passcodes, so each guess should cost a
    /// noticeable fraction of a second. 64 MiB still fits comfortably on low-end phones, and
    /// p = 1 because phones throttle parallel cores and an attacker's GPU gains more from
    /// lanes than we do. Measured unlock time is in BENCHMARKS.md (aim: 0.25–1 s on a
    /// 2-core build box; phones run a few times slower, which is still bearable once a day).
    pub const DEFAULT: Self = Self {
        m_kib: 64 * 1024,
        t: 7,
        p: 1,
    };

    /// True when these parameters are ones this app could have written: at or above the
    /// OWASP floor and below a ceiling, so a tampered file cannot make unlock exhaust memory.
    pub fn is_plausible(&self) -> bool {
        self.meets_owasp_minimum() && self.m_kib <= 1024 * 1024 && self.t <= 64 && self.p <= 16
    }

    /// True when these parameters meet the OWASP floor (memory-time product and memory).
    pub fn meets_owasp_minimum(&self) -> bool {
        let min = Self::OWASP_MINIMUM;
        self.p >= 1
            && self.m_kib >= 7 * 1024
            && u64::from(self.m_kib) * u64::from(self.t) >= u64::from(min.m_kib) * u64::from(min.t)
    }
}

impl Default for KdfParams {
    fn default() -> Self {
        Self::DEFAULT
    }
}

const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const FORMAT_VERSION: u8 = 1;

/// A vault key sealed under a passcode. Safe to store on disk: without the passcode it is
/// random bytes, and each guess costs one Argon2id run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WrappedKey {
    v: u8,
    kdf: KdfParams,
    #[serde(with = "b64")]
    salt: Vec<u8>,
    #[serde(with = "b64")]
    nonce: Vec<u8>,
    #[serde(with = "b64")]
    ciphertext: Vec<u8>,
}

/// Why an unwrap failed.
#[derive(Debug, PartialEq, Eq)]
pub enum UnwrapError {
    /// The AEAD tag did not verify: wrong passcode (or a tampered blob, which looks the same).
    WrongPasscode,
    /// The blob is not something we wrote (bad lengths, unknown version, weak parameters).
    Malformed(&'static str),
}

impl WrappedKey {
    /// Seals `key` under `passcode`. `context` binds the blob to one vault (its id), so a
    /// wrapped key copied from another vault will not open this one.
    pub fn seal(
        key: &VaultKey,
        passcode: &str,
        kdf: KdfParams,
        context: &[u8],
    ) -> Result<Self, UnwrapError> {
        let mut salt = vec![0u8; SALT_LEN];
        OsRng.fill_bytes(&mut salt);
        let mut nonce = vec![0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let kek = derive(passcode, &salt, kdf)?;
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek[..]));
        let ciphertext = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: key.as_bytes(),
                    aad: &aad(context),
                },
            )
            .map_err(|_| UnwrapError::Malformed("encryption failed"))?;
        Ok(Self {
            v: FORMAT_VERSION,
            kdf,
            salt,
            nonce,
            ciphertext,
        })
    }

    /// Checks the blob's shape without the passcode (cheap; no Argon2id).
    pub fn check_shape(&self) -> Result<(), UnwrapError> {
        if self.v != FORMAT_VERSION {
            return Err(UnwrapError::Malformed("unknown wrapped-key version"));
        }
        if self.salt.len() != SALT_LEN
            || self.nonce.len() != NONCE_LEN
            || self.ciphertext.len() != KEY_LEN + 16
        {
            return Err(UnwrapError::Malformed("wrong field length"));
        }
        if !self.kdf.is_plausible() {
            return Err(UnwrapError::Malformed(
                "key-derivation parameters out of range",
            ));
        }
        Ok(())
    }

    /// Recovers the vault key. Costs one Argon2id run whatever the outcome.
    pub fn open(&self, passcode: &str, context: &[u8]) -> Result<VaultKey, UnwrapError> {
        self.check_shape()?;
        let kek = derive(passcode, &self.salt, self.kdf)?;
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&kek[..]));
        let plain = Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&self.nonce),
                    Payload {
                        msg: &self.ciphertext,
                        aad: &aad(context),
                    },
                )
                .map_err(|_| UnwrapError::WrongPasscode)?,
        );
        VaultKey::from_slice(&plain).ok_or(UnwrapError::Malformed("wrong key length"))
    }

    /// The parameters this blob was sealed with.
    pub fn kdf(&self) -> KdfParams {
        self.kdf
    }
}

fn aad(context: &[u8]) -> Vec<u8> {
    let mut a = b"peerline vault key v1\0".to_vec();
    a.extend_from_slice(context);
    a
}

fn derive(passcode: &str, salt: &[u8], kdf: KdfParams) -> Result<Zeroizing<[u8; 32]>, UnwrapError> {
    let params = Params::new(kdf.m_kib, kdf.t, kdf.p, Some(32))
        .map_err(|_| UnwrapError::Malformed("invalid key-derivation parameters"))?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passcode.as_bytes(), salt, out.as_mut())
        .map_err(|_| UnwrapError::Malformed("key derivation failed"))?;
    Ok(out)
}

mod b64 {
    use super::B64;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&B64.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        B64.decode(s.as_bytes()).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tests use the OWASP floor so they stay quick; the default is exercised by the
    // session tests and timed in the bench.
    const FAST: KdfParams = KdfParams::OWASP_MINIMUM;

    #[test]
    fn round_trip_with_right_passcode() {
        let key = VaultKey::generate();
        let w = WrappedKey::seal(&key, "correct horse", FAST, b"vault-1").unwrap();
        assert_eq!(w.open("correct horse", b"vault-1").unwrap(), key);
    }

    #[test]
    fn wrong_passcode_or_other_vault_is_refused() {
        let key = VaultKey::generate();
        let w = WrappedKey::seal(&key, "correct horse", FAST, b"vault-1").unwrap();
        assert_eq!(
            w.open("correct hors", b"vault-1"),
            Err(UnwrapError::WrongPasscode)
        );
        assert_eq!(
            w.open("correct horse", b"vault-2"),
            Err(UnwrapError::WrongPasscode)
        );
    }

    #[test]
    fn tampered_fields_are_refused_not_panicked_on() {
        let key = VaultKey::generate();
        let w = WrappedKey::seal(&key, "pass1234", FAST, b"v").unwrap();
        let mut flipped = w.clone();
        flipped.ciphertext[3] ^= 1;
        assert_eq!(
            flipped.open("pass1234", b"v"),
            Err(UnwrapError::WrongPasscode)
        );
        let mut short = w.clone();
        short.salt.pop();
        assert!(matches!(
            short.open("pass1234", b"v"),
            Err(UnwrapError::Malformed(_))
        ));
        let mut weak = w.clone();
        weak.kdf = KdfParams {
            m_kib: 8,
            t: 1,
            p: 1,
        };
        assert!(matches!(
            weak.open("pass1234", b"v"),
            Err(UnwrapError::Malformed(_))
        ));
        let mut huge = w.clone();
        huge.kdf = KdfParams {
            m_kib: u32::MAX,
            t: 1,
            p: 1,
        };
        assert!(matches!(
            huge.open("pass1234", b"v"),
            Err(UnwrapError::Malformed(_))
        ));
        let mut future = w;
        future.v = 9;
        assert!(matches!(
            future.open("pass1234", b"v"),
            Err(UnwrapError::Malformed(_))
        ));
    }

    #[test]
    fn serialized_form_holds_no_key_bytes_and_round_trips() {
        let key = VaultKey::generate();
        let w = WrappedKey::seal(&key, "pass1234", FAST, b"v").unwrap();
        let json = serde_json::to_string(&w).unwrap();
        let hex = key.sqlcipher_pragma_value();
        assert!(!json.contains(&hex[2..66]));
        let back: WrappedKey = serde_json::from_str(&json).unwrap();
        assert_eq!(back, w);
    }

    #[test]
    fn default_parameters_meet_owasp_floor() {
        assert!(KdfParams::DEFAULT.meets_owasp_minimum());
        assert!(KdfParams::OWASP_MINIMUM.meets_owasp_minimum());
        assert!(
            !KdfParams {
                m_kib: 19 * 1024,
                t: 1,
                p: 1
            }
            .meets_owasp_minimum()
        );
    }
}
