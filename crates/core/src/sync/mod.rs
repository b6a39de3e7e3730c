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
//! - [`round`]: one round with the box (upload what changed, or a cover upload; take in the
//!   others' uploads and any snapshot; compact the box when its records outweigh the
//!   snapshot), turning sync on (the recovery code) and restoring on a new phone.
//! - [`link`]: linking a new device from one that has sync, with a code the officer
//!   confirms and keys the relay cannot learn.
//!
//! - [`devices`]: the officer's devices, each with its own key, and removing one: the
//!   records move to a new box whose keys are sealed to the devices that stay.

pub mod code;
pub mod devices;
pub mod hlc;
pub mod link;
pub mod local;
pub mod merge;
pub mod records;
pub mod round;
pub mod seal;
