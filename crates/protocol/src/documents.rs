//! The documents a coordinator signs: the roster of peer supporters and the agency's
//! directory of professional help. Both are published through the relay as signed blobs
//! and verified by every phone against the team key from the invite.

use serde::{Deserialize, Serialize};

use crate::b64;

/// Largest roster or directory (its JSON, before base64) a phone accepts, and so the
/// largest the relay stores and the console publishes.
pub const MAX_DOCUMENT_BYTES: usize = 16 * 1024 * 1024;

/// The team's peer supporters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Roster {
    /// The peers.
    pub peers: Vec<RosterPeer>,
}

/// One peer supporter. The fields after `on_duty_hours` are set by the coordinator so an
/// officer can choose, on their own phone, who may see their request; every one is
/// optional, so rosters signed before they existed still verify.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct RosterPeer {
    /// Short stable id for routing (letters, digits, `-`, `_`).
    pub key_id: String,
    /// What officers see: "Sam R."
    pub display_name: String,
    /// Languages spoken.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Experience areas: what they know well (critical incident, line-of-duty death,
    /// family, substance use, …). `experience` is accepted as another name.
    #[serde(default, alias = "experience")]
    pub specialties: Vec<String>,
    /// Usual on-duty hours, in words ("Mon–Fri 18:00–06:00").
    #[serde(default)]
    pub on_duty_hours: Option<String>,
    /// Unit or assignment, in the agency's own words ("Patrol North", "Dispatch"): an
    /// officer can keep their request from their own unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Gender, for officers who prefer to talk to a woman or a man.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gender: Option<Gender>,
    /// Sworn, civilian or retired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_group: Option<RankGroup>,
    /// Years of service, as a band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_years: Option<ServiceYears>,
    /// Weekly on-duty schedule in the team's local time, one stretch per entry:
    /// `"mon 18-06"` is Monday 18:00 to Tuesday 06:00, `"sat 00-24"` all Saturday. The
    /// coordinator's console shows the hours nobody covers from it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedule: Vec<String>,
    /// The peer's age X25519 recipient (`age1…`): requests are encrypted to it.
    pub age_recipient: String,
    /// The peer's ed25519 public key (base64): replies are signed with it.
    pub signing_key: String,
}

/// A peer's gender as the roster states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    /// A woman.
    Woman,
    /// A man.
    Man,
    /// Non-binary.
    Nonbinary,
}

/// Where a peer stands in the agency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RankGroup {
    /// A sworn officer.
    Sworn,
    /// Civilian staff (dispatch, records, forensics, …).
    Civilian,
    /// Retired.
    Retired,
}

/// Years of service, banded so the roster does not pin down a career.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum ServiceYears {
    /// Fewer than 5 years.
    #[serde(rename = "under_5")]
    Under5,
    /// 5 to 14 years.
    #[serde(rename = "5_to_14")]
    From5To14,
    /// 15 to 24 years.
    #[serde(rename = "15_to_24")]
    From15To24,
    /// 25 years or more.
    #[serde(rename = "25_plus")]
    From25,
}

/// Kinds of help in the directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(deny_unknown_fields)]
pub struct Directory {
    /// Entries.
    pub entries: Vec<DirectoryEntry>,
}

/// One place to get help.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
pub struct DocumentError {
    /// The peer's or entry's position, when the problem is in one.
    pub index: Option<usize>,
    /// The field (`unit`, `phone`, …), for an editor to put the message beside it.
    pub field: String,
    /// What is wrong, in words.
    pub message: String,
    at: String,
}

impl DocumentError {
    fn new(index: Option<usize>, at: String, field: &str, message: &str) -> Self {
        Self {
            index,
            field: field.to_owned(),
            message: message.to_owned(),
            at,
        }
    }
}

impl std::fmt::Display for DocumentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.at.is_empty() {
            write!(f, "{}: {}", self.field, self.message)
        } else {
            write!(f, "{}.{}: {}", self.at, self.field, self.message)
        }
    }
}

