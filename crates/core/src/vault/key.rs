//! The vault's data key: 32 random bytes that SQLCipher uses as a raw key.

use chacha20poly1305::aead::{OsRng, rand_core::RngCore};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

/// Length of the raw SQLCipher key in bytes.
pub const KEY_LEN: usize = 32;

/// The raw vault key. Wiped from memory when dropped; never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct VaultKey([u8; KEY_LEN]);

impl VaultKey {
    /// A fresh key from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut bytes = [0u8; KEY_LEN];
        OsRng.fill_bytes(&mut bytes);
        Self(bytes)
    }

    /// Rebuilds a key from bytes read back from a custody (credential store or unwrap).
    /// Returns `None` when the length is wrong, which means the stored secret is not ours.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Self(arr))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// SQLCipher's raw-key form, `x'<64 hex digits>'`: the key is used as is, with no
    /// PBKDF2 at open (that would cost ~100 ms and add nothing to a random key).
    pub(crate) fn sqlcipher_pragma_value(&self) -> Zeroizing<String> {
        const HEX: &[u8; 16] = b"0123456789ABCDEF";
        let mut s = Zeroizing::new(String::with_capacity(3 + KEY_LEN * 2));
        s.push_str("x'");
        for b in self.0 {
            s.push(HEX[(b >> 4) as usize] as char);
            s.push(HEX[(b & 0x0f) as usize] as char);
        }
        s.push('\'');
        s
    }
}

impl std::fmt::Debug for VaultKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("VaultKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_differ_and_debug_hides_bytes() {
        let a = VaultKey::generate();
        let b = VaultKey::generate();
        assert_ne!(a, b);
        assert_eq!(format!("{a:?}"), "VaultKey(<redacted>)");
    }

    #[test]
    fn pragma_value_is_raw_hex_form() {
        let key = VaultKey::from_slice(&[0xAB; KEY_LEN]).unwrap();
        let v = key.sqlcipher_pragma_value();
        assert_eq!(v.len(), 3 + 64);
        assert!(v.starts_with("x'ABAB"));
        assert!(v.ends_with("AB'"));
    }

    #[test]
    fn from_slice_rejects_wrong_length() {
        assert!(VaultKey::from_slice(&[1; 31]).is_none());
        assert!(VaultKey::from_slice(&[1; 33]).is_none());
    }
}
