//! The agency's own directory: published by the coordinator through the relay as a blob
//! signed with the team key (the same scheme as the roster), verified on the phone against
//! the key from the invite, never rolled back, and kept in the vault exactly as signed.
//! A newer copy that fails verification is not installed; the last good one stays in use
//! and the refusal is recorded so the officer can be told.

use ed25519_dalek::{Signature, VerifyingKey};
use peerline_protocol::b64;
use peerline_protocol::documents::Directory;
use peerline_protocol::relay::{BlobKind, SignedBlob, blob_signing_message};
use rusqlite::{OptionalExtension as _, params};
use serde::Serialize;
use sha2::{Digest as _, Sha256};

use crate::error::{Error, Result};
use crate::talk::VaultAccess;
use crate::talk::team::{Membership, load_membership, require_membership};
use crate::vault::Vault;

/// Larger than any real agency's list; refuses a document built to exhaust the phone.
const MAX_PAYLOAD_BYTES: usize = peerline_protocol::documents::MAX_DOCUMENT_BYTES;
/// Most entries accepted in one directory.
pub(crate) const MAX_ENTRIES: usize = 20_000;
/// Longest notes, and longest of any other text field, in characters.
pub(crate) const MAX_NOTES_CHARS: usize = 4000;
pub(crate) const MAX_FIELD_CHARS: usize = 300;
/// Most specialties or languages on one entry.
pub(crate) const MAX_LIST_ITEMS: usize = 32;

/// What the UI shows about the agency's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AgencyInfo {
    /// Version installed, if any.
    pub version: Option<u32>,
    /// Entries in it (search with `origin: agency` to list them).
    pub entries: u32,
    /// When it was installed (UTC, RFC 3339).
    pub installed_at_utc: Option<String>,
    /// The last update that was refused, when it is newer than the copy in use.
    pub refused: Option<Refusal>,
}

/// An update that was not installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Refusal {
    /// The version the relay offered.
    pub version: u32,
    /// Why it was refused, in plain words.
    pub reason: String,
    /// When (UTC, RFC 3339).
    pub at_utc: String,
}

/// Verifies a signed directory against the team key and the copy held (`version`, exact
/// signed bytes). Refuses anything tampered, signed by another key or for another team,
/// older than the copy held, or carrying the held version with different contents.
pub fn verify_directory(
    team_id: &str,
    team_public_key: &[u8; 32],
    blob: &SignedBlob,
    held: Option<(u64, &[u8])>,
) -> Result<Directory> {
    check(team_id, team_public_key, blob, held)
        .map(|(d, _)| d)
        .map_err(|reason| Error::DirectoryRefused {
            reason: reason.to_owned(),
            kept: held.is_some(),
        })
}

/// The checks behind [`verify_directory`]; the error is the reason in plain words.
fn check(
    team_id: &str,
    team_public_key: &[u8; 32],
    blob: &SignedBlob,
    held: Option<(u64, &[u8])>,
) -> std::result::Result<(Directory, Vec<u8>), String> {
    if blob.payload.len() > MAX_PAYLOAD_BYTES / 3 * 4 + 4 {
        return Err("it is larger than any directory Peerline accepts".into());
    }
    let key = VerifyingKey::from_bytes(team_public_key)
        .map_err(|_| "the team key on this phone is invalid")?;
    let payload = b64::decode(&blob.payload).ok_or("it is damaged")?;
    let sig = b64::decode(&blob.signature)
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or("its signature is damaged")?;
    key.verify_strict(
        &blob_signing_message(team_id, BlobKind::Directory, blob.version, &payload),
        &sig,
    )
    .map_err(|_| "it is not signed by your team's coordinator")?;
    // Stored as SQLite INTEGER; a larger number could never be followed by a newer one.
    if i64::try_from(blob.version).is_err() {
        return Err("its version number is out of range".into());
    }
    if let Some((held_version, held_payload)) = held {
        if blob.version < held_version {
            return Err(format!(
                "it is version {}, older than the version {held_version} you have",
                blob.version
            ));
        }
        if blob.version == held_version && payload != held_payload {
            return Err(format!(
                "it reuses version {held_version} with different contents"
            ));
        }
    }
    let dir: Directory =
        serde_json::from_slice(&payload).map_err(|_| "it is not a directory Peerline can read")?;
    dir.validate()
        .map_err(|e| format!("one of its entries is not valid ({e})"))?;
    within_limits(&dir)?;
    Ok((dir, payload))
}

