//! Follow-up after a critical incident: short check-ins offered about a day, three days, a
//! week and a month after it, as critical incident stress management (CISM) practice
//! follows people up (Mitchell & Everly; the International Critical Incident Stress
//! Foundation), with the PCL-5 offered, never forced, at a week and a month.
//!
//! Two halves, like the daily reminder. The series (when the incident was, which steps are
//! done) is in the encrypted vault. Only the moments of the next prompts are kept outside
//! it, in `vault.json`, as bare local wall-clock times with no label, so a prompt can come
//! while the vault is locked without the file saying why. A prompt's words are the
//! reminder's: "Time for your check-in".
//!
//! Times are local wall-clock times, resolved with the phone's offset when they are due:
//! the 9 o'clock prompt stays at 9 o'clock across a daylight-saving change or a trip. A
//! prompt that would fall in the night moves to 9:00 the next morning.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, NaiveTime, Timelike as _};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::vault::Vault;

/// One follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Step {
    /// About a day after.
    Day1,
    /// About three days after.
    Day3,
    /// About a week after (the PCL-5 is offered).
    Week1,
    /// About a month after (the PCL-5 is offered).
    Month1,
}

/// Every step, in order.
pub const STEPS: [Step; 4] = [Step::Day1, Step::Day3, Step::Week1, Step::Month1];

/// Where the practice comes from, as the screen names it.
pub const SOURCE: &str = "Follow-up at about 24 hours, 72 hours, a week and a month, after critical incident stress management practice (Mitchell & Everly; International Critical Incident Stress Foundation).";

/// Prompts come between these hours, local time.
const DAY_STARTS: u32 = 9;
const DAY_ENDS: u32 = 20;

impl Step {
    fn days(self) -> i64 {
        match self {
            Self::Day1 => 1,
            Self::Day3 => 3,
            Self::Week1 => 7,
            Self::Month1 => 30,
        }
    }

    /// "A day after", as the screen says it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Day1 => "A day after",
            Self::Day3 => "Three days after",
            Self::Week1 => "A week after",
            Self::Month1 => "A month after",
        }
    }

    /// Whether the PCL-5 is offered at this step.
    pub fn offers_pcl5(self) -> bool {
        matches!(self, Self::Week1 | Self::Month1)
    }

    /// When this step is due for an incident at `incident` (local wall-clock time): the
    /// same time of day that many days on, moved out of the night.
    pub fn due(self, incident: NaiveDateTime) -> NaiveDateTime {
        let at = incident + Duration::days(self.days());
        let morning = |d: chrono::NaiveDate| {
            d.and_time(NaiveTime::from_hms_opt(DAY_STARTS, 0, 0).unwrap_or_default())
        };
        if at.hour() < DAY_STARTS {
            morning(at.date())
        } else if at.hour() >= DAY_ENDS {
            morning(at.date().succ_opt().unwrap_or(at.date()))
        } else {
            at.with_second(0).unwrap_or(at)
        }
    }
}

/// The prompt moments kept in `vault.json`: local wall-clock times, nothing else.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompts {
    /// Still to come, earliest first.
    #[serde(default)]
    pub at: Vec<NaiveDateTime>,
}

impl Prompts {
    /// When the next prompt is due at or after `now`: `now` when one is already due.
    pub fn next_due_at(&self, now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let next = self.at.iter().min()?;
        if *next <= now.naive_local() {
            return Some(now);
        }
        next.and_local_timezone(now.timezone()).earliest()
    }

    /// Takes every prompt due at `now`; true when there was one. Several missed while the
    /// phone was off make one prompt, late, and none comes back.
    pub fn take_due(&mut self, now: DateTime<FixedOffset>) -> bool {
        let before = self.at.len();
        self.at.retain(|t| *t > now.naive_local());
        self.at.len() < before
    }
}

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not yet.
    Upcoming,
    /// Now: the check-in to do.
    Due,
    /// Done, or set aside.
    Done,
    /// Its time went by while a later one came due.
    Passed,
}

/// One step as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepView {
    /// Which.
    pub step: Step,
    /// "A week after".
    pub label: String,
    /// Local wall-clock time it is due ("2026-12-09T09:00:00").
    pub due_local: String,
    /// Where it stands.
    pub state: StepState,
    /// The PCL-5 is offered with it.
    pub offer_pcl5: bool,
}

