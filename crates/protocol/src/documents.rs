//! The documents a coordinator signs: the roster of peer supporters and the agency's
//! directory of professional help. Both are published through the relay as signed blobs
//! and verified by every phone against the team key from the invite.

use serde::{Deserialize, Serialize};

use crate::b64;

/// The team's peer supporters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The peers.
    pub peers: Vec<RosterPeer>,
}

/// One peer supporter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[serde(deny_unknown_fields)]
pub struct RosterPeer {
    /// Short stable id for routing (letters, digits, `-`, `_`).
    pub key_id: String,
    /// What officers see: "Sam R."
    pub display_name: String,
    /// Languages spoken.
    #[serde(default)]
    pub languages: Vec<String>,
    /// What they know well (critical incidents, family, substance use, …).
    #[serde(default)]
    pub specialties: Vec<String>,
    /// Usual on-duty hours, in words ("Mon–Fri 18:00–06:00").
    #[serde(default)]
    pub on_duty_hours: Option<String>,
    /// The peer's age X25519 recipient (`age1…`): requests are encrypted to it.
    pub age_recipient: String,
    /// The peer's ed25519 public key (base64): replies are signed with it.
    pub signing_key: String,
}

/// Kinds of help in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
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

/// The agency's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// Entries.
    pub entries: Vec<DirectoryEntry>,
}

/// One place to get help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[serde(deny_unknown_fields)]
pub struct DirectoryEntry {
    /// Name.
    pub name: String,
    /// Kind.
    pub kind: EntryKind,
    /// Specialties (trauma, PTSD, substance use, couples/family, grief, critical incident).
    #[serde(default)]
    pub specialties: Vec<String>,
    /// Experienced with first responders.
    #[serde(default)]
    pub first_responder_competent: bool,
    /// Offers telehealth.
    #[serde(default)]
    pub telehealth: bool,
    /// Languages.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Free, EAP-covered, insurance, sliding scale.
    #[serde(default)]
    pub cost: Option<String>,
    /// Open around the clock.
    #[serde(default)]
    pub always_open: bool,
    /// Opening hours in words, when not 24/7.
    #[serde(default)]
    pub hours: Option<String>,
    /// Region served.
    #[serde(default)]
    pub region: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// Number for text messages.
    #[serde(default)]
    pub sms: Option<String>,
    /// Words to start the text with, when the service asks for them ("HOME" for Crisis
    /// Text Line); the phone fills them in so the officer only has to press send.
    #[serde(default)]
    pub sms_body: Option<String>,
    /// Web page (https only).
    #[serde(default)]
    pub web: Option<String>,
    /// Notes.
    #[serde(default)]
    pub notes: Option<String>,
}

/// A problem in a roster or directory, naming the entry and field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError(pub String);

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DocumentError {}

