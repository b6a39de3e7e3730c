//! Talk to a peer: joining a team, the signed roster, the officer's encrypted requests
//! (with their outbox) and the peer supporter's inbox. See DESIGN.md, "Talk to a peer".
//!
//! Network calls are async and never hold the vault: each flow reads what it needs from
//! the vault, talks to the relay, then writes the outcome back, through [`VaultAccess`].

pub mod choose;
pub mod conversation;
pub mod events;
mod membership;
pub mod officer;
pub mod payload;
pub mod peer;
pub mod scheduled;
pub mod team;
pub mod tokens;

use std::sync::Mutex;

use crate::error::Result;
use crate::session::Session;
use crate::vault::Vault;

/// Short, locked access to the open vault, and the session's clock.
pub trait VaultAccess: Send + Sync {
    /// Runs `f` with the vault; errors if it is locked.
    fn with_vault<R>(&self, f: impl FnOnce(&mut Vault) -> Result<R>) -> Result<R>;
    /// Now, in Unix seconds: the session's (injectable) clock; the device clock for
    /// accesses that have no session.
    fn now(&self) -> i64 {
        chrono::Utc::now().timestamp()
    }
}

impl VaultAccess for Mutex<Session> {
    fn with_vault<R>(&self, f: impl FnOnce(&mut Vault) -> Result<R>) -> Result<R> {
        let mut s = self.lock().unwrap_or_else(|p| p.into_inner());
        f(s.vault_mut()?)
    }

    fn now(&self) -> i64 {
        let s = self.lock().unwrap_or_else(|p| p.into_inner());
        s.clock().now().timestamp()
    }
}
