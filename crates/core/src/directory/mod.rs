//! Where to get professional help: national resources built into the app (they work offline
//! from first launch, even with the vault locked), the agency's own list signed by the
//! coordinator, an offline search over both, and one-tap call / text / web actions.
//! See DESIGN.md, "Directory".

mod actions;
pub(crate) mod agency;
mod builtin;
mod index;
mod search;

use peerline_protocol::documents::{DirectoryEntry, EntryKind};
use serde::{Deserialize, Serialize};

pub use actions::{Action, ActionKind, actions_for, allowed_uri};
pub use agency::{AgencyInfo, Refusal, agency_info, install, sync_directory, verify_directory};
pub use builtin::{Resource, builtin, builtin_hits};
pub use search::{Query, search};

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Shipped with the app: national resources, each with its source and date checked.
    Builtin,
    /// Published by the agency's coordinator and verified against the team key.
    Agency,
}

impl Origin {
    fn as_str(self) -> &'static str {
        match self {
            Self::Builtin => "builtin",
            Self::Agency => "agency",
        }
    }
}

/// Kinds of help, as the UI sees them (mirrors the wire type, which stays free of UI derives).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A crisis line.
    CrisisLine,
    /// A counselor or therapist.
    Counselor,
    /// The employee assistance program.
    Eap,
    /// A chaplain.
    Chaplain,
    /// A program (first-responder, residential, …).
    Program,
    /// Another peer team.
    PeerTeam,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::CrisisLine => "crisis_line",
            Self::Counselor => "counselor",
            Self::Eap => "eap",
            Self::Chaplain => "chaplain",
            Self::Program => "program",
            Self::PeerTeam => "peer_team",
        }
    }
}

impl From<EntryKind> for Kind {
    fn from(k: EntryKind) -> Self {
        match k {
            EntryKind::CrisisLine => Self::CrisisLine,
            EntryKind::Counselor => Self::Counselor,
            EntryKind::Eap => Self::Eap,
            EntryKind::Chaplain => Self::Chaplain,
            EntryKind::Program => Self::Program,
            EntryKind::PeerTeam => Self::PeerTeam,
        }
    }
}

/// One place to get help, as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct EntryCard {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: Kind,
    /// Specialties, as written by the publisher.
    pub specialties: Vec<String>,
    /// Experienced with first responders.
    pub first_responder_competent: bool,
    /// Offers telehealth.
    pub telehealth: bool,
    /// Languages.
    pub languages: Vec<String>,
    /// Free, EAP-covered, insurance, sliding scale.
    pub cost: Option<String>,
    /// Open around the clock.
    pub always_open: bool,
    /// Opening hours in words, when not 24/7.
    pub hours: Option<String>,
    /// Region served.
    pub region: Option<String>,
    /// Phone number, as written.
    pub phone: Option<String>,
    /// Number for text messages, as written.
    pub sms: Option<String>,
    /// Words the text message starts with.
    pub sms_body: Option<String>,
    /// Web page.
    pub web: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

impl From<DirectoryEntry> for EntryCard {
    fn from(e: DirectoryEntry) -> Self {
        Self {
            name: e.name,
            kind: e.kind.into(),
            specialties: e.specialties,
            first_responder_competent: e.first_responder_competent,
            telehealth: e.telehealth,
            languages: e.languages,
            cost: e.cost,
            always_open: e.always_open,
            hours: e.hours,
            region: e.region,
            phone: e.phone,
            sms: e.sms,
            sms_body: e.sms_body,
            web: e.web,
            notes: e.notes,
        }
    }
}

/// A search result: the entry, where it comes from, and what one tap can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Hit {
    /// Stable id: the built-in resource's id, or `agency-<position>` in the agency's list.
    pub id: String,
    /// Built into the app, or the agency's.
    pub origin: Origin,
    /// The entry.
    pub entry: EntryCard,
    /// Call, text and web, in that order, for the contacts the entry has.
    pub actions: Vec<Action>,
    /// Where a built-in entry was checked (none for the agency's).
    pub source_url: Option<String>,
    /// When a built-in entry was checked, `YYYY-MM-DD`.
    pub checked_on: Option<String>,
}

impl Hit {
    fn new(
        id: String,
        origin: Origin,
        entry: DirectoryEntry,
        source_url: Option<String>,
        checked_on: Option<String>,
    ) -> Self {
        Self {
            id,
            origin,
            actions: actions_for(&entry),
            entry: entry.into(),
            source_url,
            checked_on,
        }
    }
}

/// Crisis lines open around the clock first, then other crisis lines, then anything 24/7,
/// then the rest: the order for an urgent search and for the list with no search words.
fn urgency_rank(e: &DirectoryEntry) -> i64 {
    let crisis = e.kind == EntryKind::CrisisLine;
    match (crisis, e.always_open) {
        (true, true) => 0,
        (true, false) => 1,
        (false, true) => 2,
        (false, false) => 3,
    }
}

#[cfg(test)]
pub(crate) mod test_support;
