//! The engine on a manual clock: every timed job fires at its deadline and not before,
//! tells the app by event, and nothing is scheduled that has nothing to do.

use std::sync::Arc;

use tokio::sync::broadcast::error::TryRecvError;

use super::*;
use crate::clock::ManualClock;
use crate::reminders::ReminderTime;
use crate::session::SessionConfig;
use crate::vault::wrap::KdfParams;

/// 2026-11-25 19:00 in New York.
const START: i64 = 1_795_651_200;

fn engine(dir: &std::path::Path, clock: Arc<ManualClock>) -> Engine {
    let mut s = Session::start_with_clock(
        SessionConfig {
            data_dir: dir.to_owned(),
            kdf: KdfParams::OWASP_MINIMUM,
            store: Err("no credential store in this test".into()),
        },
        clock,
    );
    s.create(Some("a-passcode-42")).unwrap();
    Engine::new(s)
}

fn drain(rx: &mut broadcast::Receiver<CoreEvent>) -> Vec<CoreEvent> {
    let mut out = Vec::new();
    loop {
        match rx.try_recv() {
            Ok(e) => out.push(e),
            Err(TryRecvError::Lagged(_)) => {}
            Err(_) => return out,
        }
    }
}

#[tokio::test]
async fn auto_lock_fires_at_its_deadline_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START, -5 * 3600));
    let e = engine(dir.path(), clock.clone());
    e.with(|s| s.set_auto_lock(Some(5))).unwrap();
    let mut rx = e.subscribe();
    assert_eq!(e.deadline(&Job::AutoLock), None, "in the foreground");
    e.app_backgrounded();
    assert_eq!(e.deadline(&Job::AutoLock), Some(START + 300));
    clock.advance(299);
    e.tick().await;
    assert!(drain(&mut rx).is_empty(), "not a second early");
    clock.advance(1);
    e.tick().await;
    let events = drain(&mut rx);
    assert!(
        matches!(
            events.as_slice(),
            [CoreEvent::VaultStatus(VaultStatus::Locked { .. })]
        ),
        "{events:?}"
    );
    assert_eq!(
        e.deadline(&Job::AutoLock),
        None,
        "locked: nothing left to lock"
    );
}

#[tokio::test]
async fn coming_back_in_time_cancels_the_auto_lock() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START, 0));
    let e = engine(dir.path(), clock.clone());
    e.with(|s| s.set_auto_lock(Some(1))).unwrap();
    e.app_backgrounded();
    clock.advance(30);
    assert!(matches!(e.app_foregrounded(), VaultStatus::Unlocked { .. }));
    assert_eq!(e.deadline(&Job::AutoLock), None);
    clock.advance(3600);
    e.tick().await;
    assert!(matches!(
        e.with(|s| s.status()),
        VaultStatus::Unlocked { .. }
    ));
}

#[tokio::test]
async fn the_reminder_fires_at_its_time_once_and_is_planned_for_tomorrow() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START, -5 * 3600));
    let e = engine(dir.path(), clock.clone());
    e.with(|s| {
        s.set_reminder(Some(ReminderTime {
            hour: 20,
            minute: 0,
        }))
    })
    .unwrap();
    assert_eq!(e.deadline(&Job::Reminder), Some(START + 3600));
    let mut rx = e.subscribe();
    clock.advance(3599);
    e.tick().await;
    assert!(drain(&mut rx).is_empty());
    clock.advance(1);
    e.tick().await;
    assert_eq!(drain(&mut rx), [CoreEvent::ReminderDue]);
    assert_eq!(e.deadline(&Job::Reminder), Some(START + 3600 + 86_400));
    e.tick().await;
    assert!(drain(&mut rx).is_empty(), "once a day");
}

#[tokio::test]
async fn a_vault_with_nothing_to_do_schedules_nothing_and_opens_no_connection() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(START, 0));
    let e = engine(dir.path(), clock);
    e.changed();
    assert_eq!(e.lock_plan().scheduler.next(), None);
    assert!(e.live_connections().is_empty());
}

#[tokio::test]
async fn a_follow_up_prompt_fires_at_its_time_while_locked_and_the_next_is_planned() {
    let dir = tempfile::tempdir().unwrap();
    // 19:00 in New York, before the evening cut-off: each prompt comes at 19:00.
    let clock = Arc::new(ManualClock::new(START, -5 * 3600));
    let e = engine(dir.path(), clock.clone());
    e.with(|s| s.follow_up_start()).unwrap();
    assert_eq!(e.deadline(&Job::FollowUp), Some(START + 86_400));
    let mut rx = e.subscribe();
    e.with(|s| {
        let _ = s.lock();
    });
    e.changed();
    drain(&mut rx);
    clock.advance(86_399);
    e.tick().await;
    assert!(drain(&mut rx).is_empty());
    clock.advance(1);
    e.tick().await;
    assert!(drain(&mut rx).contains(&CoreEvent::ReminderDue));
    assert_eq!(e.deadline(&Job::FollowUp), Some(START + 3 * 86_400));
    e.tick().await;
    assert!(drain(&mut rx).is_empty(), "once");
}
