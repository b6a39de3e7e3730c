//! The roster and the directory as the coordinator edits them: a draft kept in the vault
//! (saved even while it has problems, so nothing typed is lost), checked with the same
//! rules the phones apply, signed with the team key and published as the next version;
//! every published version is kept here so an older one can be published again.

use peerline_protocol::documents::{
    Directory, DirectoryEntry, DocumentError, EntryKind, Roster, RosterPeer, schedule_hours,
};
use peerline_protocol::relay::BlobKind;
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::coordinator;
use crate::directory::actions_for;
use crate::error::{Error, Result};
use crate::talk::VaultAccess;
use crate::talk::team::PeerCard;
use crate::vault::Vault;

/// One problem, placed: the peer's or entry's position and the field, so the editor can
/// put the message beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// Position in the list, when the problem is in one item.
    pub index: Option<u32>,
    /// Field name.
    pub field: String,
    /// What to change, in words.
    pub message: String,
}

impl From<DocumentError> for Problem {
    fn from(e: DocumentError) -> Self {
        Self {
            index: e.index.map(|i| u32::try_from(i).unwrap_or(u32::MAX)),
            field: e.field,
            message: e.message,
        }
    }
}

/// The roster being edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterDraft {
    /// The draft.
    pub roster: Roster,
    /// What stops it from being published (empty: it can be).
    pub problems: Vec<Problem>,
    /// What an officer's app will show of each peer.
    pub preview: Vec<PeerCard>,
    /// Peers scheduled in each hour of the week (168, Monday 00:00 team time first).
    pub coverage: Vec<u32>,
    /// Hours of the week nobody is scheduled for.
    pub uncovered_hours: u32,
    /// The version last published from this device.
    pub published_version: Option<u64>,
    /// The draft differs from what was last published from this device.
    pub unpublished_changes: bool,
}

/// The directory being edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DirectoryDraft {
    /// The draft.
    pub directory: Directory,
    /// What stops it from being published (empty: it can be).
    pub problems: Vec<Problem>,
    /// The version last published from this device.
    pub published_version: Option<u64>,
    /// The draft differs from what was last published from this device.
    pub unpublished_changes: bool,
}

/// A version published from this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PublishedVersion {
    /// Version number.
    pub version: u64,
    /// When (UTC, RFC 3339).
    pub published_at_utc: String,
    /// Peers or entries in it.
    pub items: u32,
}

/// Which document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// The peer supporters.
    Roster,
    /// Professional help.
    Directory,
}

impl DocumentKind {
    fn blob(self) -> BlobKind {
        match self {
            Self::Roster => BlobKind::Roster,
            Self::Directory => BlobKind::Directory,
        }
    }

    fn key(self) -> &'static str {
        self.blob().as_str()
    }

    fn item(self) -> &'static str {
        match self {
            Self::Roster => "peer",
            Self::Directory => "entry",
        }
    }
}

fn draft_json(v: &Vault, kind: DocumentKind) -> Result<Option<String>> {
    v.conn()
        .query_row(
            "SELECT payload FROM coordinator_drafts WHERE kind = ?1",
            [kind.key()],
            |r| r.get(0),
        )
        .optional()
        .map_err(Error::from_sqlite)
}

