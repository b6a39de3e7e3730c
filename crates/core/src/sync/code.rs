//! The recovery code: 128 random bits and a 32-bit check, written as 32 Crockford base32
//! characters in eight groups of four (`7K3M-Q9XP-…`), which people can read aloud, copy
//! by hand and print. Everything a device needs to find and open the officer's sync box is
//! derived from it with HKDF-SHA256, so the relay never sees a key and a new phone needs the
//! code and nothing else.

use hkdf::Hkdf;
use sha2::{Digest as _, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{Error, Result};

/// Random bytes in a code.
const ENTROPY: usize = 16;
/// Check bytes (the first of SHA-256 over the entropy): a mistyped code is caught here, not
/// as "nothing found" on the relay.
const CHECK: usize = 4;
/// Crockford's alphabet: no I, L, O or U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A recovery code. Shown once; kept by the officer, on paper.
#[derive(Clone, PartialEq, Eq)]
pub struct RecoveryCode {
    entropy: Zeroizing<[u8; ENTROPY]>,
}

impl std::fmt::Debug for RecoveryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RecoveryCode(…)")
    }
}

/// What the code opens.
#[derive(Clone)]
pub struct BoxKeys {
    /// The sync box's id on the relay (32 hex digits).
    pub box_id: String,
    /// The box's secret, presented to the relay (64 hex digits).
    pub box_secret: Zeroizing<String>,
    /// The key records are sealed with.
    pub record_key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for BoxKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoxKeys")
            .field("box_id", &self.box_id)
            .finish_non_exhaustive()
    }
}

impl RecoveryCode {
    /// A new code from the OS's random source.
    pub fn generate() -> Self {
        use chacha20poly1305::aead::{OsRng, rand_core::RngCore as _};
        let mut entropy = Zeroizing::new([0u8; ENTROPY]);
        OsRng.fill_bytes(entropy.as_mut());
        Self { entropy }
    }

    /// The code as the officer writes it down: eight groups of four.
    pub fn display(&self) -> Zeroizing<String> {
        let mut bytes = Zeroizing::new([0u8; ENTROPY + CHECK]);
        bytes[..ENTROPY].copy_from_slice(self.entropy.as_ref());
        bytes[ENTROPY..].copy_from_slice(&check(self.entropy.as_ref()));
        let chars = encode(bytes.as_ref());
        let mut out = Zeroizing::new(String::with_capacity(39));
        for (i, c) in chars.chunks(4).enumerate() {
            if i > 0 {
                out.push('-');
            }
            out.extend(c.iter().map(|&b| char::from(b)));
        }
        out
    }

    /// Reads a code as typed: any case, spaces or hyphens anywhere, and the letters people
    /// confuse with digits (O for 0, I and L for 1) taken as those digits.
    pub fn parse(text: &str) -> Result<Self> {
        let refuse = |what: &str| {
            Error::InvalidInput(format!(
                "That recovery code {what}. Check it against the one you wrote down: 32 letters \
                 and digits in eight groups of four."
            ))
        };
        let mut digits = Zeroizing::new(Vec::with_capacity(32));
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            let c = match c.to_ascii_uppercase() {
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            let value = ALPHABET
                .iter()
                .position(|&a| char::from(a) == c)
                .ok_or_else(|| refuse("has a character that is not in any code"))?;
            digits.push(value as u8);
        }
        if digits.len() != 32 {
            return Err(refuse("is not 32 characters long"));
        }
        let bytes = decode(&digits);
        let (entropy, sum) = bytes.split_at(ENTROPY);
        if check(entropy) != sum {
            return Err(refuse("has a mistake in it"));
        }
        let mut out = Zeroizing::new([0u8; ENTROPY]);
        out.copy_from_slice(entropy);
        Ok(Self { entropy: out })
    }

