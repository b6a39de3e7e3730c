//! Peerline's engine. Everything the app does lives here and is testable with `cargo test`;
//! the Tauri shell only maps commands onto it. This crate knows nothing of Tauri.
#![deny(missing_docs)]

pub mod backup;
pub mod checkins;
pub mod clock;
pub mod coordinator;
pub mod directory;
pub mod engine;
mod error;
pub mod export;
pub mod followup;
mod ids;
mod passphrase;
pub mod reminders;
pub mod safety_plan;
pub mod screeners;
pub mod session;
pub mod settings;
pub mod sync;
pub mod talk;
pub mod trends;
pub mod vault;

pub use error::{Error, Result};
pub use ids::random_id;
