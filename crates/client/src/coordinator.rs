//! The coordinator's steps on the relay: create a team, issue invites, sign and publish the
//! roster and the directory. The coordinator CLI, the demo team, the tests and the load
//! tool all run a team through this, so there is one way to do each step.

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::invite::Invite;
use peerline_protocol::relay::{
    BlobKind, CreateTeam, InviteInfo, InviteIssued, IssueInvite, SignedBlob, TeamStatus,
    blob_signing_message,
};

use crate::error::ClientError;
use crate::http::RelayClient;

type Result<T> = std::result::Result<T, ClientError>;

/// A team as its coordinator runs it: the relay, the team's id and its signing key.
#[derive(Clone)]
pub struct Coordinator {
    client: RelayClient,
    team_id: String,
    key: SigningKey,
}

impl std::fmt::Debug for Coordinator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coordinator")
            .field("relay", &self.client.base())
            .field("team_id", &self.team_id)
            .finish_non_exhaustive()
    }
}

/// A freshly issued invite: its id on the relay and the invite itself (the link to share).
#[derive(Debug, Clone)]
pub struct IssuedInvite {
    /// Id for listing and revoking.
    pub invite_id: String,
    /// The invite; `to_link()` gives the `peerline://join?…` link.
    pub invite: Invite,
}

impl Coordinator {
    /// Creates a team on the relay with a new signing key, using the operator's admin token.
    pub async fn create_team(
        relay: &str,
        admin_token: &str,
        settings: TeamSettings,
    ) -> Result<Self> {
        let key = crate::generate_key();
        let anonymous = RelayClient::anonymous(relay)?;
        let created = anonymous
            .create_team(
                admin_token,
                &CreateTeam {
                    team_public_key: b64::encode(key.verifying_key().as_bytes()),
                    escalation_secs: settings.escalation_secs,
                    tokens_per_day: settings.tokens_per_day,
                },
            )
            .await?;
        Ok(Self::open_with(&anonymous, created.team_id, key))
    }

    /// An existing team, from its id and signing key.
    pub fn open(relay: &str, team_id: &str, key: SigningKey) -> Result<Self> {
        Ok(Self::open_with(
            &RelayClient::anonymous(relay)?,
            team_id.to_owned(),
            key,
        ))
    }

    fn open_with(anonymous: &RelayClient, team_id: String, key: SigningKey) -> Self {
        Self {
            client: anonymous.signing_as(
                peerline_protocol::auth::Signer::Team(team_id.clone()),
                key.clone(),
            ),
            team_id,
            key,
        }
    }

    /// The team's id.
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The team's signing key (keep it where only the coordinator can read it).
    pub fn key(&self) -> &SigningKey {
        &self.key
    }

    /// The relay's address.
    pub fn relay_url(&self) -> &str {
        self.client.base()
    }

    /// A client signing as the team, for calls not wrapped here.
    pub fn client(&self) -> &RelayClient {
        &self.client
    }

    /// The team's counts.
    pub async fn status(&self) -> Result<TeamStatus> {
        self.client.team_status(&self.team_id).await
    }

    /// The program's figures: weekly counters pooled into periods of at least five
    /// requests, and duty by hour.
    pub async fn figures(&self) -> Result<peerline_protocol::figures::TeamFigures> {
        self.client.team_figures(&self.team_id).await
    }

    /// Issues an invite for `uses` devices, valid until `expires_at` (Unix seconds). The
    /// code is made here and only its hash goes to the relay.
    pub async fn issue_invite(&self, uses: u32, expires_at: i64) -> Result<IssuedInvite> {
        let code = invite_code();
        let InviteIssued { invite_id } = self
            .client
            .issue_invite(
                &self.team_id,
                &IssueInvite {
                    expires_at,
                    max_uses: uses,
                    code_hash: secret_hash_hex(&code),
                },
            )
            .await?;
        Ok(IssuedInvite {
            invite_id,
            invite: Invite {
                relay_url: self.client.base().to_owned(),
                team_id: self.team_id.clone(),
                team_public_key: self.key.verifying_key().to_bytes(),
                code,
            },
        })
    }

    /// Every invite of the team.
    pub async fn list_invites(&self) -> Result<Vec<InviteInfo>> {
        self.client.list_invites(&self.team_id).await
    }