fn save_json(v: &Vault, kind: DocumentKind, json: &str) -> Result<()> {
    v.conn()
        .execute(
            "INSERT INTO coordinator_drafts (kind, payload) VALUES (?1, ?2)
             ON CONFLICT (kind) DO UPDATE SET payload = excluded.payload",
            params![kind.key(), json],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
}

fn last_published(v: &Vault, kind: DocumentKind) -> Result<Option<(u64, String)>> {
    v.conn()
        .query_row(
            "SELECT version, payload FROM coordinator_published WHERE kind = ?1
             ORDER BY version DESC LIMIT 1",
            [kind.key()],
            |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)
        .map(|row| row.map(|(ver, p)| (u64::try_from(ver).unwrap_or(0), p)))
}

fn to_json<T: Serialize>(doc: &T) -> Result<String> {
    serde_json::to_string(doc).map_err(|e| Error::InvalidInput(e.to_string()))
}

fn read<T: serde::de::DeserializeOwned + Default>(v: &Vault, kind: DocumentKind) -> Result<T> {
    // The draft, else the version last published, else an empty document.
    let json = match draft_json(v, kind)? {
        Some(j) => Some(j),
        None => last_published(v, kind)?.map(|(_, p)| p),
    };
    match json {
        Some(j) => serde_json::from_str(&j).map_err(|_| {
            Error::InvalidInput("The draft kept on this device could not be read.".into())
        }),
        None => Ok(T::default()),
    }
}

/// What a field is called on screen.
fn field_label(field: &str) -> String {
    match field {
        "display_name" => "name".into(),
        "age_recipient" => "encryption key (from the peer's app)".into(),
        "signing_key" => "signing key (from the peer's app)".into(),
        "key_id" => "key id".into(),
        "sms" => "text number".into(),
        "sms_body" => "text message words".into(),
        "web" => "web page".into(),
        other => other.replace('_', " "),
    }
}

/// Every problem in a roster (the first per peer; the rules are the phones').
fn roster_problems(r: &Roster) -> Vec<Problem> {
    if r.peers.is_empty() {
        return vec![Problem {
            index: None,
            field: "peers".into(),
            message: "Add at least one peer supporter.".into(),
        }];
    }
    let mut out: Vec<Problem> = Vec::new();
    for (i, p) in r.peers.iter().enumerate() {
        let alone = Roster {
            peers: vec![p.clone()],
        };
        if let Err(e) = alone.validate() {
            let mut problem = Problem::from(e);
            problem.index = Some(u32::try_from(i).unwrap_or(u32::MAX));
            out.push(problem);
        }
        if r.peers[..i].iter().any(|q| q.key_id == p.key_id) {
            out.push(Problem {
                index: Some(u32::try_from(i).unwrap_or(u32::MAX)),
                field: "key_id".into(),
                message: "appears twice: each peer needs their own keys".into(),
            });
        }
    }
    out
}

fn coverage(r: &Roster) -> Vec<u32> {
    let mut hours = vec![0u32; 168];
    for p in &r.peers {
        for h in schedule_hours(&p.schedule).unwrap_or_default() {
            hours[h] += 1;
        }
    }
    hours
}

fn roster_view(v: &Vault, roster: Roster) -> Result<RosterDraft> {
    let published = last_published(v, DocumentKind::Roster)?;
    let coverage = coverage(&roster);
    Ok(RosterDraft {
        problems: roster_problems(&roster),
        preview: roster.peers.iter().cloned().map(PeerCard::from).collect(),
        uncovered_hours: u32::try_from(coverage.iter().filter(|n| **n == 0).count()).unwrap_or(168),
        coverage,
        unpublished_changes: published.as_ref().map(|(_, p)| p.as_str())
            != Some(to_json(&roster)?.as_str()),
        published_version: published.map(|(ver, _)| ver),
        roster,
    })
}

/// The roster as last published from this device, if it was.
pub fn published_roster(v: &Vault) -> Result<Option<Roster>> {
    last_published(v, DocumentKind::Roster)?
        .map(|(_, json)| {
            serde_json::from_str(&json).map_err(|_| {
                Error::InvalidInput("The roster kept on this device could not be read.".into())
            })
        })
        .transpose()
}

/// The roster being edited.
pub fn roster_draft(v: &Vault) -> Result<RosterDraft> {
    let roster = read(v, DocumentKind::Roster)?;
    roster_view(v, roster)
}

/// Saves the roster as edited, problems and all: nothing typed is lost.
pub fn save_roster(v: &Vault, roster: Roster) -> Result<RosterDraft> {
    save_json(v, DocumentKind::Roster, &to_json(&roster)?)?;
    roster_view(v, roster)
}

/// Reads the keys a peer's app shows ("Give this entry to your coordinator"): the TOML
/// entry, or the same fields as JSON.
pub fn parse_peer_keys(text: &str) -> Result<RosterPeer> {
    #[derive(Deserialize)]
    struct Entry {
        key_id: String,
        #[serde(default)]
        display_name: Option<String>,
        age_recipient: String,
        signing_key: String,
    }
    #[derive(Deserialize)]
    struct Wrapped {
        peers: Vec<Entry>,
    }
    let text = text.trim();
    let entry: Option<Entry> = if text.starts_with('{') {
        serde_json::from_str(text).ok()
    } else {
        toml::from_str::<Wrapped>(text)
            .ok()
            .and_then(|w| w.peers.into_iter().next())
            .or_else(|| toml::from_str::<Entry>(text).ok())
            // Messengers and some pastes join the lines: read the quoted values by name.
            .or_else(|| {
                Some(Entry {
                    key_id: quoted_value(text, "key_id")?,
                    display_name: quoted_value(text, "display_name"),
                    age_recipient: quoted_value(text, "age_recipient")?,
                    signing_key: quoted_value(text, "signing_key")?,
                })
            })
    };
    let e = entry.ok_or_else(|| {
        Error::InvalidInput(
            "These are not a peer's keys. Ask the peer to open Peer support → Show my keys, and paste all of it."
                .into(),
        )
    })?;
    let peer = RosterPeer {
        key_id: e.key_id,
        display_name: e
            .display_name
            .filter(|n| !n.trim().is_empty() && n != "YOUR NAME")
            .unwrap_or_default(),
        age_recipient: e.age_recipient,
        signing_key: e.signing_key,
        ..RosterPeer::default()
    };
    // Only the keys are checked here; the name is asked for next.
    let check = RosterPeer {
        display_name: "x".into(),
        ..peer.clone()
    };
    Roster { peers: vec![check] }
        .validate()
        .map_err(|e| Error::InvalidInput(format!("These keys are damaged ({}).", e.message)))?;
    Ok(peer)
}

/// The value of `name = "value"` anywhere in `text` (no escapes: keys and ids have none).
fn quoted_value(text: &str, name: &str) -> Option<String> {
    let mut rest = text;
    while let Some(at) = rest.find(name) {
        let after = &rest[at + name.len()..];
        let before_ok = rest[..at]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_ascii_alphanumeric() && c != '_');
        if let Some(value) = after
            .trim_start()
            .strip_prefix('=')
            .map(str::trim_start)
            .and_then(|v| v.strip_prefix('"'))
            .and_then(|v| v.split_once('"'))
            .map(|(v, _)| v.to_owned())
            .filter(|_| before_ok)
        {
            return Some(value);
        }
        rest = after;
    }
    None
}

