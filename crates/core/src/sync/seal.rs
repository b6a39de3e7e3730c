//! Sealing sync records: XChaCha20-Poly1305 (a maintained AEAD, a random 192-bit nonce per
//! record) under the key the recovery code yields, with the box id and the record's kind as
//! associated data, so a record cannot be moved to another box or passed off as a snapshot.
//! The plaintext is padded to one of a few fixed sizes first: the relay sees which size, not
//! whether a note was long.

use chacha20poly1305::aead::{Aead as _, KeyInit as _, OsRng, Payload, rand_core::RngCore as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Format version, first byte of every sealed record.
const VERSION: u8 = 1;
const NONCE: usize = 24;
/// Sizes a padded plaintext takes (with its 4-byte length). Past the last, whole multiples
/// of it (a snapshot of a large vault).
pub const BUCKETS: [usize; 4] = [1024, 8 * 1024, 64 * 1024, 256 * 1024];

/// What a sealed blob is: bound into its authentication, so one cannot stand for the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Changes from one device.
    Record,
    /// Everything up to a point, replacing the records before it.
    Snapshot,
    /// The sync keys handed to a newly linked device (under the key the two devices agreed).
    Handover,
}

impl Kind {
    fn label(self) -> &'static [u8] {
        match self {
            Self::Record => b"record",
            Self::Snapshot => b"snapshot",
            Self::Handover => b"handover",
        }
    }
}

/// The padded size for `len` bytes of plaintext.
pub fn padded_len(len: usize) -> usize {
    let need = len + 4;
    let last = BUCKETS[BUCKETS.len() - 1];
    BUCKETS
        .iter()
        .copied()
        .find(|b| *b >= need)
        .unwrap_or_else(|| need.div_ceil(last) * last)
}

fn aad(box_id: &str, kind: Kind) -> Vec<u8> {
    let mut a = b"peerline-sync-v1\0".to_vec();
    a.extend_from_slice(box_id.as_bytes());
    a.push(0);
    a.extend_from_slice(kind.label());
    a
}

/// Pads and seals `plaintext` for the box `box_id`.
pub fn seal(key: &[u8; 32], box_id: &str, kind: Kind, plaintext: &[u8]) -> Result<Vec<u8>> {
    let len = u32::try_from(plaintext.len())
        .map_err(|_| Error::InvalidInput("That is too much to sync at once.".into()))?;
    let mut padded = Zeroizing::new(vec![0u8; padded_len(plaintext.len())]);
    padded[..4].copy_from_slice(&len.to_be_bytes());
    padded[4..4 + plaintext.len()].copy_from_slice(plaintext);
    let mut nonce = [0u8; NONCE];
    OsRng.fill_bytes(&mut nonce);
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: padded.as_slice(),
                aad: &aad(box_id, kind),
            },
        )
        .map_err(|_| Error::Internal)?;
    let mut out = Vec::with_capacity(1 + NONCE + sealed.len());
    out.push(VERSION);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// Opens what [`seal`] made for this box and kind; anything altered, truncated, from
/// another box or of the other kind is refused.
pub fn open(key: &[u8; 32], box_id: &str, kind: Kind, sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let refuse =
        || Error::NotAuthentic("A synced record is damaged or not from your devices.".into());
    if sealed.len() < 1 + NONCE + 16 || sealed[0] != VERSION {
        return Err(refuse());
    }
    let (nonce, body) = sealed[1..].split_at(NONCE);
    let cipher = XChaCha20Poly1305::new(key.into());
    let padded = Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad(box_id, kind),
                },
            )
            .map_err(|_| refuse())?,
    );
    let len = padded
        .get(..4)
        .and_then(|l| l.try_into().ok())
        .map(u32::from_be_bytes)
        .ok_or_else(refuse)? as usize;
    let plain = padded.get(4..4 + len).ok_or_else(refuse)?;
    Ok(Zeroizing::new(plain.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: [u8; 32] = [7; 32];
    const BOX: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn what_is_sealed_opens_and_only_its_length_bucket_shows() {
        for text in [&b""[..], b"mood 3", &[b'x'; 1020], &[b'y'; 5000]] {
            let sealed = seal(&KEY, BOX, Kind::Record, text).unwrap();
            assert_eq!(sealed.len(), 1 + 24 + padded_len(text.len()) + 16);
            assert_eq!(&*open(&KEY, BOX, Kind::Record, &sealed).unwrap(), text);
        }
        // A short note and a long one look the same to the relay.
        let a = seal(&KEY, BOX, Kind::Record, b"ok").unwrap();
        let b = seal(&KEY, BOX, Kind::Record, &[b'n'; 900]).unwrap();
        assert_eq!(a.len(), b.len());
        assert_eq!(padded_len(300_000), 512 * 1024);
    }

    #[test]
    fn tampered_moved_relabelled_or_truncated_records_are_refused() {
        let sealed = seal(&KEY, BOX, Kind::Record, b"a check-in").unwrap();
        let mut flipped = sealed.clone();
        flipped[40] ^= 1;
        assert!(open(&KEY, BOX, Kind::Record, &flipped).is_err());
        assert!(
            open(
                &KEY,
                "ffffffffffffffffffffffffffffffff",
                Kind::Record,
                &sealed
            )
            .is_err()
        );
        assert!(open(&KEY, BOX, Kind::Snapshot, &sealed).is_err());
        assert!(open(&[8; 32], BOX, Kind::Record, &sealed).is_err());
        assert!(open(&KEY, BOX, Kind::Record, &sealed[..sealed.len() - 1]).is_err());
        assert!(open(&KEY, BOX, Kind::Record, &sealed[..10]).is_err());
        assert!(open(&KEY, BOX, Kind::Record, &[]).is_err());
    }

    #[test]
    fn the_same_record_sealed_twice_looks_different() {
        let a = seal(&KEY, BOX, Kind::Record, b"same").unwrap();
        let b = seal(&KEY, BOX, Kind::Record, b"same").unwrap();
        assert_ne!(a, b, "a fresh nonce each time");
    }
}
