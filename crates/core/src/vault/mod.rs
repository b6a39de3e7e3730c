//! The encrypted vault: SQLCipher with a random raw key, kept in the OS credential store or
//! wrapped under the officer's passcode. See DESIGN.md, "Vault".

mod db;
pub mod files;
mod key;
pub mod keystore;
pub mod meta;
mod migrations;
pub mod throttle;
pub mod wrap;

pub use db::Vault;
pub use key::VaultKey;
pub use migrations::LATEST as SCHEMA_VERSION;
pub(crate) use migrations::migrations;
