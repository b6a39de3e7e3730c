//! The officer's safety plan, after the Stanley–Brown Safety Planning Intervention (Stanley &
//! Brown, 2012): six steps in the officer's own words, and the one thing that matters most.
//! It lives in the encrypted vault (and so in backups); every person or agency on it is one
//! tap to call or text, through the same allow-list as the directory.

use peerline_protocol::documents::{DirectoryEntry, EntryKind};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use crate::directory::{Action, actions_for};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Most entries in one step.
pub const MAX_ITEMS: usize = 12;
/// Longest entry, characters.
pub const MAX_ITEM_CHARS: usize = 300;
/// Largest plan, bytes of JSON: it syncs as one change, inside one 64 KiB upload.
pub const MAX_PLAN_BYTES: usize = 48 * 1024;

/// Someone (or somewhere) on the plan, with a number to call or text when there is one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct PlanContact {
    /// Name, or a place ("the gym on 5th").
    pub name: String,
    /// Phone number.
    pub phone: Option<String>,
}

/// The plan as the officer writes it. Every step may be empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct SafetyPlan {
    /// Step 1: warning signs that a crisis may be coming (thoughts, moods, situations).
    pub warning_signs: Vec<String>,
    /// Step 2: things I can do on my own to take my mind off things.
    pub coping: Vec<String>,
    /// Step 3: people and social settings that take my mind off things.
    pub distractions: Vec<PlanContact>,
    /// Step 4: people I can ask for help.
    pub helpers: Vec<PlanContact>,
    /// Step 5: professionals and agencies (crisis lines included).
    pub professionals: Vec<PlanContact>,
    /// Step 6: making my environment safe, in my own words.
    pub safe_environment: Vec<String>,
    /// The one thing most important to me and worth living for.
    pub reason: Option<String>,
}

/// A contact on the plan with its one-tap actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ContactCard {
    /// The contact.
    pub contact: PlanContact,
    /// Call and text (empty without a number; disabled, with the reason, when the number
    /// cannot be dialled).
    pub actions: Vec<Action>,
}

/// The plan as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PlanView {
    /// What the officer wrote.
    pub plan: SafetyPlan,
    /// Step 3 with actions.
    pub distractions: Vec<ContactCard>,
    /// Step 4 with actions.
    pub helpers: Vec<ContactCard>,
    /// Step 5 with actions.
    pub professionals: Vec<ContactCard>,
    /// When it was last changed (UTC, RFC 3339).
    pub updated_at_utc: String,
}

fn tidy_lines(field: &str, items: Vec<String>) -> Result<Vec<String>> {
    let items: Vec<String> = items
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    check_count(field, items.len())?;
    for s in &items {
        check_len(field, s)?;
    }
    Ok(items)
}

fn check_count(field: &str, n: usize) -> Result<()> {
    if n > MAX_ITEMS {
        return Err(Error::InvalidInput(format!(
            "{field}: keep it to {MAX_ITEMS} entries or fewer."
        )));
    }
    Ok(())
}

fn check_len(field: &str, s: &str) -> Result<()> {
    if s.chars().count() > MAX_ITEM_CHARS {
        return Err(Error::InvalidInput(format!(
            "{field}: each entry can be at most {MAX_ITEM_CHARS} characters."
        )));
    }
    Ok(())
}

fn tidy_contacts(field: &str, items: Vec<PlanContact>) -> Result<Vec<PlanContact>> {
    let items: Vec<PlanContact> = items
        .into_iter()
        .map(|c| PlanContact {
            name: c.name.trim().to_owned(),
            phone: c
                .phone
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty()),
        })
        .filter(|c| !c.name.is_empty() || c.phone.is_some())
        .collect();
    check_count(field, items.len())?;
    for c in &items {
        check_len(field, &c.name)?;
        if let Some(p) = &c.phone {
            let digits = p.chars().filter(char::is_ascii_digit).count();
            if !(3..=15).contains(&digits)
                || !p
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                return Err(Error::InvalidInput(format!(
                    "{field}: \u{201c}{p}\u{201d} does not look like a phone number."
                )));
            }
        }
    }
    Ok(items)
}