    /// The box's id and secret and the record key, derived with HKDF-SHA256.
    pub fn keys(&self) -> BoxKeys {
        let hk = Hkdf::<Sha256>::new(Some(b"peerline-sync-v1"), self.entropy.as_ref());
        let mut id = [0u8; 16];
        let mut secret = Zeroizing::new([0u8; 32]);
        let mut record_key = Zeroizing::new([0u8; 32]);
        // Lengths far below HKDF's limit: these cannot fail.
        let _ = hk.expand(b"box-id", &mut id);
        let _ = hk.expand(b"box-secret", secret.as_mut());
        let _ = hk.expand(b"record-key", record_key.as_mut());
        BoxKeys {
            box_id: hex(&id),
            box_secret: Zeroizing::new(hex(secret.as_ref())),
            record_key,
        }
    }
}

fn check(entropy: &[u8]) -> [u8; CHECK] {
    let digest = Sha256::digest(entropy);
    let mut out = [0u8; CHECK];
    out.copy_from_slice(&digest[..CHECK]);
    out
}

/// 20 bytes as 32 base32 digits (values), most significant bit first.
fn encode(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() * 8 / 5);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(ALPHABET[((acc >> bits) & 31) as usize]);
        }
    }
    acc.zeroize();
    out
}

/// 32 base32 digit values back to 20 bytes.
fn decode(digits: &[u8]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(digits.len() * 5 / 8));
    let (mut acc, mut bits) = (0u32, 0u32);
    for &d in digits {
        acc = (acc << 5) | u32::from(d);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((acc >> bits) & 0xff) as u8);
        }
    }
    acc.zeroize();
    out
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_as_written_and_yields_the_same_keys() {
        let code = RecoveryCode::generate();
        let shown = code.display();
        assert_eq!(shown.len(), 39);
        assert_eq!(shown.matches('-').count(), 7);
        let again = RecoveryCode::parse(&shown).unwrap();
        assert_eq!(again, code);
        let (a, b) = (code.keys(), again.keys());
        assert_eq!(a.box_id, b.box_id);
        assert_eq!(*a.box_secret, *b.box_secret);
        assert_eq!(*a.record_key, *b.record_key);
        assert_eq!(a.box_id.len(), 32);
        assert_eq!(a.box_secret.len(), 64);
        assert_ne!(a.box_id, a.box_secret[..32], "independent outputs");
    }

    #[test]
    fn typing_slips_people_make_are_forgiven() {
        let code = RecoveryCode::generate();
        let shown = code.display().to_lowercase().replace('-', " ");
        assert_eq!(RecoveryCode::parse(&shown).unwrap(), code);
        let confusable = code.display().replace('0', "O").replace('1', "l");
        assert_eq!(RecoveryCode::parse(&confusable).unwrap(), code);
    }

    #[test]
    fn a_mistake_is_caught_by_the_check() {
        let code = RecoveryCode::generate();
        let shown = code.display();
        let mut caught = 0;
        for (i, c) in shown.char_indices().filter(|(_, c)| *c != '-') {
            let other = if c == 'A' { 'B' } else { 'A' };
            let typo = format!("{}{other}{}", &shown[..i], &shown[i + 1..]);
            if RecoveryCode::parse(&typo).is_err() {
                caught += 1;
            }
        }
        assert_eq!(caught, 32, "every one-character slip is caught");
        assert!(RecoveryCode::parse("too short").is_err());
        assert!(RecoveryCode::parse(&format!("{}-AAAA", shown.as_str())).is_err());
        assert!(
            RecoveryCode::parse(&shown.replace('-', "U")).is_err(),
            "U is no digit"
        );
    }

    #[test]
    fn different_codes_open_different_boxes() {
        let (a, b) = (
            RecoveryCode::generate().keys(),
            RecoveryCode::generate().keys(),
        );
        assert_ne!(a.box_id, b.box_id);
        assert_ne!(*a.record_key, *b.record_key);
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let code = RecoveryCode::generate();
        let keys = code.keys();
        assert!(!format!("{code:?}").contains(&code.display()[..4]));
        assert!(!format!("{keys:?}").contains(keys.box_secret.as_str()));
    }
}