/// The size limits a phone holds a directory to (the coordinator's console checks them too).
pub(crate) fn within_limits(dir: &Directory) -> std::result::Result<(), String> {
    if dir.entries.len() > MAX_ENTRIES {
        return Err(format!("it lists more than {MAX_ENTRIES} entries"));
    }
    let long = |s: &Option<String>, max: usize| s.as_ref().is_some_and(|s| s.chars().count() > max);
    for (i, e) in dir.entries.iter().enumerate() {
        let too_long = long(&e.notes, MAX_NOTES_CHARS)
            || [&e.cost, &e.hours, &e.region, &e.phone, &e.sms, &e.web]
                .into_iter()
                .any(|f| long(f, MAX_FIELD_CHARS))
            || e.specialties.len() > MAX_LIST_ITEMS
            || e.languages.len() > MAX_LIST_ITEMS
            || e.specialties
                .iter()
                .chain(&e.languages)
                .any(|s| s.chars().count() > MAX_FIELD_CHARS);
        if too_long {
            return Err(format!(
                "entry {} ({}) has a field that is too long",
                i + 1,
                e.name
            ));
        }
    }
    Ok(())
}

/// The copy held for this team: (version, exact signed bytes).
fn held(v: &Vault, m: &Membership) -> Result<Option<(u64, Vec<u8>)>> {
    v.conn()
        .query_row(
            "SELECT version, payload FROM agency_directory
             WHERE id = 1 AND team_id = ?1 AND team_public_key = ?2",
            params![m.team_id, m.team_public_key.to_vec()],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)
        .map(|row| row.map(|(ver, p)| (u64::try_from(ver).unwrap_or(0), p)))
}

/// Verifies a directory fetched for the team this phone belongs to and installs it if it is
/// newer. On refusal the copy in use is kept, the refusal is recorded, and the error says so.
pub fn install(v: &Vault, blob: &SignedBlob) -> Result<AgencyInfo> {
    let m = require_membership(v)?;
    let held = held(v, &m)?;
    let held_ref = held.as_ref().map(|(ver, p)| (*ver, p.as_slice()));
    let (dir, payload) = match check(&m.team_id, &m.team_public_key, blob, held_ref) {
        Ok(ok) => ok,
        Err(reason) => {
            record_refusal(v, &m.team_id, blob.version, &reason)?;
            // Only the version and the reason: the document may be anything.
            tracing::warn!(version = blob.version, "agency directory refused");
            return Err(Error::DirectoryRefused {
                reason,
                kept: held.is_some(),
            });
        }
    };
    if held_ref.map(|(ver, _)| ver) != Some(blob.version) {
        store(v, &m, blob, &payload, dir.entries.len())?;
        tracing::info!(version = blob.version, "agency directory installed");
    }
    agency_info(v)?.ok_or(Error::NotJoined)
}

fn store(
    v: &Vault,
    m: &Membership,
    blob: &SignedBlob,
    payload: &[u8],
    entries: usize,
) -> Result<()> {
    let digest: String = Sha256::digest(payload)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let sig = b64::decode(&blob.signature).unwrap_or_default();
    let tx = v
        .conn()
        .unchecked_transaction()
        .map_err(Error::from_sqlite)?;
    tx.execute(
        "INSERT INTO agency_directory (id, team_id, team_public_key, version, digest, entries,
           installed_at_utc, signature, payload)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id,
           team_public_key = excluded.team_public_key, version = excluded.version,
           digest = excluded.digest, entries = excluded.entries,
           installed_at_utc = excluded.installed_at_utc, signature = excluded.signature,
           payload = excluded.payload",
        params![
            m.team_id,
            m.team_public_key.to_vec(),
            i64::try_from(blob.version).unwrap_or(i64::MAX),
            digest,
            i64::try_from(entries).unwrap_or(i64::MAX),
            chrono::Utc::now().to_rfc3339(),
            sig,
            payload,
        ],
    )
    .map_err(Error::from_sqlite)?;
    tx.execute("DELETE FROM agency_directory_refusal", [])
        .map_err(Error::from_sqlite)?;
    tx.commit().map_err(Error::from_sqlite)
}