impl SafetyPlan {
    /// Trims every entry, drops empty ones, and checks sizes and numbers.
    pub fn tidy(self) -> Result<Self> {
        let reason = self
            .reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if let Some(r) = &reason {
            check_len("What matters most", r)?;
        }
        let plan = Self {
            warning_signs: tidy_lines("Warning signs", self.warning_signs)?,
            coping: tidy_lines("Things I can do on my own", self.coping)?,
            distractions: tidy_contacts("People and places", self.distractions)?,
            helpers: tidy_contacts("People I can ask for help", self.helpers)?,
            professionals: tidy_contacts("Professionals", self.professionals)?,
            safe_environment: tidy_lines("Making my surroundings safe", self.safe_environment)?,
            reason,
        };
        // Within what one sync upload carries (every step full, in a script of three bytes
        // a character, would not be).
        let bytes = serde_json::to_vec(&plan)
            .map(|j| j.len())
            .unwrap_or(usize::MAX);
        if bytes > MAX_PLAN_BYTES {
            return Err(Error::InvalidInput(
                "The plan is too long to keep and sync; shorten some entries.".into(),
            ));
        }
        Ok(plan)
    }

    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        self == &Self::default()
    }
}

fn card(c: &PlanContact) -> ContactCard {
    let entry = DirectoryEntry {
        name: c.name.clone(),
        kind: EntryKind::Program,
        specialties: Vec::new(),
        first_responder_competent: false,
        telehealth: false,
        languages: Vec::new(),
        cost: None,
        always_open: false,
        hours: None,
        region: None,
        phone: c.phone.clone(),
        sms: c.phone.clone(),
        sms_body: None,
        web: None,
        notes: None,
    };
    ContactCard {
        contact: c.clone(),
        actions: actions_for(&entry),
    }
}

pub(crate) fn view(plan: SafetyPlan, updated_at_utc: String) -> PlanView {
    PlanView {
        distractions: plan.distractions.iter().map(card).collect(),
        helpers: plan.helpers.iter().map(card).collect(),
        professionals: plan.professionals.iter().map(card).collect(),
        plan,
        updated_at_utc,
    }
}

/// The plan, if the officer has written one.
pub fn get(v: &Vault) -> Result<Option<PlanView>> {
    let row: Option<(String, String)> = v
        .conn()
        .query_row(
            "SELECT plan, updated_at_utc FROM safety_plan WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    row.map(|(json, at)| {
        let plan: SafetyPlan = serde_json::from_str(&json)
            .map_err(|_| Error::InvalidInput("The stored safety plan is damaged.".into()))?;
        Ok(view(plan, at))
    })
    .transpose()
}

