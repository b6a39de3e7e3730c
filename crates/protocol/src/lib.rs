//! Wire types shared by the Peerline app and the relay.
//!
//! This crate does no I/O and holds no secrets: it is the only code the relay and the
//! app have in common, so anything here may be seen by both sides. Signatures are made and
//! checked on each side with its own crypto; this crate only defines the exact bytes signed.
#![deny(missing_docs)]

pub mod auth;
pub mod b64;
pub mod documents;
pub mod endpoints;
mod error_body;
mod error_code;
pub mod figures;
pub mod invite;
pub mod relay;
pub mod wire_int;

pub use error_body::ErrorBody;
pub use error_code::ErrorCode;

#[cfg(test)]
mod roundtrip_tests;
