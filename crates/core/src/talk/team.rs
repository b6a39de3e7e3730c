//! Joining a team from an invite, and keeping its roster: fetched from the relay, verified
//! against the team key from the invite, never rolled back, cached in the vault.

use ed25519_dalek::{Signature, SigningKey, VerifyingKey};
use peerline_protocol::b64;
use peerline_protocol::documents::{Gender, RankGroup, Roster, RosterPeer, ServiceYears};
use peerline_protocol::invite::Invite;
use peerline_protocol::relay::{
    BlobKind, DeviceRegistered, RegisterDevice, SignedBlob, blob_signing_message,
};
use rusqlite::{OptionalExtension as _, params};
use serde::Serialize;

use super::VaultAccess;
use super::membership::save_membership;
pub use super::membership::{Membership, load_membership, require_membership};
use crate::error::{Error, Result};
use crate::vault::Vault;
use peerline_client::{ErrorCode, RelayClient};

/// What the UI shows about the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamInfo {
    /// Relay host, for "connected to …".
    pub relay_url: String,
    /// Roster version held, if any.
    pub roster_version: Option<u32>,
    /// Peers in the roster.
    pub peers: Vec<PeerCard>,
}

/// A peer as officers see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeerCard {
    /// Roster key id.
    pub key_id: String,
    /// Name shown.
    pub display_name: String,
    /// Languages.
    pub languages: Vec<String>,
    /// Specialties.
    pub specialties: Vec<String>,
    /// Usual hours.
    pub on_duty_hours: Option<String>,
    /// Unit or assignment.
    pub unit: Option<String>,
    /// Gender, when the roster gives it.
    pub gender: Option<Gender>,
    /// Sworn, civilian or retired.
    pub rank_group: Option<RankGroup>,
    /// Years of service.
    pub service_years: Option<ServiceYears>,
}

/// Joins the team named by an invite link or QR text: registers this device under a new
/// pseudonymous id and key, and stores the membership in the vault.
pub async fn join<A: VaultAccess>(vault: &A, invite_text: &str) -> Result<Membership> {
    let invite = Invite::parse(invite_text).map_err(|e| Error::InviteInvalid(e.to_string()))?;
    if vault.with_vault(|v| load_membership(v))?.is_some() {
        return Err(Error::InvalidInput(
            "This phone is already in a team. Leave it first to join another.".into(),
        ));
    }
    let device_key = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
    let client = RelayClient::anonymous(&invite.relay_url)?;
    let reg: DeviceRegistered = client
        .register_device(&RegisterDevice {
            team_id: invite.team_id.clone(),
            invite_code: invite.code.clone(),
            device_public_key: b64::encode(device_key.verifying_key().as_bytes()),
            team_public_key: b64::encode(&invite.team_public_key),
        })
        .await
        .map_err(|e| match Error::from(e) {
            Error::RelayRefused {
                code: Some(ErrorCode::InviteInvalid | ErrorCode::UnknownTeam),
                message,
            } => Error::InviteInvalid(message),
            other => other,
        })?;
    let m = Membership {
        relay_url: invite.relay_url,
        team_id: invite.team_id,
        team_public_key: invite.team_public_key,
        device_id: reg.device_id,
        device_key,
    };
    let saved = m.clone();
    vault.with_vault(move |v| save_membership(v, &saved))?;
    // Tokens ahead of need, so asking for a peer later is not tied in time to fetching them.
    if let Err(e) = super::tokens::top_up(vault).await {
        tracing::debug!(
            code = e.code(),
            "no request tokens yet; they will be fetched later"
        );
    }
    Ok(m)
}

/// Verifies a signed roster against the team key and the version held; returns it parsed.
/// Refuses anything tampered, signed by another key, or older than `held_version`.
pub fn verify_roster(
    team_id: &str,
    team_public_key: &[u8; 32],
    blob: &SignedBlob,
    held_version: Option<u64>,
) -> Result<Roster> {
    let refuse = |why: &str| {
        Error::NotAuthentic(format!(
            "The team roster was refused: {why}. The copy you had is kept."
        ))
    };
    let key =
        VerifyingKey::from_bytes(team_public_key).map_err(|_| refuse("the team key is invalid"))?;
    let payload = b64::decode(&blob.payload).ok_or_else(|| refuse("it is damaged"))?;
    let sig = b64::decode(&blob.signature)
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or_else(|| refuse("its signature is damaged"))?;
    key.verify_strict(
        &blob_signing_message(team_id, BlobKind::Roster, blob.version, &payload),
        &sig,
    )
    .map_err(|_| refuse("it is not signed by your team's coordinator"))?;
    if let Some(held) = held_version
        && blob.version < held
    {
        return Err(refuse("it is older than the one you have"));
    }
    let roster: Roster =
        serde_json::from_slice(&payload).map_err(|_| refuse("it is not a roster"))?;
    roster.validate().map_err(|e| refuse(&e.to_string()))?;
    Ok(roster)
}

/// The roster held in the vault.
pub fn load_roster(v: &Vault) -> Result<Option<(u64, Roster)>> {
    let row: Option<(i64, Vec<u8>)> = v
        .conn()
        .query_row(
            "SELECT version, payload FROM roster WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    row.map(|(ver, payload)| {
        serde_json::from_slice(&payload)
            .map(|r| (ver.max(0) as u64, r))
            .map_err(|_| Error::InvalidInput("The stored roster is damaged.".into()))
    })
    .transpose()
}