/// Adds a peer to the draft from the keys their app shows, under `display_name`.
pub fn add_peer(v: &Vault, keys: &str, display_name: &str) -> Result<RosterDraft> {
    let mut peer = parse_peer_keys(keys)?;
    let name = display_name.trim();
    if !name.is_empty() {
        peer.display_name = name.to_owned();
    }
    if peer.display_name.is_empty() {
        return Err(Error::InvalidInput(
            "Give the peer's name as officers will see it (\"Sam R.\").".into(),
        ));
    }
    let mut roster: Roster = read(v, DocumentKind::Roster)?;
    if let Some(held) = roster.peers.iter().find(|p| p.key_id == peer.key_id) {
        return Err(Error::InvalidInput(format!(
            "{} is already on the roster with these keys.",
            held.display_name
        )));
    }
    if roster
        .peers
        .iter()
        .any(|p| p.age_recipient == peer.age_recipient || p.signing_key == peer.signing_key)
    {
        return Err(Error::InvalidInput(
            "These keys are already on the roster under another key id.".into(),
        ));
    }
    roster.peers.push(peer);
    save_roster(v, roster)
}

fn directory_problems(d: &Directory) -> Vec<Problem> {
    let mut out: Vec<Problem> = Vec::new();
    for (i, e) in d.entries.iter().enumerate() {
        let index = Some(u32::try_from(i).unwrap_or(u32::MAX));
        let alone = Directory {
            entries: vec![e.clone()],
        };
        if let Err(err) = alone.validate() {
            out.push(Problem {
                index,
                ..Problem::from(err)
            });
            continue;
        }
        if crate::directory::agency::within_limits(&alone).is_err() {
            out.push(Problem {
                index,
                field: "entry".into(),
                message: format!(
                    "a field is longer than phones accept (notes up to {} characters, other fields up to {}, lists up to {} items)",
                    crate::directory::agency::MAX_NOTES_CHARS,
                    crate::directory::agency::MAX_FIELD_CHARS,
                    crate::directory::agency::MAX_LIST_ITEMS
                ),
            });
        }
        // A number or link a phone would not open is refused here first.
        for action in actions_for(e) {
            if let Some(why) = action.disabled_reason {
                out.push(Problem {
                    index,
                    field: match action.kind {
                        crate::directory::ActionKind::Call => "phone",
                        crate::directory::ActionKind::Text => "sms",
                        crate::directory::ActionKind::Web => "web",
                    }
                    .into(),
                    message: why,
                });
            }
        }
    }
    if d.entries.len() > crate::directory::agency::MAX_ENTRIES {
        out.push(Problem {
            index: None,
            field: "entries".into(),
            message: format!(
                "more than {} entries: a phone would refuse the directory",
                crate::directory::agency::MAX_ENTRIES
            ),
        });
    }
    out
}

