//! The daily reminder as the session keeps it: the time in `vault.json` (so it can fire
//! while the vault is locked), and whether today's is due.

use crate::error::Result;
use crate::reminders::ReminderTime;

use super::Session;

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

    /// When the reminder is next due (at or after now), for the engine's scheduler.
    pub fn reminder_due_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let now = self.clock().now_local();
        self.meta()
            .and_then(|m| m.reminder.next_due_at(now))
            .map(|d| d.to_utc())
    }

    /// When the reminder's moment comes: `true` when it should be shown now. It is shown at most
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
}
