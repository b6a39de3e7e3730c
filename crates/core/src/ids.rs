//! Random identifiers. They carry no meaning and no order, so they leak nothing.

use chacha20poly1305::aead::{OsRng, rand_core::RngCore};

/// 128 random bits as 32 lowercase hex digits.
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_are_hex_and_distinct() {
        let a = super::random_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, super::random_id());
    }
}