/// Fetches the roster, verifies it, and stores it if newer. Returns the roster now held.
pub async fn sync_roster<A: VaultAccess>(vault: &A) -> Result<Option<(u64, Roster)>> {
    let (m, held) = vault.with_vault(|v| Ok((require_membership(v)?, load_roster(v)?)))?;
    let blob: SignedBlob = match m.client()?.fetch_blob(&m.team_id, BlobKind::Roster).await? {
        Some(b) => b,
        // Nothing published yet: keep what we have (possibly nothing).
        None => return Ok(held),
    };
    let held_version = held.as_ref().map(|(v, _)| *v);
    let roster = verify_roster(&m.team_id, &m.team_public_key, &blob, held_version)?;
    if Some(blob.version) == held_version {
        return Ok(held);
    }
    let payload = serde_json::to_vec(&roster).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let sig = b64::decode(&blob.signature).unwrap_or_default();
    let version = blob.version;
    vault.with_vault(move |v| {
        v.conn()
            .execute(
                "INSERT INTO roster (id, version, payload, signature) VALUES (1, ?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET version = excluded.version,
                   payload = excluded.payload, signature = excluded.signature
                 WHERE excluded.version > roster.version",
                params![i64::try_from(version).unwrap_or(i64::MAX), payload, sig],
            )
            .map_err(Error::from_sqlite)?;
        Ok(())
    })?;
    Ok(Some((version, roster)))
}

/// The team as the UI shows it.
pub fn team_info(v: &Vault) -> Result<Option<TeamInfo>> {
    let Some(m) = load_membership(v)? else {
        return Ok(None);
    };
    let roster = load_roster(v)?;
    Ok(Some(TeamInfo {
        relay_url: m.relay_url,
        roster_version: roster
            .as_ref()
            .map(|(ver, _)| u32::try_from(*ver).unwrap_or(u32::MAX)),
        peers: roster
            .map(|(_, r)| r.peers.into_iter().map(PeerCard::from).collect())
            .unwrap_or_default(),
    }))
}

impl From<RosterPeer> for PeerCard {
    fn from(p: RosterPeer) -> Self {
        Self {
            key_id: p.key_id,
            display_name: p.display_name,
            languages: p.languages,
            specialties: p.specialties,
            on_duty_hours: p.on_duty_hours,
            unit: p.unit,
            gender: p.gender,
            rank_group: p.rank_group,
            service_years: p.service_years,
        }
    }
}

/// Leaves the team: forgets the membership, the roster and this device's peer keys, and
/// closes the requests still open here (their reply keys are deleted). Check-ins stay.
pub fn leave(v: &mut Vault) -> Result<()> {
    let tx = v.conn_mut().transaction().map_err(Error::from_sqlite)?;
    tx.execute_batch(
        "DELETE FROM membership;
         DELETE FROM roster;
         DELETE FROM peer_identity;
         DELETE FROM request_tokens;
         UPDATE peer_requests SET state = 'closed', reply_identity = NULL, ciphertext = x''
           WHERE state != 'closed';",
    )
    .map_err(Error::from_sqlite)?;
    tx.commit().map_err(Error::from_sqlite)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::Signer as _;
    use peerline_protocol::documents::RosterPeer;

    fn roster_blob(team: &str, key: &SigningKey, version: u64, name: &str) -> SignedBlob {
        let roster = Roster {
            peers: vec![RosterPeer {
                key_id: "sam".into(),
                display_name: name.into(),
                languages: vec![],
                specialties: vec![],
                on_duty_hours: None,
                age_recipient: super::super::payload::new_identity().1,
                signing_key: b64::encode(key.verifying_key().as_bytes()),
                ..RosterPeer::default()
            }],
        };
        let payload = serde_json::to_vec(&roster).unwrap();
        let sig = key.sign(&blob_signing_message(
            team,
            BlobKind::Roster,
            version,
            &payload,
        ));
        SignedBlob {
            version,
            payload: b64::encode(&payload),
            signature: b64::encode(&sig.to_bytes()),
        }
    }

    #[test]
    fn a_roster_is_installed_only_if_signed_by_the_team_and_not_older() {
        let key = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let pk = key.verifying_key().to_bytes();
        let blob = roster_blob("team1", &key, 3, "Sam R.");
        assert_eq!(
            verify_roster("team1", &pk, &blob, None).unwrap().peers[0].display_name,
            "Sam R."
        );
        assert!(verify_roster("team1", &pk, &blob, Some(3)).is_ok());
        let e = verify_roster("team1", &pk, &blob, Some(4)).unwrap_err();
        assert!(e.to_string().contains("older"), "{e}");
        assert!(
            verify_roster("team2", &pk, &blob, None).is_err(),
            "bound to the team"
        );
        let other = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let forged = roster_blob("team1", &other, 5, "Mallory");
        let e = verify_roster("team1", &pk, &forged, None).unwrap_err();
        assert_eq!(e.code(), "NOT_AUTHENTIC");
        // Every single-bit flip of the payload is refused.
        let raw = b64::decode(&blob.payload).unwrap();
        for i in (0..raw.len()).step_by(7) {
            let mut t = raw.clone();
            t[i] ^= 1;
            let tampered = SignedBlob {
                payload: b64::encode(&t),
                ..blob.clone()
            };
            assert!(
                verify_roster("team1", &pk, &tampered, None).is_err(),
                "flip at {i}"
            );
        }
        let bumped = SignedBlob { version: 9, ..blob };
        assert!(
            verify_roster("team1", &pk, &bumped, None).is_err(),
            "the version is signed too"
        );
    }
}