    /// Revokes an invite.
    pub async fn revoke_invite(&self, invite_id: &str) -> Result<()> {
        self.client.revoke_invite(&self.team_id, invite_id).await
    }

    /// Signs `payload` (a roster's or directory's canonical JSON) as `version`.
    pub fn sign(&self, kind: BlobKind, version: u64, payload: &[u8]) -> SignedBlob {
        let signature = self
            .key
            .sign(&blob_signing_message(&self.team_id, kind, version, payload));
        SignedBlob {
            version,
            payload: b64::encode(payload),
            signature: b64::encode(&signature.to_bytes()),
        }
    }

    /// The version the next publish of `kind` should carry: one past the relay's.
    pub async fn next_version(&self, kind: BlobKind) -> Result<u64> {
        match self.client.fetch_blob(&self.team_id, kind).await? {
            // Versions are stored as signed 64-bit numbers on the relay.
            Some(current) => current
                .version
                .checked_add(1)
                .filter(|v| i64::try_from(*v).is_ok())
                .ok_or_else(|| {
                    ClientError::BadAnswer("the relay reports an impossible version".into())
                }),
            None => Ok(1),
        }
    }

    /// Signs and publishes `payload` as `version`, or as the next version when `None`.
    /// Returns the version published.
    pub async fn publish(
        &self,
        kind: BlobKind,
        payload: &[u8],
        version: Option<u64>,
    ) -> Result<u64> {
        let version = match version {
            Some(v) => v,
            None => self.next_version(kind).await?,
        };
        self.client
            .publish_blob(&self.team_id, kind, &self.sign(kind, version, payload))
            .await?;
        Ok(version)
    }
}

/// The team key file, one format for the command-line tool (written plain, owner-only) and
/// the app's console (exported sealed to a passphrase): the relay, the team and its secret
/// key.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct TeamKeyFile {
    /// Relay base URL.
    pub relay: String,
    /// Team id.
    pub team_id: String,
    /// ed25519 secret key, base64.
    pub secret_key: String,
}

impl TeamKeyFile {
    /// The file for a team as its coordinator runs it.
    pub fn of(c: &Coordinator) -> Self {
        Self {
            relay: c.relay_url().trim_end_matches('/').to_owned(),
            team_id: c.team_id().to_owned(),
            secret_key: b64::encode(c.key().as_bytes()),
        }
    }

    /// Reads one; `None` when the bytes are not a team key file.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        serde_json::from_slice(bytes).ok()
    }

    /// The secret key; `None` when it is damaged.
    pub fn key(&self) -> Option<SigningKey> {
        let secret: [u8; 32] = b64::decode(&self.secret_key)?.try_into().ok()?;
        Some(SigningKey::from_bytes(&secret))
    }
}

impl Drop for TeamKeyFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret_key);
    }
}

/// How a new team behaves; `None` keeps the relay's default.
#[derive(Debug, Clone, Copy, Default)]
pub struct TeamSettings {
    /// Seconds an urgent request may go unclaimed before it goes to every peer.
    pub escalation_secs: Option<u32>,
    /// Anonymous request tokens one phone may get per day.
    pub tokens_per_day: Option<u32>,
}

/// An invite code: 24 draws from 57 unambiguous symbols (about 140 bits).
pub fn invite_code() -> String {
    use rand_core::RngCore as _;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut bytes = [0u8; 24];
    rand_core::OsRng.fill_bytes(&mut bytes);
    // The tiny modulo bias does not matter at this length.
    bytes
        .iter()
        .map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_codes_are_long_unambiguous_and_distinct() {
        let a = invite_code();
        assert_eq!(a.len(), 24);
        assert!(!a.contains(['0', 'O', 'l', '1', 'I']));
        assert_ne!(a, invite_code());
    }

    #[test]
    fn signed_blobs_verify_with_the_team_key() {
        use ed25519_dalek::Verifier as _;
        let c = Coordinator::open("http://127.0.0.1:1", "team1", crate::generate_key()).unwrap();
        let blob = c.sign(BlobKind::Roster, 3, b"{}");
        let sig: [u8; 64] = b64::decode(&blob.signature).unwrap().try_into().unwrap();
        c.key()
            .verifying_key()
            .verify(
                &blob_signing_message("team1", BlobKind::Roster, 3, b"{}"),
                &ed25519_dalek::Signature::from_bytes(&sig),
            )
            .unwrap();
    }
}
