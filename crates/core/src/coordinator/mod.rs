//! The coordinator's console: run a team from the app. The team's signing key lives in the
//! vault and leaves it only sealed to a passphrase, for a second coordinator; the relay is
//! reached through the same client [`Coordinator`] the command-line tool uses, so the app
//! and the CLI do each step one way.

pub mod documents;
pub mod figures;

use ed25519_dalek::SigningKey;
use peerline_client::{ClientError, Coordinator, TeamKeyFile, TeamSettings};
use peerline_protocol::b64;
use peerline_protocol::relay::TeamStatus;
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::talk::VaultAccess;
use crate::vault::Vault;

/// The team this device coordinates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConsoleTeam {
    /// The relay's address.
    pub relay_url: String,
    /// The team's id on it.
    pub team_id: String,
    /// The team's public key (base64): what every invite carries.
    pub public_key: String,
}

/// What the console asks of a new team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewTeam {
    /// The relay's address (https, or http on this machine).
    pub relay_url: String,
    /// The relay operator's admin token.
    pub admin_token: String,
    /// Seconds an urgent request may go unclaimed before it goes to every peer.
    pub escalation_secs: Option<u32>,
    /// Anonymous request tokens one phone may get per day.
    pub tokens_per_day: Option<u32>,
}

fn no_team() -> Error {
    Error::InvalidInput(
        "This device runs no team yet: create one on a relay, or import a team key.".into(),
    )
}

/// The team this device coordinates, if any.
pub fn team(v: &Vault) -> Result<Option<ConsoleTeam>> {
    Ok(load(v)?.map(|c| ConsoleTeam {
        relay_url: c.relay_url().to_owned(),
        team_id: c.team_id().to_owned(),
        public_key: b64::encode(c.key().verifying_key().as_bytes()),
    }))
}

/// The team as the client runs it.
pub(crate) fn load(v: &Vault) -> Result<Option<Coordinator>> {
    let row: Option<(String, String, Zeroizing<Vec<u8>>)> = v
        .conn()
        .query_row(
            "SELECT relay_url, team_id, secret_key FROM coordinator_team WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, Zeroizing::new(r.get(2)?))),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    let Some((relay, team_id, secret)) = row else {
        return Ok(None);
    };
    let secret: [u8; 32] = secret
        .as_slice()
        .try_into()
        .map_err(|_| Error::InvalidInput("The team key in this vault is damaged.".into()))?;
    Ok(Some(Coordinator::open(
        &relay,
        &team_id,
        SigningKey::from_bytes(&secret),
    )?))
}

/// The team, or the error that says to set one up.
pub(crate) async fn coordinator<A: VaultAccess>(a: &A) -> Result<Coordinator> {
    a.with_vault(|v| load(v))?.ok_or_else(no_team)
}

fn store(v: &Vault, c: &Coordinator) -> Result<ConsoleTeam> {
    let secret = Zeroizing::new(c.key().to_bytes().to_vec());
    v.conn()
        .execute(
            "INSERT INTO coordinator_team (id, relay_url, team_id, secret_key) VALUES (1, ?1, ?2, ?3)",
            params![c.relay_url(), c.team_id(), secret.as_slice()],
        )
        .map_err(Error::from_sqlite)?;
    team(v)?.ok_or_else(no_team)
}

fn refuse_second(v: &Vault) -> Result<()> {
    if load(v)?.is_some() {
        return Err(Error::InvalidInput(
            "This device already runs a team. Remove it from the console first (export its key before, if it is still needed)."
                .into(),
        ));
    }
    Ok(())
}

/// A relay address the coordinator typed or a key file holds: said in the console's words,
/// not an invite's.
fn relay_ok(relay: &str) -> Result<&str> {
    let relay = relay.trim().trim_end_matches('/');
    match peerline_client::check_relay_url(relay) {
        Ok(()) => Ok(relay),
        Err(ClientError::InsecureAddress) => Err(Error::InvalidInput(
            "Use the relay's https:// address: Peerline will not send a team's key or records without encryption in transit."
                .into(),
        )),
        Err(_) => Err(Error::InvalidInput(
            "That is not a relay address: it looks like https://relay.example.org.".into(),
        )),
    }
}

/// Creates a team on the relay with a new signing key kept in the vault.
pub async fn create_team<A: VaultAccess>(a: &A, new: NewTeam) -> Result<ConsoleTeam> {
    a.with_vault(|v| refuse_second(v))?;
    let relay = relay_ok(&new.relay_url)?;
    let token = new.admin_token.trim();
    if token.is_empty() {
        return Err(Error::InvalidInput(
            "Enter the admin token the relay's operator gave you.".into(),
        ));
    }
    let c = Coordinator::create_team(
        relay,
        token,
        TeamSettings {
            escalation_secs: new.escalation_secs,
            tokens_per_day: new.tokens_per_day,
        },
    )
    .await?;
    a.with_vault(|v| store(v, &c))
}

