//! `vault.json`: what must be readable before the vault is open — which custody holds the
//! key, the passcode-wrapped key if any, lock settings and the attempt throttle. It holds no
//! secret in the clear. Written atomically (temp file, fsync, rename) so a crash or a full
//! disk leaves the previous version intact.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::throttle::Throttle;
use super::wrap::WrappedKey;
use crate::error::{Error, Result};

/// Where the vault key is kept between runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Custody {
    /// The OS credential store holds the key; a passcode is optional (app lock).
    CredentialStore,
    /// No credential store works here: the key exists on disk only wrapped under the passcode.
    Passcode,
}

/// Whether the vault finished being created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    /// Creation started but did not finish; leftovers are cleaned up at next start.
    Creating,
    /// The database exists and is ours.
    Ready,
}

/// The metadata file's contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    /// File format version.
    pub format: u32,
    /// Random id naming this vault's credential-store entry and binding its wrapped key.
    pub vault_id: String,
    /// Creation progress.
    pub lifecycle: Lifecycle,
    /// Key custody chosen at creation.
    pub custody: Custody,
    /// The vault key under the passcode: the only custody in `Passcode` mode, the app lock
    /// and recovery copy in `CredentialStore` mode.
    pub wrapped_key: Option<WrappedKey>,
    /// Lock after this many minutes in the background (needs a passcode).
    pub auto_lock_minutes: Option<u32>,
    /// Wrong-passcode bookkeeping.
    #[serde(default)]
    pub throttle: Throttle,
    /// The daily check-in reminder. Kept here, outside the vault, so it can fire while the
    /// app is locked; it holds a time of day and a date, nothing about the officer's health.
    #[serde(default)]
    pub reminder: crate::reminders::ReminderState,
    /// Moments of follow-up check-in prompts still to come: bare local times, no label
    /// (what they follow up is in the vault).
    #[serde(default)]
    pub prompts: crate::followup::Prompts,
    /// The safety plan, kept readable while the app is locked, only when the officer chose
    /// it (in plain text here: the screen says what that means). Off by default.
    #[serde(default, skip_serializing_if = "LockedPlan::is_off")]
    pub locked_plan: LockedPlan,
}

/// The officer's choice to keep the safety plan readable while locked, and the copy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockedPlan {
    /// Chosen.
    pub on: bool,
    /// The plan as last saved, and when (none while the officer has none).
    pub plan: Option<(crate::safety_plan::SafetyPlan, String)>,
}

impl LockedPlan {
    fn is_off(&self) -> bool {
        !self.on
    }
}

/// The metadata format this build writes and reads.
pub const FORMAT: u32 = 1;

impl Meta {
    /// Reads the file; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::from_io(e)),
        };
        let meta: Self = serde_json::from_slice(&bytes)
            .map_err(|e| Error::MetaCorrupt(format!("{} is not readable ({e})", display(path))))?;
        if meta.format != FORMAT {
            return Err(Error::MetaCorrupt(format!(
                "{} has format {} and this app reads {FORMAT}",
                display(path),
                meta.format
            )));
        }
        Ok(Some(meta))
    }

    /// Replaces the file atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::MetaCorrupt(format!("could not encode settings: {e}")))?;
        super::files::write_private_atomically(path, &json)
    }
}

fn display(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}