impl std::error::Error for DocumentError {}

fn phone_ok(p: &str) -> bool {
    let digits = p.chars().filter(char::is_ascii_digit).count();
    (3..=15).contains(&digits)
        && p.chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
}

/// Text a coordinator types for a roster field: not blank, at most `most` characters, no
/// line breaks or other control characters (it is shown as one line on a phone).
fn short_text(s: &str, most: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= most && !s.chars().any(char::is_control)
}

const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// The hours of the week (0 = Monday 00:00–01:00, team local time) a schedule covers, in
/// order, each once. Each entry is `"<day> <from>-<to>"`: a day `mon`…`sun` and whole
/// hours 0–24; a `to` at or before `from` runs past midnight into the next day.
pub fn schedule_hours(schedule: &[String]) -> Result<Vec<usize>, String> {
    let mut covered = [false; 168];
    for entry in schedule {
        let wrong = || {
            format!("\"{entry}\" is not a stretch like \"mon 18-06\" (a day mon…sun, hours 0–24)")
        };
        let (day, hours) = entry.trim().split_once(' ').ok_or_else(wrong)?;
        let day = DAYS
            .iter()
            .position(|d| d.eq_ignore_ascii_case(day.trim()))
            .ok_or_else(wrong)?;
        let (from, to) = hours.trim().split_once('-').ok_or_else(wrong)?;
        let hour = |s: &str| s.trim().parse::<usize>().ok().filter(|h| *h <= 24);
        let (from, to) = (hour(from).ok_or_else(wrong)?, hour(to).ok_or_else(wrong)?);
        if from == 24 {
            return Err(wrong());
        }
        let len = if to > from { to - from } else { 24 - from + to };
        for h in 0..len {
            covered[(day * 24 + from + h) % 168] = true;
        }
    }
    Ok((0..168).filter(|h| covered[*h]).collect())
}

impl Roster {
    /// Checks every field; the error names the peer (by position and key id) and the field.
    pub fn validate(&self) -> Result<(), DocumentError> {
        if self.peers.is_empty() {
            return Err(DocumentError::new(
                None,
                String::new(),
                "peers",
                "the roster lists no peers",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, p) in self.peers.iter().enumerate() {
            let at = format!("peers[{i}] ({})", p.key_id);
            let bad = |field: &str, why: &str| DocumentError::new(Some(i), at.clone(), field, why);
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
            if let Some(unit) = &p.unit
                && !short_text(unit, 60)
            {
                return Err(bad(
                    "unit",
                    "must be 1–60 characters on one line (or leave it out)",
                ));
            }
            if p.schedule.len() > 28 {
                return Err(bad("schedule", "lists more than 28 stretches"));
            }
            if let Err(why) = schedule_hours(&p.schedule) {
                return Err(bad("schedule", &why));
            }
            for (field, list, most) in [
                ("languages", &p.languages, 10),
                ("specialties", &p.specialties, 20),
            ] {
                if list.len() > most {
                    return Err(bad(field, &format!("lists more than {most} entries")));
                }
                if list.iter().any(|v| !short_text(v, 40)) {
                    return Err(bad(field, "each entry must be 1–40 characters on one line"));
                }
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
            let bad = |field: &str, why: &str| DocumentError::new(Some(i), at.clone(), field, why);
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
            ..RosterPeer::default()
        }
    }

    #[test]
    fn a_roster_signed_before_the_choosing_fields_still_reads() {
        let old = r#"{"peers":[{"key_id":"sam","display_name":"Sam R.","languages":["en"],
            "specialties":[],"on_duty_hours":null,"age_recipient":"age1x","signing_key":"AA=="}]}"#;
        let r: Roster = serde_json::from_str(old).unwrap();
        assert_eq!(r.peers[0].unit, None);
        assert_eq!(r.peers[0].gender, None);
    }