/// Imports a team key: the command-line tool's `team.key` (plain JSON), or a key exported
/// from another coordinator's console (sealed: give its passphrase).
pub fn import_key(v: &Vault, bytes: &[u8], passphrase: Option<&str>) -> Result<ConsoleTeam> {
    refuse_second(v)?;
    let plain: Zeroizing<Vec<u8>> = if crate::passphrase::is_sealed(bytes) {
        let passphrase = passphrase.filter(|p| !p.is_empty()).ok_or_else(|| {
            Error::InvalidInput("This team key is sealed: enter its passphrase.".into())
        })?;
        crate::passphrase::open(bytes, passphrase, crate::backup::WORK_FACTOR).map_err(|e| {
            use crate::passphrase::OpenError;
            match e {
                OpenError::Age(
                    age::DecryptError::DecryptionFailed
                    | age::DecryptError::NoMatchingKeys
                    | age::DecryptError::KeyDecryptionFailed,
                ) => Error::InvalidInput(
                    "That passphrase does not open this team key. Check it with the coordinator who exported it."
                        .into(),
                ),
                _ => Error::InvalidInput("This team key file is damaged or was changed.".into()),
            }
        })?
    } else {
        Zeroizing::new(bytes.to_vec())
    };
    let file = TeamKeyFile::parse(&plain).ok_or_else(|| {
        Error::InvalidInput(
            "This is not a team key file (from `peerline-relay team create` or a console export)."
                .into(),
        )
    })?;
    let key = file
        .key()
        .ok_or_else(|| Error::InvalidInput("The key in this file is damaged.".into()))?;
    let c = Coordinator::open(relay_ok(&file.relay)?, &file.team_id, key)?;
    store(v, &c)
}

/// The team key sealed to `passphrase` (age, scrypt, ASCII armor), for a second
/// coordinator. Besides an encrypted backup of the whole vault (sealed to its own
/// passphrase), the only way the key leaves the vault.
pub fn export_key(v: &Vault, passphrase: &str) -> Result<Vec<u8>> {
    if passphrase.chars().count() < crate::backup::MIN_PASSPHRASE_CHARS {
        return Err(Error::InvalidInput(format!(
            "Choose a passphrase of at least {} characters: it is all that protects the team key.",
            crate::backup::MIN_PASSPHRASE_CHARS
        )));
    }
    let c = load(v)?.ok_or_else(no_team)?;
    let json = Zeroizing::new(
        serde_json::to_vec(&TeamKeyFile::of(&c)).map_err(|e| Error::InvalidInput(e.to_string()))?,
    );
    crate::passphrase::seal_armored(&json, passphrase, crate::backup::WORK_FACTOR)
        .map_err(|e| Error::InvalidInput(format!("The key could not be sealed ({e}).")))
}

/// Removes the team from this device: its key, drafts and history. The team goes on on
/// the relay (and with any other coordinator holding the key).
pub fn forget(v: &mut Vault) -> Result<()> {
    let tx = v.conn_mut().transaction().map_err(Error::from_sqlite)?;
    tx.execute_batch(
        "DELETE FROM coordinator_team; DELETE FROM coordinator_drafts; DELETE FROM coordinator_published;",
    )
    .map_err(Error::from_sqlite)?;
    tx.commit().map_err(Error::from_sqlite)
}

/// The team's counts on the relay.
pub async fn status<A: VaultAccess>(a: &A) -> Result<TeamStatus> {
    Ok(coordinator(a).await?.status().await?)
}

/// Where an invite stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum InviteState {
    /// Can still be used.
    Active,
    /// Past its expiry.
    Expired,
    /// Every use taken.
    UsedUp,
    /// Withdrawn.
    Revoked,
}

/// An invite as the console lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InviteRow {
    /// Id, for revoking.
    pub invite_id: String,
    /// Uses taken.
    pub uses: u32,
    /// Uses allowed.
    pub max_uses: u32,
    /// Unix seconds.
    pub expires_at: i64,
    /// Where it stands.
    pub state: InviteState,
}

/// A new invite: the link to share (also shown as a QR code). The relay keeps only a hash
/// of its code, so the link cannot be shown again later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct IssuedInvite {
    /// The invite as listed.
    pub invite: InviteRow,
    /// `peerline://join?…`
    pub link: String,
}

