//! The daily check-in reminder: a time of day the officer picks, and a notification whose
//! words are fixed. It never carries a score, a note, a screener's name or anything else
//! from the vault — it may show on a lock screen or a shared tablet.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, Timelike as _};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::session::Session;

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
    fn time(self) -> Result<NaiveTime> {
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

impl Session {
    /// The reminder time, if one is set.
    pub fn reminder(&self) -> Option<ReminderTime> {
        self.meta().and_then(|m| m.reminder.at)
    }

    /// Sets (or with `None`, turns off) the daily reminder. A time already past today
    /// starts tomorrow, so setting it never pops a notification at once.
    pub fn set_reminder(&mut self, at: Option<ReminderTime>) -> Result<Option<ReminderTime>> {
        if let Some(t) = at {
            t.time()?;
        }
        let now = self.clock().now_local();
        self.update_meta(|m| {
            m.reminder.at = at;
            m.reminder.done_on = None;
            if m.reminder.due(now) {
                m.reminder.done_on = Some(now.date_naive());
            }
        })?;
        Ok(at)
    }

    /// Called on a timer: `true` when the reminder should be shown now. It is shown at most
    /// once a day, and not at all on a day the officer has already checked in (when the
    /// vault is open to tell). A failed write of the settings file shows nothing, so a full
    /// disk cannot turn into a notification every minute.
    pub fn take_due_reminder(&mut self) -> bool {
        let now = self.clock().now_local();
        if !self.meta().is_some_and(|m| m.reminder.due(now)) {
            return false;
        }
        let already = self
            .vault()
            .ok()
            .and_then(|v| crate::checkins::checked_in_on(v, now.date_naive()).ok())
            .unwrap_or(false);
        self.update_meta(|m| m.reminder.done_on = Some(now.date_naive()))
            .is_ok()
            && !already
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

    fn start(dir: &std::path::Path, clock: std::sync::Arc<crate::clock::ManualClock>) -> Session {
        Session::start_with_clock(
            crate::session::SessionConfig {
                data_dir: dir.to_owned(),
                kdf: crate::vault::wrap::KdfParams::OWASP_MINIMUM,
                store: Err("no credential store in this test".into()),
            },
            clock,
        )
    }

    fn session(dir: &std::path::Path, clock: std::sync::Arc<crate::clock::ManualClock>) -> Session {
        let mut s = start(dir, clock);
        s.create(Some("a-passcode-42")).unwrap();
        s
    }

    #[test]
    fn the_session_reminds_once_a_day_survives_restarts_and_skips_checked_in_days() {
        use crate::clock::{Clock as _, ManualClock};
        let dir = tempfile::tempdir().unwrap();
        // 2026-11-25 19:00 in New York.
        let clock = std::sync::Arc::new(ManualClock::new(1_795_651_200, -5 * 3600));
        let mut s = session(dir.path(), clock.clone());
        assert_eq!(s.reminder(), None);
        assert!(!s.take_due_reminder());
        let at = ReminderTime {
            hour: 20,
            minute: 0,
        };
        s.set_reminder(Some(at)).unwrap();
        assert!(!s.take_due_reminder(), "not before 20:00");
        clock.advance(3600);
        assert!(s.take_due_reminder(), "20:00 today");
        assert!(!s.take_due_reminder(), "once a day");

        // A restart keeps the time and what was shown.
        drop(s);
        let mut s = session_reopened(dir.path(), clock.clone());
        assert_eq!(s.reminder(), Some(at));
        assert!(!s.take_due_reminder());

        // Next day, already checked in: no reminder.
        clock.advance(24 * 3600);
        crate::checkins::save(s.vault().unwrap(), &Default::default(), clock.now_local()).unwrap();
        assert!(!s.take_due_reminder());
        // Set after the time has passed today: it starts tomorrow.
        clock.advance(24 * 3600);
        s.set_reminder(Some(ReminderTime {
            hour: 8,
            minute: 30,
        }))
        .unwrap();
        assert!(!s.take_due_reminder());
        assert_eq!(
            s.set_reminder(Some(ReminderTime {
                hour: 24,
                minute: 0
            }))
            .unwrap_err()
            .code(),
            "INVALID_INPUT"
        );
        s.set_reminder(None).unwrap();
        assert_eq!(s.reminder(), None);
    }

    fn session_reopened(
        dir: &std::path::Path,
        clock: std::sync::Arc<crate::clock::ManualClock>,
    ) -> Session {
        let mut s = start(dir, clock);
        s.unlock("a-passcode-42").unwrap();
        s
    }

    #[test]
    fn the_text_says_nothing_private() {
        assert_eq!(TEXT, "Time for your check-in");
        assert_eq!(TITLE, "Peerline");
    }
}