fn directory_view(v: &Vault, directory: Directory) -> Result<DirectoryDraft> {
    let published = last_published(v, DocumentKind::Directory)?;
    Ok(DirectoryDraft {
        problems: directory_problems(&directory),
        unpublished_changes: published.as_ref().map(|(_, p)| p.as_str())
            != Some(to_json(&directory)?.as_str()),
        published_version: published.map(|(ver, _)| ver),
        directory,
    })
}

/// The directory being edited.
pub fn directory_draft(v: &Vault) -> Result<DirectoryDraft> {
    let d = read(v, DocumentKind::Directory)?;
    directory_view(v, d)
}

/// Saves the directory as edited, problems and all.
pub fn save_directory(v: &Vault, directory: Directory) -> Result<DirectoryDraft> {
    save_json(v, DocumentKind::Directory, &to_json(&directory)?)?;
    directory_view(v, directory)
}

/// How an imported directory is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DirectoryFormat {
    /// A spreadsheet saved as CSV with a header row naming the fields.
    Csv,
    /// The directory's own JSON (`{"entries": […]}`).
    Json,
}

/// Reads a directory from a CSV (header row with the field names; lists separated by
/// `;`; yes/no for the true-or-false fields) or from its JSON. Replaces the draft; the
/// problems come back with it.
pub fn import_directory(v: &Vault, text: &str, format: DirectoryFormat) -> Result<DirectoryDraft> {
    let directory = match format {
        DirectoryFormat::Json => serde_json::from_str::<Directory>(text)
            .map_err(|e| Error::InvalidInput(format!("This is not a directory file: {e}.")))?,
        DirectoryFormat::Csv => from_csv(text)?,
    };
    save_directory(v, directory)
}

fn from_csv(text: &str) -> Result<Directory> {
    let mut reader = ::csv::ReaderBuilder::new()
        .trim(::csv::Trim::All)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| Error::InvalidInput(format!("The CSV could not be read: {e}.")))?
        .iter()
        .map(|h| h.to_ascii_lowercase().replace([' ', '-'], "_"))
        .collect();
    if !headers.iter().any(|h| h == "name") || !headers.iter().any(|h| h == "kind") {
        return Err(Error::InvalidInput(
            "The CSV needs a header row with at least the columns name and kind.".into(),
        ));
    }
    let mut entries = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let line = row + 2;
        let record =
            record.map_err(|e| Error::InvalidInput(format!("Line {line} of the CSV: {e}.")))?;
        let mut map = serde_json::Map::new();
        for (header, value) in headers.iter().zip(record.iter()) {
            if value.is_empty() {
                continue;
            }
            let value = match header.as_str() {
                "specialties" | "languages" => serde_json::Value::Array(
                    value
                        .split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| serde_json::Value::String(s.to_owned()))
                        .collect(),
                ),
                "first_responder_competent" | "telehealth" | "always_open" => {
                    serde_json::Value::Bool(matches!(
                        value.to_ascii_lowercase().as_str(),
                        "yes" | "y" | "true" | "1" | "x"
                    ))
                }
                "kind" => serde_json::Value::String(value.to_ascii_lowercase().replace(' ', "_")),
                _ => serde_json::Value::String(value.to_owned()),
            };
            map.insert(header.clone(), value);
        }
        let kind_wrong = map
            .get("kind")
            .and_then(|k| k.as_str())
            .is_some_and(|k| serde_json::from_value::<EntryKind>(k.into()).is_err());
        let entry: DirectoryEntry = serde_json::from_value(serde_json::Value::Object(map))
            .map_err(|e| {
                if kind_wrong {
                    Error::InvalidInput(format!(
                        "Line {line} of the CSV: the kind is not one of {}.",
                        kinds()
                    ))
                } else {
                    Error::InvalidInput(format!("Line {line} of the CSV: {e}."))
                }
            })?;
        entries.push(entry);
    }
    Ok(Directory { entries })
}