/// Saves the plan (an empty one deletes it).
pub fn save(
    v: &Vault,
    plan: SafetyPlan,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<PlanView>> {
    let plan = plan.tidy()?;
    if plan.is_empty() {
        delete(v)?;
        return Ok(None);
    }
    let json = serde_json::to_string(&plan).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let at = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    v.conn()
        .execute(
            "INSERT INTO safety_plan (id, plan, updated_at_utc) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET plan = excluded.plan, updated_at_utc = excluded.updated_at_utc",
            params![json, at],
        )
        .map_err(Error::from_sqlite)?;
    crate::sync::records::plan_written(
        v.conn(),
        &crate::sync::records::PlanRecord {
            plan: plan.clone(),
            updated_at_utc: at.clone(),
        },
    )?;
    Ok(Some(view(plan, at)))
}

/// Deletes the plan.
pub fn delete(v: &Vault) -> Result<()> {
    let n = v
        .conn()
        .execute("DELETE FROM safety_plan", [])
        .map_err(Error::from_sqlite)?;
    if n > 0 {
        crate::sync::records::plan_deleted(v.conn())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::test_support::vault;

    fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339("2026-12-01T22:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn plan() -> SafetyPlan {
        SafetyPlan {
            warning_signs: vec!["Not sleeping after a bad call ".into(), " ".into()],
            coping: vec!["Run the river trail".into()],
            distractions: vec![PlanContact {
                name: "Brother Mike".into(),
                phone: Some("+1 555 010 2000".into()),
            }],
            helpers: vec![PlanContact {
                name: "Sgt. Diaz (retired)".into(),
                phone: Some("(555) 010-3000".into()),
            }],
            professionals: vec![PlanContact {
                name: "988 Suicide & Crisis Lifeline".into(),
                phone: Some("988".into()),
            }],
            safe_environment: vec!["Service weapon stays in the locker at the station".into()],
            reason: Some("My kids".into()),
        }
    }

    #[test]
    fn a_plan_round_trips_tidied_with_one_tap_actions() {
        let (_dir, v) = vault();
        assert!(get(&v).unwrap().is_none());
        let saved = save(&v, plan(), now()).unwrap().unwrap();
        assert_eq!(saved.plan.warning_signs, ["Not sleeping after a bad call"]);
        let back = get(&v).unwrap().unwrap();
        assert_eq!(back, saved);
        assert_eq!(back.updated_at_utc, "2026-12-01T22:00:00Z");
        let call = &back.professionals[0].actions[0];
        assert_eq!(call.uri.as_deref(), Some("tel:988"));
        assert!(
            back.helpers[0]
                .actions
                .iter()
                .any(|a| a.uri.as_deref().is_some_and(|u| u.starts_with("sms:")))
        );
    }

    #[test]
    fn a_plan_too_large_for_one_sync_upload_is_refused_with_a_clear_message() {
        // Every step full, in a script of three bytes a character: about 65 KiB of JSON.
        let long = "\u{3042}".repeat(MAX_ITEM_CHARS);
        let contact = PlanContact {
            name: long.clone(),
            phone: Some("+1 555 0100".into()),
        };
        let plan = SafetyPlan {
            warning_signs: vec![long.clone(); MAX_ITEMS],
            coping: vec![long.clone(); MAX_ITEMS],
            distractions: vec![contact.clone(); MAX_ITEMS],
            helpers: vec![contact.clone(); MAX_ITEMS],
            professionals: vec![contact; MAX_ITEMS],
            safe_environment: vec![long; MAX_ITEMS],
            reason: None,
        };
        let e = plan.tidy().unwrap_err();
        assert!(e.to_string().contains("too long"), "{e}");
    }

    #[test]
    fn bad_entries_are_clear_errors_and_an_empty_plan_is_deleted() {
        let (_dir, v) = vault();
        let mut bad = plan();
        bad.helpers[0].phone = Some("call me".into());
        let e = save(&v, bad, now()).unwrap_err();
        assert!(e.to_string().contains("People I can ask for help"), "{e}");
        let mut long = plan();
        long.coping = vec!["x".into(); MAX_ITEMS + 1];
        assert!(save(&v, long, now()).is_err());
        save(&v, plan(), now()).unwrap();
        assert!(save(&v, SafetyPlan::default(), now()).unwrap().is_none());
        assert!(get(&v).unwrap().is_none());
    }

    #[test]
    fn the_plan_goes_into_a_backup_and_comes_back_and_add_keeps_the_one_here() {
        use crate::backup::{RestoreMode, encrypt_with_work_factor, restore_bytes};
        const PASS: &str = "correct horse battery";
        let (_a, v) = vault();
        save(&v, plan(), now()).unwrap();
        let bytes = encrypt_with_work_factor(&v, PASS, 4).unwrap();

        let (_b, mut fresh) = vault();
        restore_bytes(&mut fresh, &bytes, PASS, RestoreMode::Ask).unwrap();
        assert_eq!(
            get(&fresh).unwrap().unwrap().plan,
            get(&v).unwrap().unwrap().plan
        );

        let (_c, mut own) = vault();
        let mine = SafetyPlan {
            reason: Some("The lake house".into()),
            ..SafetyPlan::default()
        };
        save(&own, mine.clone(), now()).unwrap();
        restore_bytes(&mut own, &bytes, PASS, RestoreMode::Add).unwrap();
        assert_eq!(
            get(&own).unwrap().unwrap().plan,
            mine,
            "Add never overwrites a plan"
        );
    }
}
