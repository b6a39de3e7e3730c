//! The vault's life in the app: set up, locked, open, damaged — and every move between them
//! (create, unlock, lock, auto-lock, passcode changes, erase). The Tauri shell holds one
//! `Session` and maps its commands onto these methods.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;
use tracing::{info, warn};

use crate::clock::{Clock, SystemClock};
use crate::error::{Error, Result};
use crate::ids::random_id;
use crate::vault::files::{self, VaultPaths};
use crate::vault::keystore::{CredentialStore, StoreError};
use crate::vault::meta::{Custody, Lifecycle, Meta};
use crate::vault::wrap::{KdfParams, UnwrapError, WrappedKey};
use crate::vault::{Vault, VaultKey};

mod followup;
mod plan;
mod reminder;

/// Shortest passcode accepted, in characters. Six is what phones ask for; a longer one is
/// encouraged in the UI because on a box with no credential store it is all there is.
pub const MIN_PASSCODE_LEN: usize = 6;
/// Longest auto-lock delay offered, in minutes.
pub const MAX_AUTO_LOCK_MINUTES: u32 = 240;
/// Auto-lock delay set when an app lock is first turned on.
pub const DEFAULT_AUTO_LOCK_MINUTES: u32 = 5;

/// How the session is set up.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// Where the vault's files live.
    pub data_dir: PathBuf,
    /// Argon2id cost for new wrapped keys.
    pub kdf: KdfParams,
    /// The credential store, already probed (`Err` holds why none works here).
    pub store: std::result::Result<CredentialStore, String>,
}

impl SessionConfig {
    /// The usual set-up: probe the platform credential store under Peerline's service name.
    pub fn probe(data_dir: impl Into<PathBuf>) -> Self {
        let store = probe_with_timeout(PROBE_TIMEOUT);
        if let Err(why) = &store {
            info!(reason = %why, "no usable credential store; the vault key will be passcode-wrapped");
        }
        Self {
            data_dir: data_dir.into(),
            kdf: KdfParams::DEFAULT,
            store,
        }
    }
}

/// How long the credential store may take to answer the start-up self-test. A store that
/// wants to show a prompt nobody can see (a headless box with a keyring daemon but no
/// unlocked keyring) would otherwise hang the app before its first screen.
pub const PROBE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(8);

fn probe_with_timeout(
    timeout: std::time::Duration,
) -> std::result::Result<CredentialStore, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("credential-store-probe".into())
        .spawn(move || {
            let _ = tx.send(CredentialStore::probe(CredentialStore::SERVICE));
        });
    if spawned.is_err() {
        return Err("could not start the credential-store check".into());
    }
    rx.recv_timeout(timeout).unwrap_or_else(|_| {
        Err(format!(
            "the credential store did not answer within {} s",
            timeout.as_secs()
        ))
    })
}

/// Why the vault is locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LockReason {
    /// The officer turned on the app lock (or it locked itself after time in the background).
    AppLock,
    /// No credential store here: the passcode is what holds the key.
    PasscodeCustody,
}

/// What the UI needs to know to pick a screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VaultStatus {
    /// No vault yet: onboarding.
    New {
        /// Whether the OS credential store works; when false a passcode is required.
        credential_store: bool,
        /// Shortest passcode accepted.
        min_passcode_len: u32,
    },
    /// The vault exists and needs the passcode.
    Locked {
        /// Why.
        reason: LockReason,
        /// Seconds before another attempt is allowed, if waiting.
        retry_after_secs: Option<u64>,
    },
    /// The vault is open.
    Unlocked {
        /// Where the key is kept.
        custody: Custody,
        /// Whether a passcode (app lock) is set.
        app_lock: bool,
        /// Auto-lock delay in minutes, when the app lock is on.
        auto_lock_minutes: Option<u32>,
    },
    /// The vault (or its settings file) is damaged; nothing was touched.
    Damaged {
        /// What was found and what can be done.
        message: String,
    },
    /// The key is gone and cannot be recovered.
    KeyMissing {
        /// Explanation and the way out.
        message: String,
    },
    /// Something outside the vault failed (credential store down, disk error); retry.
    Unavailable {
        /// Stable error code.
        code: String,
        /// Explanation and what to try.
        message: String,
    },
}

enum State {
    New,
    Locked(LockReason),
    Open { vault: Vault, key: VaultKey },
    Damaged(String),
    KeyMissing(String),
    Unavailable(Error),
}