fn kinds() -> String {
    [
        EntryKind::CrisisLine,
        EntryKind::Counselor,
        EntryKind::Eap,
        EntryKind::Chaplain,
        EntryKind::Program,
        EntryKind::PeerTeam,
    ]
    .iter()
    .filter_map(|k| serde_json::to_value(k).ok())
    .filter_map(|v| v.as_str().map(str::to_owned))
    .collect::<Vec<_>>()
    .join(", ")
}

/// What a publish did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Published {
    /// Which document.
    pub kind: DocumentKind,
    /// The version now on the relay.
    pub version: u64,
}

/// Signs the draft with the team key and publishes it as the next version. Refused, with
/// the first problem, while the draft has any.
pub async fn publish<A: VaultAccess>(a: &A, kind: DocumentKind) -> Result<Published> {
    let json = a.with_vault(|v| {
        let (json, problems) = match kind {
            DocumentKind::Roster => {
                let d = roster_draft(v)?;
                (to_json(&d.roster)?, d.problems)
            }
            DocumentKind::Directory => {
                let d = directory_draft(v)?;
                (to_json(&d.directory)?, d.problems)
            }
        };
        match problems.first() {
            Some(p) => Err(Error::InvalidInput(format!(
                "Fix this first: {}{}: {}.",
                p.index
                    .map(|i| format!("{} {}, ", kind.item(), i + 1))
                    .unwrap_or_default(),
                field_label(&p.field),
                p.message
            ))),
            None if json.len() > peerline_protocol::documents::MAX_DOCUMENT_BYTES => {
                Err(Error::InvalidInput(format!(
                    "This {} is larger than phones accept ({} MiB): split it or shorten the notes.",
                    kind.key(),
                    peerline_protocol::documents::MAX_DOCUMENT_BYTES / (1024 * 1024)
                )))
            }
            None => Ok(json),
        }
    })?;
    let c = coordinator(a).await?;
    let version = c.publish(kind.blob(), json.as_bytes(), None).await?;
    let at = chrono::DateTime::from_timestamp(a.now(), 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    a.with_vault(|v| {
        v.conn()
            .execute(
                "INSERT OR REPLACE INTO coordinator_published (kind, version, payload, published_at_utc)
                 VALUES (?1, ?2, ?3, ?4)",
                params![kind.key(), i64::try_from(version).unwrap_or(i64::MAX), json, at],
            )
            .map_err(Error::from_sqlite)?;
        Ok(())
    })?;
    Ok(Published { kind, version })
}

/// Versions published from this device, newest first.
pub fn history(v: &Vault, kind: DocumentKind) -> Result<Vec<PublishedVersion>> {
    let mut stmt = v
        .conn()
        .prepare(
            "SELECT version, published_at_utc, payload FROM coordinator_published
             WHERE kind = ?1 ORDER BY version DESC",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([kind.key()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(Error::from_sqlite)?;
    let mut out = Vec::new();
    for row in rows {
        let (version, at, payload) = row.map_err(Error::from_sqlite)?;
        let items = match kind {
            DocumentKind::Roster => serde_json::from_str::<Roster>(&payload).map(|r| r.peers.len()),
            DocumentKind::Directory => {
                serde_json::from_str::<Directory>(&payload).map(|d| d.entries.len())
            }
        }
        .unwrap_or(0);
        out.push(PublishedVersion {
            version: u64::try_from(version).unwrap_or(0),
            published_at_utc: at,
            items: u32::try_from(items).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

/// Makes an older published version the draft again (publish it to make it current: it
/// goes out as a new version, so every phone takes it).
pub fn reopen(v: &Vault, kind: DocumentKind, version: u64) -> Result<()> {
    let payload: String = v
        .conn()
        .query_row(
            "SELECT payload FROM coordinator_published WHERE kind = ?1 AND version = ?2",
            params![kind.key(), i64::try_from(version).unwrap_or(i64::MAX)],
            |r| r.get(0),
        )
        .optional()
        .map_err(Error::from_sqlite)?
        .ok_or(Error::NotFound("that version"))?;
    save_json(v, kind, &payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::test_support::vault;
    use peerline_protocol::b64;

    fn keys(id: &str, n: u8) -> String {
        format!(
            "[[peers]]\nkey_id = \"{id}\"\ndisplay_name = \"YOUR NAME\"\nage_recipient = \"age1{}\"\nsigning_key = \"{}\"\n",
            "q".repeat(57) + &char::from(b'a' + n).to_string(),
            b64::encode(&[n; 32])
        )
    }

    #[test]
    fn peers_are_added_from_the_keys_their_app_shows() {
        let (_d, v) = vault();
        assert_eq!(roster_draft(&v).unwrap().problems[0].field, "peers");
        let e = add_peer(&v, &keys("sam", 1), "").unwrap_err();
        assert!(e.to_string().contains("name"), "{e}");
        let d = add_peer(&v, &keys("sam", 1), "Sam R.").unwrap();
        assert_eq!(d.roster.peers[0].display_name, "Sam R.");
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.preview[0].display_name, "Sam R.");
        assert!(add_peer(&v, &keys("sam", 2), "Sam again").is_err());
        assert!(add_peer(&v, &keys("lee", 1), "Same keys").is_err());
        let d = add_peer(&v, &keys("lee", 2), "Lee K.").unwrap();
        assert_eq!(d.roster.peers.len(), 2);
        assert!(parse_peer_keys("hello").is_err());
        // Lines joined by a messenger still read.
        let joined = keys("kim", 4).replace('\n', " ");
        assert_eq!(parse_peer_keys(&joined).unwrap().key_id, "kim");
        let glued = keys("kim", 4).replace('\n', "");
        assert_eq!(
            parse_peer_keys(&glued).unwrap().signing_key,
            b64::encode(&[4; 32])
        );
        assert!(parse_peer_keys(&keys("x", 3).replace("age1", "age2")).is_err());
    }

    #[test]
    fn problems_are_placed_by_peer_and_field_and_the_draft_is_kept() {
        let (_d, v) = vault();
        add_peer(&v, &keys("sam", 1), "Sam R.").unwrap();
        let mut d = add_peer(&v, &keys("lee", 2), "Lee K.").unwrap();
        d.roster.peers[0].unit = Some("Patrol\nNorth".into());
        d.roster.peers[1].schedule = vec!["mon 18-06".into(), "funday".into()];
        let saved = save_roster(&v, d.roster).unwrap();
        assert_eq!(saved.problems.len(), 2);
        assert_eq!(saved.problems[0].index, Some(0));
        assert_eq!(saved.problems[0].field, "unit");
        assert_eq!(saved.problems[1].index, Some(1));
        assert_eq!(saved.problems[1].field, "schedule");
        assert!(saved.problems[1].message.contains("mon 18-06"));
        assert_eq!(roster_draft(&v).unwrap().roster, saved.roster);
    }

    #[test]
    fn coverage_counts_scheduled_peers_by_hour() {
        let (_d, v) = vault();
        let mut d = add_peer(&v, &keys("sam", 1), "Sam R.").unwrap();
        d.roster.peers[0].schedule = vec!["mon 18-06".into()];
        let d = save_roster(&v, d.roster).unwrap();
        assert_eq!(d.coverage[18], 1);
        assert_eq!(d.coverage[24 + 5], 1);
        assert_eq!(d.coverage[24 + 6], 0);
        assert_eq!(d.uncovered_hours, 168 - 12);
    }

    #[test]
    fn a_csv_directory_imports_and_a_link_a_phone_refuses_is_refused_here() {
        let (_d, v) = vault();
        let csv = "name,kind,phone,web,first_responder_competent,languages\n\
                   988 Lifeline,crisis line,988,,yes,en;es\n\
                   Dr. Ames,counselor,+1 555 010 2000,https://ames.example,no,en\n";
        let d = import_directory(&v, csv, DirectoryFormat::Csv).unwrap();
        assert_eq!(d.directory.entries.len(), 2);
        assert_eq!(d.directory.entries[0].kind, EntryKind::CrisisLine);
        assert!(d.directory.entries[0].first_responder_competent);
        assert_eq!(d.directory.entries[0].languages, vec!["en", "es"]);
        assert!(d.problems.is_empty(), "{:?}", d.problems);

        let bad = "name,kind,web\nSite,program,http://plain.example\n";
        let d = import_directory(&v, bad, DirectoryFormat::Csv).unwrap();
        assert_eq!(d.problems[0].field, "web");
        let e = import_directory(&v, "name,kind,phone\nX,wizard,911\n", DirectoryFormat::Csv)
            .unwrap_err();
        assert!(e.to_string().contains("crisis_line"), "{e}");
        assert!(import_directory(&v, "nope", DirectoryFormat::Json).is_err());
    }
}
