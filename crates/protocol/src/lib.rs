//! Wire types shared by the Peerline app and the relay.
//!
//! This crate does no I/O and holds no secrets: it is the only code the relay and the
//! app have in common, so anything here may be seen by both sides.
#![deny(missing_docs)]

mod error_body;

pub use error_body::ErrorBody;