    #[test]
    fn the_choosing_fields_read_from_toml_and_are_checked() {
        let text = format!(
            "[[peers]]\nkey_id = \"sam\"\ndisplay_name = \"Sam R.\"\nage_recipient = \"age1{}\"\n\
             signing_key = \"{}\"\nunit = \"Patrol North\"\ngender = \"woman\"\n\
             rank_group = \"retired\"\nservice_years = \"15_to_24\"\n\
             experience = [\"critical incident\", \"family\"]\nlanguages = [\"English\", \"Spanish\"]\n",
            "q".repeat(58),
            b64::encode(&[1; 32])
        );
        let r: Roster = toml::from_str(&text).unwrap();
        r.validate().unwrap();
        let p = &r.peers[0];
        assert_eq!(p.unit.as_deref(), Some("Patrol North"));
        assert_eq!(p.gender, Some(Gender::Woman));
        assert_eq!(p.rank_group, Some(RankGroup::Retired));
        assert_eq!(p.service_years, Some(ServiceYears::From15To24));
        assert_eq!(p.specialties, ["critical incident", "family"]);

        let wrong = text.replace("\"woman\"", "\"female\"");
        let e = toml::from_str::<Roster>(&wrong).unwrap_err().to_string();
        assert!(e.contains("woman") && e.contains("female"), "{e}");

        let mut bad = r.clone();
        bad.peers[0].unit = Some("Patrol\nNorth".into());
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            "peers[0] (sam).unit: must be 1–60 characters on one line (or leave it out)"
        );
        let mut bad = r.clone();
        bad.peers[0].languages.push(String::new());
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .starts_with("peers[0] (sam).languages")
        );
        let mut bad = r;
        bad.peers[0].specialties = vec!["x".into(); 21];
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("more than 20")
        );
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
        assert_eq!(e.to_string(), "peers[1] (sam).key_id: appears twice");
        let mut p = peer("lee");
        p.age_recipient = "age1short".into();
        let e = Roster { peers: vec![p] }.validate().unwrap_err();
        assert!(e.to_string().starts_with("peers[0] (lee).age_recipient"));
        assert_eq!((e.index, e.field.as_str()), (Some(0), "age_recipient"));
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
        assert_eq!(
            err.to_string(),
            "entries[0] (EAP).web: must start with https://"
        );
        e.web = None;
        e.sms_body = Some("HOME".into());
        let err = Directory {
            entries: vec![e.clone()],
        }
        .validate()
        .unwrap_err();
        assert!(
            err.to_string().contains("sms_body"),
            "a body needs an sms number"
        );
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

#[cfg(test)]
mod schedule_tests {
    use super::schedule_hours;

    #[test]
    fn stretches_cover_their_hours_and_wrap_past_midnight_and_the_week() {
        assert_eq!(schedule_hours(&["mon 18-20".into()]).unwrap(), vec![18, 19]);
        let night = schedule_hours(&["mon 22-02".into()]).unwrap();
        assert_eq!(night, vec![22, 23, 24, 25]);
        let sunday = schedule_hours(&["sun 23-01".into()]).unwrap();
        assert_eq!(sunday, vec![0, 167]);
        assert_eq!(schedule_hours(&["sat 00-24".into()]).unwrap().len(), 24);
        assert_eq!(schedule_hours(&["tue 8-8".into()]).unwrap().len(), 24);
        // Overlaps count each hour once.
        let both = schedule_hours(&["mon 18-20".into(), "mon 19-21".into()]).unwrap();
        assert_eq!(both, vec![18, 19, 20]);
    }

    #[test]
    fn a_wrong_stretch_says_what_is_expected() {
        for bad in [
            "monday 18-20",
            "mon 18",
            "mon 25-02",
            "mon 24-02",
            "18-20",
            "mon a-b",
        ] {
            let e = schedule_hours(&[bad.into()]).unwrap_err();
            assert!(e.contains("mon 18-06"), "{bad}: {e}");
        }
    }
}
