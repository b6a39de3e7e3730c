//! The safety plan through the session: saving it keeps the copy readable while locked (when
//! the officer chose that) in step with the vault, and that copy is what a locked app shows.

use super::Session;
use crate::error::{Error, Result};
use crate::safety_plan::{self, PlanView, SafetyPlan};

impl Session {
    /// Saves the plan (an empty one deletes it), and the copy readable while locked.
    pub fn save_safety_plan(
        &mut self,
        plan: SafetyPlan,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<PlanView>> {
        let saved = safety_plan::save(self.vault()?, plan, now)?;
        self.refresh_locked_plan()?;
        Ok(saved)
    }

    /// Whether the officer chose to keep the plan readable while the app is locked.
    pub fn plan_readable_when_locked(&self) -> bool {
        self.meta().is_some_and(|m| m.locked_plan.on)
    }

    /// Turns the copy readable while locked on (copying the plan as it is now) or off
    /// (deleting the copy).
    pub fn set_plan_readable_when_locked(&mut self, on: bool) -> Result<()> {
        let plan = if on {
            safety_plan::get(self.vault()?)?.map(|v| (v.plan, v.updated_at_utc))
        } else {
            None
        };
        self.update_meta(|m| {
            m.locked_plan.on = on;
            m.locked_plan.plan = plan;
        })
    }

    /// Brings the copy readable while locked in step with the vault (after a save, a sync
    /// round or a restore), when the officer chose to keep one.
    pub fn refresh_locked_plan(&mut self) -> Result<()> {
        if !self.plan_readable_when_locked() {
            return Ok(());
        }
        let plan = safety_plan::get(self.vault()?)?.map(|v| (v.plan, v.updated_at_utc));
        if self.meta().is_some_and(|m| m.locked_plan.plan == plan) {
            return Ok(());
        }
        self.update_meta(|m| m.locked_plan.plan = plan)
    }

    /// Restores a backup file, then brings what lives beside the vault in step with what
    /// it brought: the plan's copy readable while locked, and the follow-up prompts still
    /// to come.
    pub fn restore_backup(
        &mut self,
        path: &std::path::Path,
        passphrase: &str,
        mode: crate::backup::RestoreMode,
    ) -> Result<crate::backup::BackupReport> {
        let report = crate::backup::restore(self.vault_mut()?, path, passphrase, mode)?;
        self.refresh_locked_plan()?;
        self.sync_prompts()?;
        Ok(report)
    }

    /// The plan as a locked app may show it: only the copy the officer chose to keep.
    pub fn plan_while_locked(&self) -> Result<Option<PlanView>> {
        let meta = self.meta().ok_or(Error::NoVault)?;
        if !meta.locked_plan.on {
            return Ok(None);
        }
        Ok(meta
            .locked_plan
            .plan
            .clone()
            .map(|(plan, at)| safety_plan::view(plan, at)))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::clock::ManualClock;
    use crate::safety_plan::{PlanContact, SafetyPlan};
    use crate::session::{Session, SessionConfig};

    fn plan(sign: &str) -> SafetyPlan {
        SafetyPlan {
            warning_signs: vec![sign.into()],
            helpers: vec![PlanContact {
                name: "Sam".into(),
                phone: Some("+1 555 0100".into()),
            }],
            ..SafetyPlan::default()
        }
    }

    #[test]
    fn the_plan_is_readable_while_locked_only_when_chosen_and_follows_each_save() {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(1_796_067_000, 0));
        let mut s = Session::start_with_clock(
            SessionConfig {
                data_dir: dir.path().to_owned(),
                kdf: crate::vault::wrap::KdfParams::OWASP_MINIMUM,
                store: Err("no credential store in this test".into()),
            },
            clock,
        );
        s.create(Some("a-passcode-42")).unwrap();
        let now = chrono::Utc::now();
        s.save_safety_plan(plan("LOCKEDPLAN-one"), now).unwrap();
        let meta_file = || std::fs::read_to_string(dir.path().join("vault.json")).unwrap();
        assert!(
            !meta_file().contains("LOCKEDPLAN"),
            "nothing outside the vault by default"
        );
        s.lock().unwrap();
        assert_eq!(s.plan_while_locked().unwrap(), None);
        s.unlock("a-passcode-42").unwrap();

        s.set_plan_readable_when_locked(true).unwrap();
        assert!(s.plan_readable_when_locked());
        s.save_safety_plan(plan("LOCKEDPLAN-two"), now).unwrap();
        s.lock().unwrap();
        let shown = s
            .plan_while_locked()
            .unwrap()
            .expect("the copy, while locked");
        assert_eq!(shown.plan.warning_signs, vec!["LOCKEDPLAN-two".to_string()]);
        assert_eq!(
            shown.helpers[0].actions.len(),
            2,
            "call and text, while locked"
        );

        s.unlock("a-passcode-42").unwrap();
        // Emptied: the copy goes with it.
        s.save_safety_plan(SafetyPlan::default(), now).unwrap();
        s.lock().unwrap();
        assert_eq!(s.plan_while_locked().unwrap(), None);
        s.unlock("a-passcode-42").unwrap();
        s.save_safety_plan(plan("LOCKEDPLAN-three"), now).unwrap();
        assert!(meta_file().contains("LOCKEDPLAN-three"));
        // A backup restored over it: the copy follows the restored plan.
        let backup = dir.path().join("plan.backup");
        crate::backup::write(s.vault().unwrap(), "a long backup passphrase", &backup).unwrap();
        s.save_safety_plan(plan("LOCKEDPLAN-four"), now).unwrap();
        s.restore_backup(
            &backup,
            "a long backup passphrase",
            crate::backup::RestoreMode::Replace,
        )
        .unwrap();
        assert!(meta_file().contains("LOCKEDPLAN-three"));
        assert!(!meta_file().contains("LOCKEDPLAN-four"));
        s.set_plan_readable_when_locked(false).unwrap();
        assert!(
            !meta_file().contains("LOCKEDPLAN"),
            "turned off: the copy is deleted"
        );
        s.lock().unwrap();
        assert_eq!(s.plan_while_locked().unwrap(), None);
    }
}