/// The app's one handle on its vault.
pub struct Session {
    paths: VaultPaths,
    kdf: KdfParams,
    store: std::result::Result<CredentialStore, String>,
    clock: Arc<dyn Clock>,
    meta: Option<Meta>,
    state: State,
    backgrounded_at: Option<i64>,
    /// A device link under way (in memory only: a locked or restarted app has none).
    link: Option<Box<crate::sync::link::Pending>>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("dir", &self.paths.dir())
            .field("status", &self.status())
            .finish()
    }
}

impl Session {
    /// The device link under way, if any.
    pub fn link(&self) -> Option<&crate::sync::link::Pending> {
        self.link.as_deref()
    }

    pub(crate) fn link_mut(&mut self) -> Option<&mut crate::sync::link::Pending> {
        self.link.as_deref_mut()
    }

    /// Replaces the link under way; the one it replaces.
    pub(crate) fn set_link(
        &mut self,
        link: Option<Box<crate::sync::link::Pending>>,
    ) -> Option<Box<crate::sync::link::Pending>> {
        std::mem::replace(&mut self.link, link)
    }

    /// Starts a session on the device clock.
    pub fn start(config: SessionConfig) -> Self {
        Self::start_with_clock(config, Arc::new(SystemClock))
    }

    /// Starts a session with a given clock. Never fails: problems become a status the UI
    /// can show (damaged, key missing, unavailable), so the app always has a screen.
    pub fn start_with_clock(config: SessionConfig, clock: Arc<dyn Clock>) -> Self {
        let mut s = Self {
            paths: VaultPaths::new(config.data_dir),
            kdf: config.kdf,
            store: config.store,
            clock,
            meta: None,
            state: State::New,
            backgrounded_at: None,
            link: None,
        };
        s.state = s.initial_state();
        s
    }

    /// Re-reads the files and the credential store (after "try again").
    pub fn retry(&mut self) -> VaultStatus {
        if !matches!(self.state, State::Open { .. }) {
            self.state = self.initial_state();
        }
        self.status()
    }

    fn initial_state(&mut self) -> State {
        self.meta = None;
        let meta = match Meta::load(&self.paths.meta()) {
            Ok(m) => m,
            Err(e @ Error::MetaCorrupt(_)) => return State::Damaged(e.to_string()),
            Err(e) => return State::Unavailable(e),
        };
        let Some(meta) = meta else {
            if self.paths.db_files().iter().any(|p| p.exists()) {
                return State::Damaged(
                    Error::MetaCorrupt(
                        "vault.json is missing but the vault database is still there".into(),
                    )
                    .to_string(),
                );
            }
            return State::New;
        };
        if meta.lifecycle == Lifecycle::Creating {
            // Set-up was interrupted before anything was saved in the vault: clear the
            // half-made files so the officer can start again.
            self.discard_unfinished(&meta);
            return State::New;
        }
        let has_wrapped = meta.wrapped_key.is_some();
        let custody = meta.custody;
        self.meta = Some(meta);
        match (custody, has_wrapped) {
            (Custody::Passcode, true) => State::Locked(LockReason::PasscodeCustody),
            (Custody::CredentialStore, true) => State::Locked(LockReason::AppLock),
            (Custody::Passcode, false) => State::Damaged(
                Error::MetaCorrupt("the passcode-protected key is missing from vault.json".into())
                    .to_string(),
            ),
            (Custody::CredentialStore, false) => self.open_from_store(),
        }
    }

    fn open_from_store(&mut self) -> State {
        let Some(vault_id) = self.meta.as_ref().map(|m| m.vault_id.clone()) else {
            return State::New;
        };
        let store = match &self.store {
            Ok(s) => s,
            Err(why) => return State::Unavailable(Error::CredentialStore(why.clone())),
        };
        match store.load_key(&vault_id) {
            // The store says an app lock is on but vault.json has no passcode copy: the file
            // was edited outside the app. Opening would skip the lock, so do not.
            Ok((_, true)) => State::Damaged(
                Error::MetaCorrupt(
                    "the app lock was removed from vault.json outside the app, so the vault stays closed"
                        .into(),
                )
                .to_string(),
            ),
            Ok((key, false)) => self.open_with_key(key),
            Err(StoreError::NoEntry) => State::KeyMissing(Error::KeyMissing.to_string()),
            Err(StoreError::Unavailable(why)) => State::Unavailable(Error::CredentialStore(why)),
        }
    }