/// The series as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FollowUpView {
    /// The day of the incident (local).
    pub incident_day: String,
    /// Every step.
    pub steps: Vec<StepView>,
    /// The step to do now, if one is due.
    pub current: Option<StepView>,
    /// Where the practice comes from.
    pub source: String,
}

fn load(v: &Vault) -> Result<Option<(NaiveDateTime, Vec<Step>)>> {
    let row: Option<(String, String)> = v
        .conn()
        .query_row(
            "SELECT incident_local, done FROM incident_followup WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    let Some((incident, done)) = row else {
        return Ok(None);
    };
    let incident = NaiveDateTime::parse_from_str(&incident, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| Error::InvalidInput("The follow-up kept here could not be read.".into()))?;
    Ok(Some((
        incident,
        serde_json::from_str(&done).unwrap_or_default(),
    )))
}

/// Starts (or starts again) the series for an incident at `incident` (local time);
/// returns the prompt moments for `vault.json`.
pub fn start(v: &Vault, incident: NaiveDateTime) -> Result<Vec<NaiveDateTime>> {
    v.conn()
        .execute(
            "INSERT INTO incident_followup (id, incident_local, done) VALUES (1, ?1, '[]')
             ON CONFLICT (id) DO UPDATE SET incident_local = excluded.incident_local, done = '[]'",
            params![incident.format("%Y-%m-%dT%H:%M:%S").to_string()],
        )
        .map_err(Error::from_sqlite)?;
    Ok(STEPS.iter().map(|s| s.due(incident)).collect())
}

