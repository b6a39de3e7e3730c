//! Private settings kept in the vault (they say something about the officer, so they are
//! encrypted like everything else): how peers should reach them, and the like.

use rusqlite::{OptionalExtension as _, params};

use crate::error::{Error, Result};
use crate::talk::payload::Contact;
use crate::vault::Vault;

const CONTACT: &str = "contact";
const ROLE: &str = "role";

/// How this person uses Peerline. Only the screens change: an officer's phone can still
/// answer as a peer if the roster lists it, and a peer can still ask for help.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Asks for peers, checks in.
    Officer,
    /// Also answers requests: the peer inbox is on the home screen.
    PeerSupporter,
}

pub(crate) fn get(v: &Vault, key: &str) -> Result<Option<String>> {
    v.conn()
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()
        .map_err(Error::from_sqlite)
}

pub(crate) fn set(v: &Vault, key: &str, value: &str) -> Result<()> {
    v.conn()
        .execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
}

/// How peers should reach the officer by default (in the app, until they choose).
pub fn contact(v: &Vault) -> Result<Contact> {
    Ok(get(v, CONTACT)?
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or(Contact::InApp))
}

/// Remembers how peers should reach the officer.
pub fn set_contact(v: &Vault, contact: &Contact) -> Result<()> {
    crate::talk::officer::check_contact(contact)?;
    let json = serde_json::to_string(contact).map_err(|e| Error::InvalidInput(e.to_string()))?;
    set(v, CONTACT, &json)
}

/// The role chosen at set-up; `None` until one is chosen.
pub fn role(v: &Vault) -> Result<Option<Role>> {
    Ok(get(v, ROLE)?.and_then(|r| serde_json::from_str(&r).ok()))
}

/// Remembers the role.
pub fn set_role(v: &Vault, role: Role) -> Result<()> {
    let json = serde_json::to_string(&role).map_err(|e| Error::InvalidInput(e.to_string()))?;
    set(v, ROLE, &json)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultKey;

    #[test]
    fn contact_defaults_to_in_app_and_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("vault.db"), &VaultKey::generate()).unwrap();
        assert_eq!(contact(&v).unwrap(), Contact::InApp);
        set_contact(&v, &Contact::Text("+1 555 010 0000".into())).unwrap();
        assert_eq!(
            contact(&v).unwrap(),
            Contact::Text("+1 555 010 0000".into())
        );
        assert!(set_contact(&v, &Contact::Call("not a number".into())).is_err());
        assert_eq!(
            contact(&v).unwrap(),
            Contact::Text("+1 555 010 0000".into()),
            "unchanged"
        );
    }

    #[test]
    fn the_role_is_unset_until_chosen_then_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("vault.db"), &VaultKey::generate()).unwrap();
        assert_eq!(role(&v).unwrap(), None);
        set_role(&v, Role::PeerSupporter).unwrap();
        assert_eq!(role(&v).unwrap(), Some(Role::PeerSupporter));
        set_role(&v, Role::Officer).unwrap();
        assert_eq!(role(&v).unwrap(), Some(Role::Officer));
    }
}
