//! Random ids (128 bits, hex). They mean nothing and reveal nothing.

use rand_core::{OsRng, RngCore as _};

/// 32 lowercase hex digits.
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}
