//! Helpers the directory's tests share: a vault, a team key that signs directories, and
//! entries to fill them with.
//! Compiled only for tests: `#[cfg(test)] mod test_support;` in mod.rs.

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_protocol::b64;
use peerline_protocol::documents::{Directory, DirectoryEntry, EntryKind};
use peerline_protocol::relay::{BlobKind, SignedBlob, blob_signing_message};
use rusqlite::params;

use crate::vault::{Vault, VaultKey};

pub(crate) fn vault() -> (tempfile::TempDir, Vault) {
    let dir = tempfile::tempdir().unwrap();
    let v = Vault::create(&dir.path().join("vault.db"), &VaultKey::generate()).unwrap();
    (dir, v)
}

/// An entry of the given kind (`"counselor"`, `"crisis_line"`, …) with a phone number.
pub(crate) fn entry(name: &str, kind: &str) -> DirectoryEntry {
    let kind: EntryKind = serde_json::from_value(kind.into()).unwrap();
    DirectoryEntry {
        name: name.into(),
        kind,
        specialties: vec![],
        first_responder_competent: false,
        telehealth: false,
        languages: vec!["en".into()],
        cost: None,
        always_open: false,
        hours: None,
        region: None,
        phone: Some("(555) 010-0000".into()),
        sms: None,
        sms_body: None,
        web: None,
        notes: None,
    }
}

/// A team's signing key, as the coordinator holds it.
pub(crate) struct TeamKey {
    team_id: String,
    key: SigningKey,
}

impl TeamKey {
    pub(crate) fn new(team_id: &str) -> Self {
        Self {
            team_id: team_id.into(),
            key: SigningKey::generate(&mut chacha20poly1305::aead::OsRng),
        }
    }

    pub(crate) fn public(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub(crate) fn sign(&self, version: u64, entries: &[DirectoryEntry]) -> SignedBlob {
        self.sign_kind(BlobKind::Directory, version, entries)
    }

    pub(crate) fn sign_kind(
        &self,
        kind: BlobKind,
        version: u64,
        entries: &[DirectoryEntry],
    ) -> SignedBlob {
        let payload = serde_json::to_vec(&Directory {
            entries: entries.to_vec(),
        })
        .unwrap();
        self.sign_bytes(kind, version, &payload)
    }

    pub(crate) fn sign_bytes(&self, kind: BlobKind, version: u64, payload: &[u8]) -> SignedBlob {
        let sig = self
            .key
            .sign(&blob_signing_message(&self.team_id, kind, version, payload));
        SignedBlob {
            version,
            payload: b64::encode(payload),
            signature: b64::encode(&sig.to_bytes()),
        }
    }

    /// Makes the vault a member of this team (what joining from an invite stores).
    pub(crate) fn join(&self, v: &Vault) {
        self.join_at(v, "https://relay.example");
    }

    pub(crate) fn join_at(&self, v: &Vault, relay_url: &str) {
        v.conn()
            .execute(
                "INSERT INTO membership (id, relay_url, team_id, team_public_key, device_id,
                   device_secret_key, joined_at_utc)
                 VALUES (1, ?1, ?2, ?3, 'device1', ?4, '2026-11-25T00:00:00Z')",
                params![
                    relay_url,
                    self.team_id,
                    self.public().to_vec(),
                    vec![7u8; 32]
                ],
            )
            .unwrap();
    }
}
