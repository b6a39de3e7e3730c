//! The daily check-in reminder: a time of day the officer picks, and a notification whose
//! words are fixed. It never carries a score, a note, a screener's name or anything else
//! from the vault — it may show on a lock screen or a shared tablet.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Timelike as _};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The notification's title.
pub const TITLE: &str = "Peerline";
/// The notification's text: the same every day, whatever the officer recorded.
pub const TEXT: &str = "Time for your check-in";

/// A time of day, in the phone's local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReminderTime {
    /// 0–23.
    pub hour: u8,
    /// 0–59.
    pub minute: u8,
}

impl ReminderTime {
    pub(crate) fn time(self) -> Result<NaiveTime> {
        NaiveTime::from_hms_opt(u32::from(self.hour), u32::from(self.minute), 0).ok_or_else(|| {
            Error::InvalidInput("Choose a reminder time between 00:00 and 23:59.".into())
        })
    }
}

/// What `vault.json` keeps about the reminder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderState {
    /// When to remind; `None` is off.
    #[serde(default)]
    pub at: Option<ReminderTime>,
    /// The local day the reminder was last shown (or deliberately skipped).
    #[serde(default)]
    pub done_on: Option<NaiveDate>,
}

impl ReminderState {
    /// Whether today's reminder is due at `now` (local time).
    pub fn due(&self, now: DateTime<FixedOffset>) -> bool {
        let Some(time) = self.at.and_then(|t| t.time().ok()) else {
            return false;
        };
        self.done_on != Some(now.date_naive()) && now.time().with_nanosecond(0) >= Some(time)
    }
}

impl ReminderState {
    /// The next moment the reminder is due at or after `now`: `now` itself when it is due,
    /// today's time when that is still ahead, else tomorrow's. `None` when it is off.
    pub fn next_due_at(&self, now: DateTime<FixedOffset>) -> Option<DateTime<FixedOffset>> {
        let time = self.at.and_then(|t| t.time().ok())?;
        if self.due(now) {
            return Some(now);
        }
        let today = now.date_naive();
        let day = if self.done_on == Some(today) || now.time() >= time {
            today.succ_opt()?
        } else {
            today
        };
        day.and_time(time)
            .and_local_timezone(now.timezone())
            .single()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn due_once_a_day_from_the_chosen_time() {
        let mut r = ReminderState {
            at: Some(ReminderTime {
                hour: 20,
                minute: 30,
            }),
            done_on: None,
        };
        assert!(!r.due(at("2026-11-25T20:29:59-05:00")));
        assert!(r.due(at("2026-11-25T20:30:00-05:00")));
        r.done_on = Some(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        assert!(!r.due(at("2026-11-25T23:00:00-05:00")));
        assert!(!r.due(at("2026-11-26T08:00:00-05:00")));
        assert!(r.due(at("2026-11-26T21:00:00-05:00")));
        r.at = None;
        assert!(!r.due(at("2026-11-27T21:00:00-05:00")));
    }

    #[test]
    fn the_next_due_moment_is_today_tomorrow_or_now() {
        let mut r = ReminderState {
            at: Some(ReminderTime {
                hour: 20,
                minute: 30,
            }),
            done_on: None,
        };
        let next = |r: &ReminderState, s| r.next_due_at(at(s)).map(|d| d.to_rfc3339());
        assert_eq!(
            next(&r, "2026-11-25T08:00:00-05:00").as_deref(),
            Some("2026-11-25T20:30:00-05:00")
        );
        assert_eq!(
            next(&r, "2026-11-25T21:00:00-05:00").as_deref(),
            Some("2026-11-25T21:00:00-05:00"),
            "past the time and not yet shown: due now"
        );
        r.done_on = Some(NaiveDate::from_ymd_opt(2026, 11, 25).unwrap());
        assert_eq!(
            next(&r, "2026-11-25T21:00:00-05:00").as_deref(),
            Some("2026-11-26T20:30:00-05:00")
        );
        r.at = None;
        assert_eq!(next(&r, "2026-11-25T21:00:00-05:00"), None);
    }

    #[test]
    fn the_text_says_nothing_private() {
        assert_eq!(TEXT, "Time for your check-in");
        assert_eq!(TITLE, "Peerline");
    }
}