/// Marks a step done (its check-in saved, or "not now"). After the last, the series ends.
pub fn complete(v: &Vault, step: Step) -> Result<()> {
    let Some((_, mut done)) = load(v)? else {
        return Err(Error::NotFound("a follow-up series"));
    };
    if !done.contains(&step) {
        done.push(step);
        done.sort();
    }
    let json = serde_json::to_string(&done).map_err(|e| Error::InvalidInput(e.to_string()))?;
    v.conn()
        .execute(
            "UPDATE incident_followup SET done = ?1 WHERE id = 1",
            params![json],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
}

/// Ends the series: nothing more is offered, and no prompt comes.
pub fn stop(v: &Vault) -> Result<()> {
    v.conn()
        .execute("DELETE FROM incident_followup", [])
        .map_err(Error::from_sqlite)?;
    Ok(())
}

/// The series at `now` (local), if one is running and not finished.
pub fn view(v: &Vault, now: NaiveDateTime) -> Result<Option<FollowUpView>> {
    let Some((incident, done)) = load(v)? else {
        return Ok(None);
    };
    if STEPS.iter().all(|s| done.contains(s)) {
        return Ok(None);
    }
    // The latest step that has come is the one to do now, unless it is done: an earlier
    // one missed is not asked for again.
    let current = STEPS
        .iter()
        .rev()
        .find(|s| s.due(incident) <= now)
        .filter(|s| !done.contains(s))
        .copied();
    let steps: Vec<StepView> = STEPS
        .iter()
        .map(|s| StepView {
            step: *s,
            label: s.label().to_owned(),
            due_local: s.due(incident).format("%Y-%m-%dT%H:%M:%S").to_string(),
            state: if done.contains(s) {
                StepState::Done
            } else if Some(*s) == current {
                StepState::Due
            } else if s.due(incident) <= now {
                StepState::Passed
            } else {
                StepState::Upcoming
            },
            offer_pcl5: s.offers_pcl5(),
        })
        .collect();
    Ok(Some(FollowUpView {
        incident_day: incident.date().to_string(),
        current: steps.iter().find(|s| s.state == StepState::Due).cloned(),
        steps,
        source: SOURCE.to_owned(),
    }))
}

/// The prompts still to come for the series in the vault (after a restore, say).
pub fn prompts_ahead(v: &Vault, now: NaiveDateTime) -> Result<Vec<NaiveDateTime>> {
    Ok(match load(v)? {
        Some((incident, done)) => STEPS
            .iter()
            .filter(|s| !done.contains(s))
            .map(|s| s.due(incident))
            .filter(|t| *t > now)
            .collect(),
        None => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::test_support::vault;

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn steps_fall_by_day_and_never_in_the_night() {
        let incident = local("2026-11-30T14:30");
        assert_eq!(Step::Day1.due(incident), local("2026-12-01T14:30"));
        assert_eq!(Step::Day3.due(incident), local("2026-12-03T14:30"));
        assert_eq!(Step::Week1.due(incident), local("2026-12-07T14:30"));
        assert_eq!(Step::Month1.due(incident), local("2026-12-30T14:30"));
        // A night call: the follow-up waits for the morning.
        assert_eq!(
            Step::Day1.due(local("2026-11-30T03:10")),
            local("2026-12-01T09:00")
        );
        assert_eq!(
            Step::Day1.due(local("2026-11-30T22:45")),
            local("2026-12-02T09:00")
        );
    }

    #[test]
    fn a_prompt_keeps_its_wall_clock_time_across_daylight_saving_and_travel() {
        // 9:00 on 2026-11-02 in New York is after the change back to EST (UTC-5).
        let p = Prompts {
            at: vec![local("2026-11-02T09:00")],
        };
        let before = at("2026-10-31T12:00:00-04:00");
        assert_eq!(
            p.next_due_at(before).unwrap().to_rfc3339(),
            "2026-11-02T09:00:00-04:00",
            "resolved with today's offset while planning"
        );
        let after = at("2026-11-02T08:00:00-05:00");
        assert_eq!(
            p.next_due_at(after).unwrap().to_rfc3339(),
            "2026-11-02T09:00:00-05:00",
            "and with the new offset once it applies: still 9:00 on the wall"
        );
        // In another time zone it is 9:00 there.
        let travelling = at("2026-11-02T07:00:00-08:00");
        assert_eq!(
            p.next_due_at(travelling).unwrap().to_rfc3339(),
            "2026-11-02T09:00:00-08:00"
        );
    }

    #[test]
    fn a_phone_that_was_off_prompts_once_late_and_never_twice() {
        let mut p = Prompts {
            at: STEPS
                .iter()
                .map(|s| s.due(local("2026-11-30T14:30")))
                .collect(),
        };
        assert!(!p.take_due(at("2026-12-01T14:00:00-05:00")));
        // Off from the day before until day 5: one prompt for the two missed.
        assert!(p.take_due(at("2026-12-05T10:00:00-05:00")));
        assert!(!p.take_due(at("2026-12-05T10:01:00-05:00")));
        assert_eq!(p.at.len(), 2);
        assert_eq!(
            p.next_due_at(at("2026-12-05T10:01:00-05:00"))
                .unwrap()
                .to_rfc3339(),
            "2026-12-07T14:30:00-05:00"
        );
    }

    #[test]
    fn the_series_shows_the_step_due_and_ends_when_stopped_or_done() {
        let (_d, v) = vault();
        let incident = local("2026-11-30T14:30");
        let prompts = start(&v, incident).unwrap();
        assert_eq!(prompts.len(), 4);
        let f = view(&v, local("2026-11-30T20:00")).unwrap().unwrap();
        assert_eq!(f.current, None);
        assert!(f.steps.iter().all(|s| s.state == StepState::Upcoming));
        // Day 8: the week step is due, the earlier two went by.
        let f = view(&v, local("2026-12-08T10:00")).unwrap().unwrap();
        let current = f.current.unwrap();
        assert_eq!((current.step, current.offer_pcl5), (Step::Week1, true));
        assert_eq!(f.steps[0].state, StepState::Passed);
        complete(&v, Step::Week1).unwrap();
        let f = view(&v, local("2026-12-08T10:05")).unwrap().unwrap();
        assert_eq!(f.current, None);
        assert_eq!(
            prompts_ahead(&v, local("2026-12-08T10:05")).unwrap(),
            vec![local("2026-12-30T14:30")]
        );
        stop(&v).unwrap();
        assert_eq!(view(&v, local("2026-12-08T10:05")).unwrap(), None);
        assert!(complete(&v, Step::Month1).is_err());
        // Every step done: the series is over.
        start(&v, incident).unwrap();
        for s in STEPS {
            complete(&v, s).unwrap();
        }
        assert_eq!(view(&v, local("2027-01-08T10:05")).unwrap(), None);
    }
}