fn phone_ok(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (3..=15).contains(&digits)
        && p.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

impl Roster {
    /// Checks every field; the error names the peer (by position and key id) and the field.
    pub fn validate(&self) -> Result<(), DocumentError> {
        if self.peers.is_empty() {
            return Err(DocumentError("peers: the roster lists no peers".into()));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.peers.iter().enumerate() {
            let at = format!("peers[{i}] ({})", p.key_id);
            let bad = |field: &str, why: &str| DocumentError(format!("{at}.{field}: {why}"));
            if p.key_id.is_empty()
                || p.key_id.len() > 64
                || !p
                    .key_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                return Err(bad("key_id", "use 1–64 letters, digits, '-' or '_'"));
            }
            if !seen.insert(p.key_id.as_str()) {
                return Err(bad("key_id", "appears twice"));
            }
            if p.display_name.trim().is_empty() || p.display_name.chars().count() > 60 {
                return Err(bad("display_name", "must be 1–60 characters"));
            }
            if !p.age_recipient.starts_with("age1") || p.age_recipient.len() != 62 {
                return Err(bad(
                    "age_recipient",
                    "must be an age X25519 recipient (age1…, 62 characters)",
                ));
            }
            if b64::decode(&p.signing_key).map(|k| k.len()) != Some(32) {
                return Err(bad(
                    "signing_key",
                    "must be a base64 ed25519 public key (32 bytes)",
                ));
            }
        }
        Ok(())
    }
}

impl Directory {
    /// Checks every entry; the error names the entry and field.
    pub fn validate(&self) -> Result<(), DocumentError> {
        for (i, e) in self.entries.iter().enumerate() {
            let at = format!("entries[{i}] ({})", e.name);
            let bad = |field: &str, why: &str| DocumentError(format!("{at}.{field}: {why}"));
            if e.name.trim().is_empty() || e.name.chars().count() > 120 {
                return Err(bad("name", "must be 1–120 characters"));
            }
            for (field, v) in [("phone", &e.phone), ("sms", &e.sms)] {
                if let Some(v) = v
                    && !phone_ok(v)
                {
                    return Err(bad(field, "is not a phone number"));
                }
            }
            if let Some(w) = &e.web
                && !w.starts_with("https://")
            {
                return Err(bad("web", "must start with https://"));
            }
            if let Some(body) = &e.sms_body
                && (e.sms.is_none() || body.trim().is_empty() || body.chars().count() > 160)
            {
                return Err(bad(
                    "sms_body",
                    "needs an sms number and 1–160 characters of text",
                ));
            }
            if e.phone.is_none() && e.sms.is_none() && e.web.is_none() {
                return Err(bad("phone", "an entry needs a phone, sms or web contact"));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(id: &str) -> RosterPeer {
        RosterPeer {
            key_id: id.into(),
            display_name: "Sam R.".into(),
            languages: vec!["en".into()],
            specialties: vec![],
            on_duty_hours: None,
            age_recipient: format!("age1{}", "q".repeat(58)),
            signing_key: b64::encode(&[1; 32]),
        }
    }

    #[test]
    fn roster_errors_name_the_peer_and_field() {
        assert!(
            Roster {
                peers: vec![peer("sam")]
            }
            .validate()
            .is_ok()
        );
        let e = Roster {
            peers: vec![peer("sam"), peer("sam")],
        }
        .validate()
        .unwrap_err();
        assert_eq!(e.0, "peers[1] (sam).key_id: appears twice");
        let mut p = peer("lee");
        p.age_recipient = "age1short".into();
        let e = Roster { peers: vec![p] }.validate().unwrap_err();
        assert!(e.0.starts_with("peers[0] (lee).age_recipient"));
        assert!(Roster { peers: vec![] }.validate().is_err());
    }

    #[test]
    fn directory_checks_contacts() {
        let mut e = DirectoryEntry {
            name: "EAP".into(),
            kind: EntryKind::Eap,
            specialties: vec![],
            first_responder_competent: true,
            telehealth: false,
            languages: vec![],
            cost: None,
            always_open: false,
            hours: None,
            region: None,
            phone: Some("+1 (555) 010-0000".into()),
            sms: None,
            sms_body: None,
            web: None,
            notes: None,
        };
        assert!(
            Directory {
                entries: vec![e.clone()]
            }
            .validate()
            .is_ok()
        );
        e.web = Some("http://insecure.example".into());
        let err = Directory {
            entries: vec![e.clone()],
        }
        .validate()
        .unwrap_err();
        assert_eq!(err.0, "entries[0] (EAP).web: must start with https://");
        e.web = None;
        e.sms_body = Some("HOME".into());
        let err = Directory {
            entries: vec![e.clone()],
        }
        .validate()
        .unwrap_err();
        assert!(err.0.contains("sms_body"), "a body needs an sms number");
        e.sms = Some("741741".into());
        assert!(
            Directory {
                entries: vec![e.clone()]
            }
            .validate()
            .is_ok()
        );
        e.phone = Some("call me".into());
        assert!(Directory { entries: vec![e] }.validate().is_err());
    }
}
