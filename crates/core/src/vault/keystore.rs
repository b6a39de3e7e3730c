//! The OS credential store (Keychain, Windows Credential Manager, Secret Service), reached
//! through the `keyring` crate with the platform's store named explicitly rather than left
//! to a default that could silently be a mock or a memory-only store.

use super::key::VaultKey;

/// What went wrong talking to the credential store.
#[derive(Debug)]
pub enum StoreError {
    /// The store works but holds no entry under that name.
    NoEntry,
    /// The store could not be reached or refused the operation.
    Unavailable(String),
}

/// A working credential store, proven by a write/read/delete self-test.
#[derive(Debug, Clone)]
pub struct CredentialStore {
    service: String,
}

impl CredentialStore {
    /// The service name Peerline files its entries under.
    pub const SERVICE: &'static str = "app.peerline.vault";

    /// Opens the platform store for `service` and proves it with a write/read/delete of a
    /// throw-away secret. `Err` carries a short reason (no secrets) for logs and the UI.
    pub fn probe(service: &str) -> Result<Self, String> {
        let store = Self {
            service: service.to_owned(),
        };
        let probe_user = "self-test";
        let secret = VaultKey::generate();
        store
            .put(probe_user, secret.as_bytes())
            .map_err(|e| format!("write failed: {}", describe(&e)))?;
        let back = store
            .get(probe_user)
            .map_err(|e| format!("read failed: {}", describe(&e)))?;
        let same = back.as_slice() == secret.as_bytes();
        store
            .delete(probe_user)
            .map_err(|e| format!("delete failed: {}", describe(&e)))?;
        if !same {
            return Err("read back a different secret".into());
        }
        Ok(store)
    }

    /// Stores the vault key for the vault `vault_id`, with whether an app lock is on. The
    /// flag lives here, beside the key, so that removing the passcode from `vault.json` (a
    /// plain file) cannot silently turn the app lock off.
    pub fn store_key(
        &self,
        vault_id: &str,
        key: &VaultKey,
        app_lock: bool,
    ) -> Result<(), StoreError> {
        let mut secret = zeroize::Zeroizing::new(key.as_bytes().to_vec());
        secret.push(u8::from(app_lock));
        self.put(&account(vault_id), &secret)
    }

    /// Loads the vault key for `vault_id` and its app-lock flag. A secret of the wrong shape
    /// counts as missing.
    pub fn load_key(&self, vault_id: &str) -> Result<(VaultKey, bool), StoreError> {
        let bytes = zeroize::Zeroizing::new(self.get(&account(vault_id))?);
        let (key, flag) = match bytes.len() {
            32 => (&bytes[..], false),
            33 => (&bytes[..32], bytes[32] == 1),
            _ => return Err(StoreError::NoEntry),
        };
        VaultKey::from_slice(key)
            .map(|k| (k, flag))
            .ok_or(StoreError::NoEntry)
    }

    /// Deletes the vault key for `vault_id`; a missing entry is not an error.
    pub fn delete_key(&self, vault_id: &str) -> Result<(), StoreError> {
        match self.delete(&account(vault_id)) {
            Ok(()) | Err(StoreError::NoEntry) => Ok(()),
            Err(e) => Err(e),
        }
    }

    fn put(&self, user: &str, secret: &[u8]) -> Result<(), StoreError> {
        backend::put(&self.service, user, secret)
    }

    fn get(&self, user: &str) -> Result<Vec<u8>, StoreError> {
        backend::get(&self.service, user)
    }

    fn delete(&self, user: &str) -> Result<(), StoreError> {
        backend::delete(&self.service, user)
    }
}

fn account(vault_id: &str) -> String {
    format!("vault-key-{vault_id}")
}

fn describe(e: &StoreError) -> String {
    match e {
        StoreError::NoEntry => "entry vanished".into(),
        StoreError::Unavailable(s) => s.clone(),
    }
}

#[cfg(not(target_os = "android"))]
mod backend {
    use super::StoreError;

    fn entry(service: &str, user: &str) -> Result<keyring::Entry, StoreError> {
        let cred = platform_builder()
            .build(None, service, user)
            .map_err(|e| StoreError::Unavailable(e.to_string()))?;
        Ok(keyring::Entry::new_with_credential(cred))
    }

    pub fn put(service: &str, user: &str, secret: &[u8]) -> Result<(), StoreError> {
        entry(service, user)?.set_secret(secret).map_err(map_err)
    }

    pub fn get(service: &str, user: &str) -> Result<Vec<u8>, StoreError> {
        entry(service, user)?.get_secret().map_err(map_err)
    }

    pub fn delete(service: &str, user: &str) -> Result<(), StoreError> {
        entry(service, user)?.delete_credential().map_err(map_err)
    }

    fn map_err(e: keyring::Error) -> StoreError {
        match e {
            keyring::Error::NoEntry => StoreError::NoEntry,
            other => StoreError::Unavailable(other.to_string()),
        }
    }

    #[cfg(any(target_os = "linux", target_os = "freebsd", target_os = "openbsd"))]
    fn platform_builder() -> Box<keyring::CredentialBuilder> {
        keyring::secret_service::default_credential_builder()
    }

    #[cfg(target_os = "macos")]
    fn platform_builder() -> Box<keyring::CredentialBuilder> {
        keyring::macos::default_credential_builder()
    }

    #[cfg(target_os = "ios")]
    fn platform_builder() -> Box<keyring::CredentialBuilder> {
        keyring::ios::default_credential_builder()
    }

    #[cfg(target_os = "windows")]
    fn platform_builder() -> Box<keyring::CredentialBuilder> {
        keyring::windows::default_credential_builder()
    }
}

/// Android has no `keyring` backend; the self-test fails honestly and the vault key is
/// wrapped under the officer's passcode instead (an Android Keystore custody is future work).
#[cfg(target_os = "android")]
mod backend {
    use super::StoreError;

    const WHY: &str = "no credential store backend on Android";

    pub fn put(_: &str, _: &str, _: &[u8]) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(WHY.into()))
    }

    pub fn get(_: &str, _: &str) -> Result<Vec<u8>, StoreError> {
        Err(StoreError::Unavailable(WHY.into()))
    }

    pub fn delete(_: &str, _: &str) -> Result<(), StoreError> {
        Err(StoreError::Unavailable(WHY.into()))
    }
}