/// Issues an invite for `uses` devices (1–10,000), valid `days` days (1–365).
pub async fn issue_invite<A: VaultAccess>(a: &A, uses: u32, days: u32) -> Result<IssuedInvite> {
    if !(1..=10_000).contains(&uses) {
        return Err(Error::InvalidInput(
            "An invite is for 1 to 10,000 devices.".into(),
        ));
    }
    if !(1..=365).contains(&days) {
        return Err(Error::InvalidInput("An invite lasts 1 to 365 days.".into()));
    }
    let c = coordinator(a).await?;
    let expires_at = a.now() + i64::from(days) * 86_400;
    let issued = c.issue_invite(uses, expires_at).await?;
    Ok(IssuedInvite {
        invite: InviteRow {
            invite_id: issued.invite_id,
            uses: 0,
            max_uses: uses,
            expires_at,
            state: InviteState::Active,
        },
        link: issued.invite.to_link(),
    })
}

/// Every invite of the team, newest expiry first.
pub async fn invites<A: VaultAccess>(a: &A) -> Result<Vec<InviteRow>> {
    let c = coordinator(a).await?;
    let now = a.now();
    let mut rows: Vec<InviteRow> = c
        .list_invites()
        .await?
        .into_iter()
        .map(|i| InviteRow {
            state: if i.revoked {
                InviteState::Revoked
            } else if i.expires_at <= now {
                InviteState::Expired
            } else if i.uses >= i.max_uses {
                InviteState::UsedUp
            } else {
                InviteState::Active
            },
            invite_id: i.invite_id,
            uses: i.uses,
            max_uses: i.max_uses,
            expires_at: i.expires_at,
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.expires_at));
    Ok(rows)
}

/// Withdraws an invite; answers the list as it now stands.
pub async fn revoke_invite<A: VaultAccess>(a: &A, invite_id: &str) -> Result<Vec<InviteRow>> {
    coordinator(a).await?.revoke_invite(invite_id).await?;
    invites(a).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::test_support::vault as test_vault;

    #[test]
    fn a_cli_key_imports_and_an_export_opens_only_with_its_passphrase() {
        let (_d, v) = test_vault();
        let key = SigningKey::from_bytes(&[7; 32]);
        let cli = serde_json::json!({
            "relay": "http://127.0.0.1:8080",
            "team_id": "team1",
            "secret_key": b64::encode(key.as_bytes()),
        });
        let team = import_key(&v, cli.to_string().as_bytes(), None).unwrap();
        assert_eq!(team.team_id, "team1");
        assert_eq!(team.public_key, b64::encode(key.verifying_key().as_bytes()));
        // A second team is refused.
        assert!(import_key(&v, cli.to_string().as_bytes(), None).is_err());

        assert!(export_key(&v, "short").is_err());
        let sealed = export_key(&v, "a long passphrase").unwrap();
        assert!(sealed.starts_with(b"-----BEGIN AGE ENCRYPTED FILE-----"));
        assert!(!String::from_utf8_lossy(&sealed).contains(&b64::encode(key.as_bytes())));

        let (_d2, other) = test_vault();
        let e = import_key(&other, &sealed, Some("not the one")).unwrap_err();
        assert!(e.to_string().contains("passphrase"), "{e}");
        assert!(import_key(&other, &sealed, None).is_err());
        assert_eq!(
            import_key(&other, &sealed, Some("a long passphrase")).unwrap(),
            team
        );
        assert!(import_key(&test_vault().1, b"{not a key", None).is_err());
    }

    #[test]
    fn a_relay_address_is_checked_in_the_consoles_words() {
        assert_eq!(
            relay_ok(" https://relay.example.org/ ").unwrap(),
            "https://relay.example.org"
        );
        assert!(relay_ok("http://127.0.0.1:8787").is_ok());
        let plain = relay_ok("http://relay.example.org")
            .unwrap_err()
            .to_string();
        assert!(plain.contains("https://"), "{plain}");
        let junk = relay_ok("relay at the station").unwrap_err().to_string();
        assert!(
            junk.contains("not a relay address") && !junk.contains("invite"),
            "{junk}"
        );
    }

    #[test]
    fn forgetting_the_team_removes_its_key() {
        let (_d, mut v) = test_vault();
        let cli = serde_json::json!({
            "relay": "http://127.0.0.1:8080", "team_id": "t", "secret_key": b64::encode(&[1; 32]),
        });
        import_key(&v, cli.to_string().as_bytes(), None).unwrap();
        forget(&mut v).unwrap();
        assert_eq!(team(&v).unwrap(), None);
    }
}