    fn open_with_key(&mut self, key: VaultKey) -> State {
        match Vault::open(&self.paths.db(), &key) {
            Ok(vault) => State::Open { vault, key },
            Err(e @ Error::VaultCorrupt { .. }) => {
                warn!("vault failed its integrity check at open");
                State::Damaged(e.to_string())
            }
            Err(e) => State::Unavailable(e),
        }
    }

    /// What the UI should show.
    pub fn status(&self) -> VaultStatus {
        match &self.state {
            State::New => VaultStatus::New {
                credential_store: self.store.is_ok(),
                min_passcode_len: MIN_PASSCODE_LEN as u32,
            },
            State::Locked(reason) => VaultStatus::Locked {
                reason: *reason,
                retry_after_secs: self
                    .meta
                    .as_ref()
                    .and_then(|m| m.throttle.retry_after(self.now_unix())),
            },
            State::Open { .. } => {
                let (custody, app_lock, auto) = self
                    .meta
                    .as_ref()
                    .map(|m| (m.custody, m.wrapped_key.is_some(), m.auto_lock_minutes))
                    .unwrap_or((Custody::CredentialStore, false, None));
                VaultStatus::Unlocked {
                    custody,
                    app_lock,
                    auto_lock_minutes: if app_lock { auto } else { None },
                }
            }
            State::Damaged(message) => VaultStatus::Damaged {
                message: message.clone(),
            },
            State::KeyMissing(message) => VaultStatus::KeyMissing {
                message: message.clone(),
            },
            State::Unavailable(e) => VaultStatus::Unavailable {
                code: e.code().to_owned(),
                message: e.to_string(),
            },
        }
    }

    /// Sets up a new vault. With a working credential store the passcode is optional (it
    /// becomes the app lock); without one it is required and is what protects the key.
    pub fn create(&mut self, passcode: Option<&str>) -> Result<VaultStatus> {
        if !matches!(self.state, State::New) {
            return Err(Error::VaultExists);
        }
        if let Some(p) = passcode {
            check_new_passcode(p)?;
        }
        let custody = match (&self.store, passcode) {
            (Ok(_), _) => Custody::CredentialStore,
            (Err(_), Some(_)) => Custody::Passcode,
            (Err(_), None) => {
                return Err(Error::PasscodeRequired(
                    "This device has no working credential store, so your vault needs a passcode to protect it.",
                ));
            }
        };
        files::ensure_private_dir(self.paths.dir()).map_err(Error::from_io)?;
        let vault_id = random_id();
        let key = VaultKey::generate();
        let wrapped_key = match passcode {
            Some(p) => Some(self.seal(&key, p, &vault_id)?),
            None => None,
        };
        let mut meta = Meta {
            format: crate::vault::meta::FORMAT,
            vault_id: vault_id.clone(),
            lifecycle: Lifecycle::Creating,
            custody,
            auto_lock_minutes: wrapped_key.as_ref().map(|_| DEFAULT_AUTO_LOCK_MINUTES),
            wrapped_key,
            throttle: Default::default(),
            reminder: Default::default(),
            prompts: Default::default(),
            locked_plan: Default::default(),
        };
        meta.save(&self.paths.meta())?;
        let made = (|| -> Result<Vault> {
            if let (Custody::CredentialStore, Ok(store)) = (custody, &self.store) {
                store
                    .store_key(&vault_id, &key, passcode.is_some())
                    .map_err(|e| Error::CredentialStore(store_reason(e)))?;
            }
            let vault = Vault::create(&self.paths.db(), &key)?;
            meta.lifecycle = Lifecycle::Ready;
            meta.save(&self.paths.meta())?;
            Ok(vault)
        })();
        match made {
            Ok(vault) => {
                info!(custody = ?custody, "vault created");
                self.meta = Some(meta);
                self.state = State::Open { vault, key };
                Ok(self.status())
            }
            Err(e) => {
                self.discard_unfinished(&meta);
                Err(e)
            }
        }
    }

    fn discard_unfinished(&self, meta: &Meta) {
        if let Ok(store) = &self.store {
            let _ = store.delete_key(&meta.vault_id);
        }
        for p in self.paths.db_files() {
            let _ = files::remove_entry(&p);
        }
        let _ = files::remove_entry(&self.paths.meta());
    }

