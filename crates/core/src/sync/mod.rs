//! Sync of the officer's own record between their own devices, through the team's relay as
//! a blind box (#18). This is the part that holds the rules, and it needs no vault and no
//! network:
//!
//! - [`code`]: the recovery code (128 random bits and a check) and the keys it yields: the
//!   box's id and secret, and the key records are sealed with. The code alone (plus the
//!   relay's address from an invite) finds and opens everything synced.
//! - [`seal`]: records sealed with XChaCha20-Poly1305, bound to their box and kind, padded
//!   to a few fixed sizes so the relay learns little from their length.
//! - [`hlc`]: a hybrid logical clock, so every device orders edits the same way.
//! - [`merge`]: which version of a record wins: the newest edit by clock; a delete is final.
//!   Every device that has seen the same changes holds the same records, whatever order
//!   they came in and however often.
//!
//! And the vault's side, check-ins first:
//!
//! - [`local`]: whether sync is on, this device's clock and queue, and the stamp of every
//!   synced record (deletes kept as tombstones); the record modules report their writes.
//! - [`records`]: each synced kind as a change, and how another device's change is written.
//! - [`round`]: one round with the box (upload what changed, take in the others' uploads),
//!   turning sync on (the recovery code) and restoring on a new phone.
//!
//! The engine's sync job (at moments out of step with writes, with cover uploads),
//! compaction, linking and unlinking, and the screens come next (see the issue).

pub mod code;
pub mod hlc;
pub mod link;
pub mod local;
pub mod merge;
pub mod records;
pub mod round;
pub mod seal;
