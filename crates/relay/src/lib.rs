//! Peerline's blind relay. It stores and forwards ciphertext and routing metadata only; it
//! holds no key that could decrypt a request, and it does not link to the app's engine.
#![deny(missing_docs)]

mod auth;
pub mod error;
pub mod hub;
mod ids;
pub mod push;
mod routes;
pub mod server;
pub mod state;
pub mod storage;
mod tasks;

pub use error::RelayError;
pub use server::{Database, RunningRelay, ServeConfig, StartError, TlsFiles, start};
pub use state::Limits;

/// The relay's published contract (OpenAPI 3.1), as served at `/v1/openapi.json`.
pub fn openapi_document() -> serde_json::Value {
    routes::openapi::document()
}