    /// Opens the vault with the passcode. Wrong attempts are counted before checking and
    /// throttled with growing waits that survive a restart.
    pub fn unlock(&mut self, passcode: &str) -> Result<VaultStatus> {
        match self.state {
            State::Locked(_) => {}
            State::Open { .. } => return Ok(self.status()),
            State::New => return Err(Error::NoVault),
            _ => {
                return Err(Error::InvalidInput(
                    "The vault cannot be unlocked in its current state.".into(),
                ));
            }
        }
        let key = self.check_passcode(passcode)?;
        let meta = self.meta.as_ref().ok_or(Error::NoVault)?;
        if meta.custody == Custody::CredentialStore {
            self.restore_key_to_store(&meta.vault_id.clone(), &key);
        }
        match Vault::open(&self.paths.db(), &key) {
            Ok(vault) => {
                self.state = State::Open { vault, key };
                self.backgrounded_at = None;
                Ok(self.status())
            }
            Err(e @ Error::VaultCorrupt { .. }) => {
                self.state = State::Damaged(e.to_string());
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Unlocks with the key from the credential store, skipping the passcode. Only for the
    /// mobile shell, after the platform has verified the officer (face or fingerprint);
    /// with passcode custody there is no stored key, so this is refused.
    pub fn unlock_after_device_auth(&mut self) -> Result<VaultStatus> {
        if !matches!(self.state, State::Locked(LockReason::AppLock)) {
            return Err(Error::InvalidInput(
                "Face or fingerprint unlock is not available for this vault; use your passcode."
                    .into(),
            ));
        }
        let state = self.open_from_store();
        match state {
            State::Open { .. } => {
                self.state = state;
                self.backgrounded_at = None;
                Ok(self.status())
            }
            State::KeyMissing(_) => Err(Error::KeyMissing),
            State::Damaged(detail) => {
                self.state = State::Damaged(detail.clone());
                Err(Error::VaultCorrupt { detail })
            }
            State::Unavailable(e) => Err(e),
            _ => Err(Error::Locked),
        }
    }

    /// If the credential store lost the key (deleted behind our back), put it back after a
    /// passcode recovery so the next start does not need the passcode copy.
    fn restore_key_to_store(&self, vault_id: &str, key: &VaultKey) {
        let Ok(store) = &self.store else { return };
        match store.load_key(vault_id) {
            Ok(_) => {}
            Err(StoreError::NoEntry) => match store.store_key(vault_id, key, true) {
                Ok(()) => {
                    info!("vault key restored to the credential store from the passcode copy")
                }
                Err(e) => {
                    warn!(reason = %store_reason(e), "could not restore the vault key to the credential store")
                }
            },
            Err(StoreError::Unavailable(why)) => {
                warn!(reason = %why, "credential store unavailable while unlocking with the passcode")
            }
        }
    }

    /// Verifies `passcode` against the wrapped key, with throttling. Returns the vault key.
    fn check_passcode(&mut self, passcode: &str) -> Result<VaultKey> {
        let now = self.now_unix();
        let meta_path = self.paths.meta();
        let meta = self.meta.as_mut().ok_or(Error::NoVault)?;
        let Some(wrapped) = meta.wrapped_key.clone() else {
            return Err(Error::PasscodeRequired(
                "No passcode is set for this vault.",
            ));
        };
        // A damaged blob is damage, not a wrong guess: do not count it.
        if let Err(UnwrapError::Malformed(why)) = wrapped.check_shape() {
            return Err(Error::MetaCorrupt(format!(
                "the passcode-protected key in vault.json is unusable ({why})"
            )));
        }
        // An attempt recorded "in the future" (a clock that was set ahead) counts from now,
        // so a wrong clock can neither skip the wait nor stretch it forever.
        if meta.throttle.last_attempt_unix > now {
            meta.throttle.last_attempt_unix = now;
        }
        if let Some(retry_after_secs) = meta.throttle.retry_after(now) {
            return Err(Error::TooManyAttempts { retry_after_secs });
        }
        meta.throttle.begin_attempt(now);
        match meta.save(&meta_path) {
            Ok(()) => {}
            // On a full disk the count stays in memory for this run: refusing to unlock
            // would lock the officer out of records they most need, and Argon2id still
            // makes every guess slow.
            Err(Error::DiskFull) => warn!("disk full: the attempt count is kept in memory only"),
            Err(e) => return Err(e),
        }
        match wrapped.open(passcode, meta.vault_id.as_bytes()) {
            Ok(key) => {
                meta.throttle.succeeded();
                if let Err(e) = meta.save(&meta_path) {
                    warn!(code = e.code(), "could not clear the attempt count");
                }
                Ok(key)
            }
            Err(UnwrapError::WrongPasscode) => {
                info!(failures = meta.throttle.failures, "wrong passcode");
                Err(Error::WrongPasscode)
            }
            Err(UnwrapError::Malformed(why)) => Err(Error::MetaCorrupt(format!(
                "the passcode-protected key in vault.json is unusable ({why})"
            ))),
        }
    }

    /// Locks now: closes the database and forgets the key. Needs a passcode to be set,
    /// or there would be nothing to unlock with.
    pub fn lock(&mut self) -> Result<VaultStatus> {
        let State::Open { .. } = self.state else {
            return Ok(self.status());
        };
        let reason = match self.meta.as_ref() {
            Some(m) if m.wrapped_key.is_some() => match m.custody {
                Custody::Passcode => LockReason::PasscodeCustody,
                Custody::CredentialStore => LockReason::AppLock,
            },
            _ => {
                return Err(Error::PasscodeRequired(
                    "Set a passcode in Settings first; the app lock needs one.",
                ));
            }
        };
        if let State::Open { vault, key } =
            std::mem::replace(&mut self.state, State::Locked(reason))
        {
            let _ = vault.checkpoint();
            if let Err(e) = vault.close() {
                warn!(code = e.code(), "closing the vault reported an error");
            }
            drop(key);
        }
        self.backgrounded_at = None;
        // A link hands over the sync keys only from an open vault.
        self.link = None;
        Ok(self.status())
    }

    /// Sets or changes the passcode. Changing needs the current one.
    pub fn set_passcode(&mut self, current: Option<&str>, new: &str) -> Result<VaultStatus> {
        self.require_open()?;
        check_new_passcode(new)?;
        let has_passcode = self.meta.as_ref().is_some_and(|m| m.wrapped_key.is_some());
        if has_passcode {
            let current = current.ok_or(Error::PasscodeRequired(
                "Enter your current passcode to change it.",
            ))?;
            self.check_passcode(current)?;
        }
        let (vault_id, key) = match (&self.state, &self.meta) {
            (State::Open { key, .. }, Some(m)) => (m.vault_id.clone(), key.clone()),
            _ => return Err(Error::Locked),
        };
        let wrapped = self.seal(&key, new, &vault_id)?;
        let meta_path = self.paths.meta();
        let meta = self.meta.as_mut().ok_or(Error::NoVault)?;
        let before = meta.clone();
        meta.wrapped_key = Some(wrapped);
        if meta.auto_lock_minutes.is_none() {
            meta.auto_lock_minutes = Some(DEFAULT_AUTO_LOCK_MINUTES);
        }
        if let Err(e) = meta.save(&meta_path) {
            *meta = before;
            return Err(e);
        }
        // Then mark the lock in the credential store (the file first, so a crash between
        // the two leaves a vault that asks for the passcode, never one that skips it).
        if meta.custody == Custody::CredentialStore
            && let Ok(store) = &self.store
            && let Err(e) = store.store_key(&vault_id, &key, true)
        {
            warn!(reason = %store_reason(e), "could not mark the app lock in the credential store");
        }
        Ok(self.status())
    }

    /// Turns the app lock off (credential-store custody only: without a store the passcode
    /// is what protects the key, so it can be changed but not removed).
    pub fn remove_passcode(&mut self, current: &str) -> Result<VaultStatus> {
        self.require_open()?;
        if self.meta.as_ref().map(|m| m.custody) == Some(Custody::Passcode) {
            return Err(Error::PasscodeRequired(
                "On this device the passcode is what protects your vault, so it can be changed but not turned off.",
            ));
        }
        self.check_passcode(current)?;
        let (vault_id, key) = match (&self.state, &self.meta) {
            (State::Open { key, .. }, Some(m)) => (m.vault_id.clone(), key.clone()),
            _ => return Err(Error::Locked),
        };
        // Clear the lock mark in the store first; put it back if the file cannot be saved.
        let store = self
            .store
            .as_ref()
            .map_err(|why| Error::CredentialStore(why.clone()))?;
        store
            .store_key(&vault_id, &key, false)
            .map_err(|e| Error::CredentialStore(store_reason(e)))?;
        let meta_path = self.paths.meta();
        let meta = self.meta.as_mut().ok_or(Error::NoVault)?;
        let before = meta.clone();
        meta.wrapped_key = None;
        meta.auto_lock_minutes = None;
        if let Err(e) = meta.save(&meta_path) {
            *meta = before;
            let _ = store.store_key(&vault_id, &key, true);
            return Err(e);
        }
        Ok(self.status())
    }

    /// Sets how long the app may sit in the background before it locks (`None`: never).
    pub fn set_auto_lock(&mut self, minutes: Option<u32>) -> Result<VaultStatus> {
        self.require_open()?;
        if let Some(m) = minutes {
            if m > MAX_AUTO_LOCK_MINUTES {
                return Err(Error::InvalidInput(format!(
                    "Auto-lock can be at most {MAX_AUTO_LOCK_MINUTES} minutes."
                )));
            }
            if self.meta.as_ref().is_none_or(|m| m.wrapped_key.is_none()) {
                return Err(Error::PasscodeRequired(
                    "Set a passcode first; auto-lock needs one to unlock with.",
                ));
            }
        }
        let meta_path = self.paths.meta();
        let meta = self.meta.as_mut().ok_or(Error::NoVault)?;
        let before = meta.auto_lock_minutes;
        meta.auto_lock_minutes = minutes;
        if let Err(e) = meta.save(&meta_path) {
            meta.auto_lock_minutes = before;
            return Err(e);
        }
        Ok(self.status())
    }

    /// The app went to the background (window hidden or unfocused, phone app switched).
    pub fn app_backgrounded(&mut self) {
        if matches!(self.state, State::Open { .. }) && self.backgrounded_at.is_none() {
            self.backgrounded_at = Some(self.now_unix());
        }
        self.check_auto_lock();
    }

    /// The app came back to the foreground. Locks first if it was away too long.
    pub fn app_foregrounded(&mut self) -> VaultStatus {
        self.check_auto_lock();
        self.backgrounded_at = None;
        self.status()
    }

    /// Called when the auto-lock deadline comes, so the lock happens on time even if the
    /// app is never brought back.
    pub fn tick(&mut self) {
        self.check_auto_lock();
    }

    /// When the vault will lock itself (Unix seconds): set while the app is in the
    /// background with the vault open and an app lock with a delay.
    pub fn auto_lock_at(&self) -> Option<i64> {
        if !matches!(self.state, State::Open { .. }) {
            return None;
        }
        let since = self.backgrounded_at?;
        let minutes = self
            .meta
            .as_ref()
            .filter(|m| m.wrapped_key.is_some())
            .and_then(|m| m.auto_lock_minutes)?;
        Some(since.saturating_add(i64::from(minutes) * 60))
    }

    fn check_auto_lock(&mut self) {
        let Some(at) = self.auto_lock_at() else {
            return;
        };
        if self.now_unix() >= at {
            if let Err(e) = self.lock() {
                warn!(code = e.code(), "auto-lock failed");
            } else {
                info!("auto-locked after time in the background");
            }
        }
    }

    /// Erase everything: the key from every custody and every file of the vault (damaged
    /// copies set aside included). Works from any state, the lock screen too — it reveals
    /// nothing, and it is the way out for a forgotten passcode.
    pub fn erase_everything(&mut self) -> Result<VaultStatus> {
        let state = std::mem::replace(&mut self.state, State::New);
        if let State::Open { vault, key } = state {
            let _ = vault.close();
            drop(key);
        }
        let mut vault_ids: Vec<String> = self.meta.take().map(|m| m.vault_id).into_iter().collect();
        let entries = self
            .paths
            .existing_vault_entries()
            .map_err(Error::from_io)?;
        for entry in &entries {
            if entry.is_dir()
                && let Ok(Some(m)) = Meta::load(&entry.join(files::META_FILE))
            {
                vault_ids.push(m.vault_id);
            }
        }
        if let Ok(Some(m)) = Meta::load(&self.paths.meta()) {
            vault_ids.push(m.vault_id);
        }
        vault_ids.sort();
        vault_ids.dedup();
        // Keys first: once they are gone the files are noise even if a delete below fails.
        if let Ok(store) = &self.store {
            for id in &vault_ids {
                if let Err(e) = store.delete_key(id) {
                    warn!(reason = %store_reason(e), "could not delete a vault key from the credential store");
                }
            }
        }
        let mut failed = None;
        for entry in &entries {
            if let Err(e) = files::remove_entry(entry) {
                failed.get_or_insert(e);
            }
        }
        self.backgrounded_at = None;
        if let Some(e) = failed {
            // Say so, and show what is left rather than a fresh start that is not one.
            self.state = self.initial_state();
            return Err(Error::from_io(e));
        }
        info!("vault erased");
        Ok(self.status())
    }

    /// Moves a damaged vault into `damaged-<time>/` beside it, so a new vault can be made
    /// without destroying what might still be recovered. Its key stays in the store.
    pub fn set_aside_damaged(&mut self) -> Result<VaultStatus> {
        if !matches!(self.state, State::Damaged(_)) {
            return Err(Error::InvalidInput(
                "Only a damaged vault can be set aside.".into(),
            ));
        }
        let aside = self
            .paths
            .dir()
            .join(format!("{}{}", files::DAMAGED_PREFIX, self.now_unix()));
        std::fs::create_dir_all(&aside).map_err(Error::from_io)?;
        for entry in self
            .paths
            .existing_vault_entries()
            .map_err(Error::from_io)?
        {
            let is_vault_file = entry
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("vault."));
            if is_vault_file && let Some(name) = entry.file_name() {
                std::fs::rename(&entry, aside.join(name)).map_err(Error::from_io)?;
            }
        }
        self.meta = None;
        self.state = State::New;
        Ok(self.status())
    }

    /// The open vault, for the modules that keep records in it.
    pub fn vault(&self) -> Result<&Vault> {
        match &self.state {
            State::Open { vault, .. } => Ok(vault),
            State::New => Err(Error::NoVault),
            _ => Err(Error::Locked),
        }
    }

    /// The open vault, mutably (transactions).
    pub fn vault_mut(&mut self) -> Result<&mut Vault> {
        match &mut self.state {
            State::Open { vault, .. } => Ok(vault),
            State::New => Err(Error::NoVault),
            _ => Err(Error::Locked),
        }
    }

    /// The clock this session runs on, shared (the engine schedules on it).
    pub fn clock_handle(&self) -> Arc<dyn Clock> {
        self.clock.clone()
    }

    /// The clock this session runs on.
    pub fn clock(&self) -> &dyn Clock {
        self.clock.as_ref()
    }

    /// The data directory.
    pub fn data_dir(&self) -> &std::path::Path {
        self.paths.dir()
    }

    /// The settings file as last read or written (`None` before a vault exists).
    pub(crate) fn meta(&self) -> Option<&Meta> {
        self.meta.as_ref()
    }

    /// Changes the settings file and writes it; on a failed write the change is undone, so
    /// memory never says something the disk does not.
    pub(crate) fn update_meta<T>(&mut self, change: impl FnOnce(&mut Meta) -> T) -> Result<T> {
        let path = self.paths.meta();
        let meta = self.meta.as_mut().ok_or(Error::NoVault)?;
        let before = meta.clone();
        let out = change(meta);
        if let Err(e) = meta.save(&path) {
            *meta = before;
            return Err(e);
        }
        Ok(out)
    }

    fn require_open(&self) -> Result<()> {
        self.vault().map(|_| ())
    }

    fn seal(&self, key: &VaultKey, passcode: &str, vault_id: &str) -> Result<WrappedKey> {
        WrappedKey::seal(key, passcode, self.kdf, vault_id.as_bytes())
            .map_err(|_| Error::InvalidInput("The passcode could not be applied.".into()))
    }

    fn now_unix(&self) -> i64 {
        self.clock.now().timestamp()
    }
}

fn check_new_passcode(p: &str) -> Result<()> {
    if p.chars().count() < MIN_PASSCODE_LEN {
        return Err(Error::PasscodeTooShort {
            min: MIN_PASSCODE_LEN,
        });
    }
    if p.len() > 1024 {
        return Err(Error::InvalidInput(
            "That passcode is too long (1024 bytes at most).".into(),
        ));
    }
    Ok(())
}

fn store_reason(e: StoreError) -> String {
    match e {
        StoreError::NoEntry => "no entry".into(),
        StoreError::Unavailable(s) => s,
    }
}