fn record_refusal(v: &Vault, team_id: &str, version: u64, reason: &str) -> Result<()> {
    v.conn()
        .execute(
            "INSERT INTO agency_directory_refusal (id, team_id, version, reason, at_utc)
             VALUES (1, ?1, ?2, ?3, ?4)
             ON CONFLICT (id) DO UPDATE SET team_id = excluded.team_id,
               version = excluded.version, reason = excluded.reason, at_utc = excluded.at_utc",
            params![
                team_id,
                i64::try_from(version).unwrap_or(i64::MAX),
                reason,
                chrono::Utc::now().to_rfc3339()
            ],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
}

/// The agency's directory as the UI shows it; `None` when this phone is in no team. A copy
/// kept from a team this phone has left is not shown.
pub fn agency_info(v: &Vault) -> Result<Option<AgencyInfo>> {
    let Some(m) = load_membership(v)? else {
        return Ok(None);
    };
    let installed: Option<(i64, i64, String)> = v
        .conn()
        .query_row(
            "SELECT version, entries, installed_at_utc FROM agency_directory
             WHERE id = 1 AND team_id = ?1 AND team_public_key = ?2",
            params![m.team_id, m.team_public_key.to_vec()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    let refused: Option<Refusal> = v
        .conn()
        .query_row(
            "SELECT version, reason, at_utc FROM agency_directory_refusal
             WHERE id = 1 AND team_id = ?1",
            params![m.team_id],
            |r| {
                Ok(Refusal {
                    version: clamp_u32(r.get(0)?),
                    reason: r.get(1)?,
                    at_utc: r.get(2)?,
                })
            },
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    let version = installed.as_ref().map(|(ver, _, _)| clamp_u32(*ver));
    Ok(Some(AgencyInfo {
        version,
        entries: installed.as_ref().map_or(0, |(_, n, _)| clamp_u32(*n)),
        installed_at_utc: installed.map(|(_, _, at)| at),
        // A refusal older than what is installed now is history, not news.
        refused: refused.filter(|r| version.is_none_or(|held| r.version >= held)),
    }))
}

fn clamp_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

/// The installed directory for the team this phone is in: a stamp that changes with it
/// (version and digest), and the entries. Used to build the search index.
pub(super) fn current_stamp(v: &Vault) -> Result<Option<String>> {
    v.conn()
        .query_row(
            "SELECT a.version, a.digest FROM agency_directory a
             JOIN membership m ON m.id = 1 AND m.team_id = a.team_id
               AND m.team_public_key = a.team_public_key
             WHERE a.id = 1",
            [],
            |r| {
                Ok(format!(
                    "{}:{}",
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?
                ))
            },
        )
        .optional()
        .map_err(Error::from_sqlite)
}

/// The entries of the installed directory for the team this phone is in.
pub(super) fn current(v: &Vault) -> Result<Option<Directory>> {
    let payload: Option<Vec<u8>> = v
        .conn()
        .query_row(
            "SELECT a.payload FROM agency_directory a
             JOIN membership m ON m.id = 1 AND m.team_id = a.team_id
               AND m.team_public_key = a.team_public_key
             WHERE a.id = 1",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    payload
        .map(|p| {
            serde_json::from_slice(&p).map_err(|_| Error::VaultCorrupt {
                detail: "the stored agency directory cannot be read".into(),
            })
        })
        .transpose()
}

/// Fetches the agency's directory from the relay, verifies it and installs it if newer.
/// Returns what is held now. Nothing published yet is not an error.
pub async fn sync_directory<A: VaultAccess>(vault: &A) -> Result<Option<AgencyInfo>> {
    let m = vault.with_vault(|v| require_membership(v))?;
    let fetched = m
        .client()?
        .fetch_blob(&m.team_id, BlobKind::Directory)
        .await?;
    let Some(blob) = fetched else {
        // Nothing published yet: keep what we have (possibly nothing).
        return vault.with_vault(|v| agency_info(v));
    };
    vault.with_vault(|v| install(v, &blob)).map(Some)
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::directory::test_support::{TeamKey, entry, vault};

    #[test]
    fn a_directory_is_verified_against_the_team_key_and_version() {
        let team = TeamKey::new("team1");
        let pk = team.public();
        let blob = team.sign(3, &[entry("Dr. Ana Ruiz", "counselor")]);
        let dir = verify_directory("team1", &pk, &blob, None).unwrap();
        assert_eq!(dir.entries[0].name, "Dr. Ana Ruiz");
        let payload = b64::decode(&blob.payload).unwrap();
        assert!(verify_directory("team1", &pk, &blob, Some((3, &payload))).is_ok());
        assert!(verify_directory("team1", &pk, &blob, Some((2, b"older"))).is_ok());

        let e = verify_directory("team1", &pk, &blob, Some((4, b"x"))).unwrap_err();
        assert_eq!(e.code(), "DIRECTORY_REFUSED");
        assert!(e.to_string().contains("older"), "{e}");
        assert!(e.to_string().contains("The list you had is kept"), "{e}");
        let e = verify_directory("team1", &pk, &blob, Some((3, b"other bytes"))).unwrap_err();
        assert!(e.to_string().contains("different contents"), "{e}");

        assert!(
            verify_directory("team2", &pk, &blob, None).is_err(),
            "bound to the team"
        );
        let other = TeamKey::new("team1");
        let e =
            verify_directory("team1", &pk, &other.sign(9, &[entry("X", "eap")]), None).unwrap_err();
        assert!(e.to_string().contains("not signed by your team"), "{e}");
        assert!(
            e.to_string().contains("national crisis lines"),
            "nothing held: says what still works: {e}"
        );
        // A roster signature does not pass as a directory (the kind is signed).
        let roster_sig = team.sign_kind(BlobKind::Roster, 3, &[entry("Dr. Ana Ruiz", "counselor")]);
        assert!(verify_directory("team1", &pk, &roster_sig, None).is_err());
        let bumped = SignedBlob {
            version: 4,
            ..blob.clone()
        };
        assert!(
            verify_directory("team1", &pk, &bumped, None).is_err(),
            "version is signed"
        );
        for (i, _) in payload.iter().enumerate().step_by(5) {
            let mut t = payload.clone();
            t[i] ^= 0x20;
            let tampered = SignedBlob {
                payload: b64::encode(&t),
                ..blob.clone()
            };
            assert!(
                verify_directory("team1", &pk, &tampered, None).is_err(),
                "flip at {i}"
            );
        }
        let junk = SignedBlob {
            signature: "!!".into(),
            ..blob.clone()
        };
        assert!(verify_directory("team1", &pk, &junk, None).is_err());
        let junk = SignedBlob {
            payload: "not base64 at all".into(),
            ..blob
        };
        assert!(verify_directory("team1", &pk, &junk, None).is_err());
    }

    #[test]
    fn a_signed_but_invalid_directory_is_refused() {
        let team = TeamKey::new("team1");
        let mut bad = entry("Clinic", "counselor");
        bad.web = Some("javascript:alert(1)".into());
        let e = verify_directory("team1", &team.public(), &team.sign(1, &[bad]), None).unwrap_err();
        assert!(e.to_string().contains("web"), "{e}");
        let mut long = entry("Clinic", "counselor");
        long.notes = Some("x".repeat(MAX_NOTES_CHARS + 1));
        assert!(verify_directory("team1", &team.public(), &team.sign(1, &[long]), None).is_err());
        let huge = team.sign(u64::MAX, &[entry("Clinic", "counselor")]);
        assert!(verify_directory("team1", &team.public(), &huge, None).is_err());
        let not_json = team.sign_bytes(BlobKind::Directory, 1, b"{\"entries\": 5}");
        assert!(verify_directory("team1", &team.public(), &not_json, None).is_err());
    }

    #[test]
    fn install_keeps_the_last_good_copy_and_reports_the_refusal() {
        let (_d, v) = vault();
        let team = TeamKey::new("team1");
        assert_eq!(
            install(&v, &team.sign(1, &[entry("A", "eap")]))
                .unwrap_err()
                .code(),
            "NOT_JOINED"
        );
        team.join(&v);
        assert_eq!(
            agency_info(&v).unwrap().unwrap(),
            AgencyInfo {
                version: None,
                entries: 0,
                installed_at_utc: None,
                refused: None
            }
        );
        let info = install(
            &v,
            &team.sign(2, &[entry("A", "eap"), entry("B", "chaplain")]),
        )
        .unwrap();
        assert_eq!(
            (info.version, info.entries, info.refused),
            (Some(2), 2, None)
        );

        // Same version, same bytes: nothing changes, no error.
        assert_eq!(
            install(
                &v,
                &team.sign(2, &[entry("A", "eap"), entry("B", "chaplain")])
            )
            .unwrap()
            .version,
            Some(2)
        );
        // A forged newer copy is refused; version 2 stays, and the refusal is reported.
        let mallory = TeamKey::new("team1");
        let e = install(&v, &mallory.sign(3, &[entry("Fake", "eap")])).unwrap_err();
        assert_eq!(e.code(), "DIRECTORY_REFUSED");
        let info = agency_info(&v).unwrap().unwrap();
        assert_eq!((info.version, info.entries), (Some(2), 2));
        let refused = info.refused.unwrap();
        assert_eq!(refused.version, 3);
        assert!(refused.reason.contains("not signed"));
        assert_eq!(current(&v).unwrap().unwrap().entries[0].name, "A");

        // Rollback and same-version-different-contents are refused too.
        assert!(install(&v, &team.sign(1, &[entry("Old", "eap")])).is_err());
        assert!(install(&v, &team.sign(2, &[entry("Changed", "eap")])).is_err());
        assert_eq!(current(&v).unwrap().unwrap().entries.len(), 2);

        // A good newer copy replaces it and clears the refusal.
        let stamp = current_stamp(&v).unwrap();
        let info = install(&v, &team.sign(4, &[entry("C", "counselor")])).unwrap();
        assert_eq!(
            (info.version, info.entries, info.refused),
            (Some(4), 1, None)
        );
        assert_ne!(current_stamp(&v).unwrap(), stamp);

        // The copy is stored exactly as signed, so it can be checked again.
        let (stored, sig): (Vec<u8>, Vec<u8>) = v
            .conn()
            .query_row("SELECT payload, signature FROM agency_directory", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let again = SignedBlob {
            version: 4,
            payload: b64::encode(&stored),
            signature: b64::encode(&sig),
        };
        assert!(verify_directory("team1", &team.public(), &again, None).is_ok());
    }

    #[test]
    fn another_teams_directory_is_neither_shown_nor_a_rollback_guard() {
        let (_d, v) = vault();
        let first = TeamKey::new("team1");
        first.join(&v);
        install(&v, &first.sign(7, &[entry("Old team EAP", "eap")])).unwrap();
        // Leave and join another team (the table is what `leave` keeps or clears).
        v.conn().execute("DELETE FROM membership", []).unwrap();
        assert_eq!(agency_info(&v).unwrap(), None);
        assert_eq!(current(&v).unwrap(), None);
        let second = TeamKey::new("team2");
        second.join(&v);
        assert_eq!(agency_info(&v).unwrap().unwrap().version, None);
        let info = install(&v, &second.sign(1, &[entry("New team EAP", "eap")])).unwrap();
        assert_eq!(
            info.version,
            Some(1),
            "version 1 of a new team is not a rollback"
        );
        assert_eq!(
            current(&v).unwrap().unwrap().entries[0].name,
            "New team EAP"
        );
    }

    struct Held(Mutex<Vault>);
    impl VaultAccess for Held {
        fn with_vault<R>(&self, f: impl FnOnce(&mut Vault) -> Result<R>) -> Result<R> {
            f(&mut self.0.lock().unwrap())
        }
    }

    #[tokio::test]
    async fn sync_needs_a_team_and_keeps_the_copy_when_the_relay_is_down() {
        let (_d, v) = vault();
        let held = Held(Mutex::new(v));
        assert_eq!(
            sync_directory(&held).await.unwrap_err().code(),
            "NOT_JOINED"
        );
        // A port nothing listens on.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let team = TeamKey::new("team1");
        held.with_vault(|v| {
            team.join_at(v, &format!("http://127.0.0.1:{port}"));
            install(v, &team.sign(5, &[entry("A", "eap")]))
        })
        .unwrap();
        let e = sync_directory(&held).await.unwrap_err();
        assert_eq!(e.code(), "RELAY_UNREACHABLE");
        let info = held.with_vault(|v| agency_info(v)).unwrap().unwrap();
        assert_eq!(info.version, Some(5));
    }
}
