//! Follow-up after a critical incident as the session keeps it: the series in the vault,
//! the prompts' moments in `vault.json` so one can come while the vault is locked.

use crate::error::Result;
use crate::followup::{self, FollowUpView, Step};

use super::Session;

impl Session {
    /// Starts follow-up for an incident now (or starts it again for a new one).
    pub fn follow_up_start(&mut self) -> Result<Option<FollowUpView>> {
        let now = self.clock().now_local().naive_local();
        let prompts = followup::start(self.vault()?, now)?;
        self.update_meta(|m| m.prompts.at = prompts.into_iter().filter(|t| *t > now).collect())?;
        self.follow_up()
    }

    /// The series, if one is running.
    pub fn follow_up(&self) -> Result<Option<FollowUpView>> {
        followup::view(self.vault()?, self.clock().now_local().naive_local())
    }

    /// A step is done (its check-in saved, or set aside). The last one ends the series.
    pub fn follow_up_done(&mut self, step: Step) -> Result<Option<FollowUpView>> {
        followup::complete(self.vault()?, step)?;
        self.sync_prompts()?;
        self.follow_up()
    }

    /// Turns follow-up off: nothing more is offered and no prompt comes.
    pub fn follow_up_stop(&mut self) -> Result<()> {
        followup::stop(self.vault()?)?;
        self.update_meta(|m| m.prompts.at.clear())?;
        Ok(())
    }

    /// Makes the prompts in `vault.json` match the series in the vault (after a step is
    /// done, or a restore brought a series in).
    pub fn sync_prompts(&mut self) -> Result<()> {
        let now = self.clock().now_local().naive_local();
        let ahead = followup::prompts_ahead(self.vault()?, now)?;
        self.update_meta(|m| m.prompts.at = ahead)?;
        Ok(())
    }

    /// When the next follow-up prompt is due (at or after now), for the engine's scheduler.
    pub fn follow_up_due_at(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let now = self.clock().now_local();
        self.meta()
            .and_then(|m| m.prompts.next_due_at(now))
            .map(|d| d.to_utc())
    }

    /// When a prompt's moment comes: `true` when it should be shown now (once; several
    /// missed while the phone was off are one). A failed write shows nothing, so a full
    /// disk cannot turn into a prompt every minute.
    pub fn take_due_follow_up(&mut self) -> bool {
        let now = self.clock().now_local();
        if !self
            .meta()
            .is_some_and(|m| m.prompts.at.iter().any(|t| *t <= now.naive_local()))
        {
            return false;
        }
        self.update_meta(|m| m.prompts.take_due(now))
            .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::clock::ManualClock;
    use crate::session::{Session, SessionConfig};

    fn session(dir: &std::path::Path, clock: Arc<ManualClock>) -> Session {
        let mut s = Session::start_with_clock(
            SessionConfig {
                data_dir: dir.to_owned(),
                kdf: crate::vault::wrap::KdfParams::OWASP_MINIMUM,
                store: Err("no credential store in this test".into()),
            },
            clock,
        );
        s.create(Some("a-passcode-42")).unwrap();
        s
    }

    #[test]
    fn prompts_come_locked_once_each_and_stop_when_turned_off() {
        let dir = tempfile::tempdir().unwrap();
        // 2026-11-30 14:30 in New York (UTC-5).
        let clock = Arc::new(ManualClock::new(1_796_067_000, -5 * 3_600));
        let mut s = session(dir.path(), clock.clone());
        let started = s.follow_up_start().unwrap().unwrap();
        assert_eq!(started.steps.len(), 4);
        let first = s.follow_up_due_at().unwrap();
        assert!(!s.take_due_follow_up());
        // Locked, a day on: the prompt comes (it needs no vault) and only once.
        s.lock().unwrap();
        clock.advance(first.timestamp() - clock_now(&clock));
        assert!(s.take_due_follow_up());
        assert!(!s.take_due_follow_up());
        // Open again: the day-one step is the one to do; doing it keeps the rest.
        s.unlock("a-passcode-42").unwrap();
        let f = s.follow_up().unwrap().unwrap();
        let step = f.current.unwrap().step;
        assert_eq!(step, crate::followup::Step::Day1);
        s.follow_up_done(step).unwrap();
        assert!(s.follow_up_due_at().unwrap() > first);
        // Off: nothing more.
        s.follow_up_stop().unwrap();
        assert_eq!(s.follow_up_due_at(), None);
        assert_eq!(s.follow_up().unwrap(), None);
    }

    fn clock_now(clock: &ManualClock) -> i64 {
        use crate::clock::Clock as _;
        clock.now().timestamp()
    }
}
