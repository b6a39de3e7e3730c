//! This device's membership of a team: the relay, the team and its key (from the invite),
//! and the pseudonymous device id and key the relay knows. Kept in the vault.

use ed25519_dalek::SigningKey;
use peerline_client::RelayClient;
use rusqlite::{OptionalExtension as _, params};

use crate::error::{Error, Result};
use crate::vault::Vault;

/// This device's membership of a team.
#[derive(Clone)]
pub struct Membership {
    /// Relay base URL.
    pub relay_url: String,
    /// Team id.
    pub team_id: String,
    /// The team's signing key, from the invite.
    pub team_public_key: [u8; 32],
    /// This device's pseudonymous id.
    pub device_id: String,
    /// This device's signing key.
    pub device_key: SigningKey,
}

impl std::fmt::Debug for Membership {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Membership")
            .field("relay_url", &self.relay_url)
            .field("team_id", &self.team_id)
            .finish_non_exhaustive()
    }
}

impl Membership {
    /// A client that signs as this device.
    pub fn client(&self) -> Result<RelayClient> {
        Ok(RelayClient::device(
            &self.relay_url,
            &self.device_id,
            self.device_key.clone(),
        )?)
    }
}

pub(crate) fn save_membership(v: &Vault, m: &Membership) -> Result<()> {
    v.conn()
        .execute(
            "INSERT INTO membership (id, relay_url, team_id, team_public_key, device_id,
               device_secret_key, joined_at_utc)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                m.relay_url,
                m.team_id,
                m.team_public_key.to_vec(),
                m.device_id,
                m.device_key.to_bytes().to_vec(),
                chrono::Utc::now().to_rfc3339(),
            ],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
}

/// The membership, if this device joined a team.
pub fn load_membership(v: &Vault) -> Result<Option<Membership>> {
    v.conn()
        .query_row(
            "SELECT relay_url, team_id, team_public_key, device_id, device_secret_key
             FROM membership WHERE id = 1",
            [],
            |r| {
                let pk: Vec<u8> = r.get(2)?;
                let sk: Vec<u8> = r.get(4)?;
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    pk,
                    r.get::<_, String>(3)?,
                    sk,
                ))
            },
        )
        .optional()
        .map_err(Error::from_sqlite)?
        .map(|(relay_url, team_id, pk, device_id, sk)| {
            let team_public_key: [u8; 32] = pk
                .try_into()
                .map_err(|_| Error::InvalidInput("The stored team key is damaged.".into()))?;
            let secret: [u8; 32] = zeroize::Zeroizing::new(sk)
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidInput("The stored device key is damaged.".into()))?;
            Ok(Membership {
                relay_url,
                team_id,
                team_public_key,
                device_id,
                device_key: SigningKey::from_bytes(&secret),
            })
        })
        .transpose()
}

/// The membership, or `NotJoined`.
pub fn require_membership(v: &Vault) -> Result<Membership> {
    load_membership(v)?.ok_or(Error::NotJoined)
}
