//! The engine's one scheduler: a deadline per job, on the injected clock. Nothing here
//! sleeps; the engine asks what is due and when the next thing is.

use std::collections::BTreeMap;

/// Everything the app does at a time rather than on a tap.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Job {
    /// Lock the vault after its time in the background.
    AutoLock,
    /// Show the daily check-in reminder.
    Reminder,
    /// Show a follow-up check-in prompt after a critical incident (the same words).
    FollowUp,
    /// Send queued requests whose wait is over.
    Outbox,
    /// Send a check-in request the officer set for later ("check on me in 3 days").
    ScheduledAsk,
    /// Fetch anonymous request tokens, at a moment not tied to any request.
    TokenRefill,
    /// Open a live connection again after it dropped.
    Reconnect(Live),
    /// The peer's stretch on duty is over (the relay ends it by itself; the app says so).
    DutyEnds,
    /// A sync round with the officer's box: at a random moment after a change, not at it.
    Sync,
    /// Look in an open device link's mailbox (only while a link is under way).
    Link,
}

/// A live connection to the relay.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Live {
    /// The team's events, for a peer supporter.
    Team,
    /// One of the officer's requests, by id.
    Request(String),
}

/// Deadlines in Unix seconds, at most one per job.
#[derive(Debug, Default)]
pub struct Scheduler {
    deadlines: BTreeMap<Job, i64>,
}

impl Scheduler {
    /// Sets (or moves) `job`'s deadline.
    pub fn set(&mut self, job: Job, at: i64) {
        self.deadlines.insert(job, at);
    }

    /// Sets `job`'s deadline unless it already has one (an earlier random pick stays).
    pub fn set_if_absent(&mut self, job: Job, at: i64) {
        self.deadlines.entry(job).or_insert(at);
    }

    /// Forgets `job`.
    pub fn clear(&mut self, job: &Job) {
        self.deadlines.remove(job);
    }

    /// `job`'s deadline, if it has one.
    pub fn deadline(&self, job: &Job) -> Option<i64> {
        self.deadlines.get(job).copied()
    }

    /// Removes and returns every job due at `now`, earliest first.
    pub fn take_due(&mut self, now: i64) -> Vec<Job> {
        let mut due: Vec<(i64, Job)> = self
            .deadlines
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(job, at)| (*at, job.clone()))
            .collect();
        due.sort();
        for (_, job) in &due {
            self.deadlines.remove(job);
        }
        due.into_iter().map(|(_, job)| job).collect()
    }

    /// Every job with a deadline.
    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.deadlines.keys()
    }

    /// The earliest deadline.
    pub fn next(&self) -> Option<i64> {
        self.deadlines.values().min().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hands_out_due_jobs_once_in_deadline_order() {
        let mut s = Scheduler::default();
        s.set(Job::Reminder, 50);
        s.set(Job::AutoLock, 10);
        s.set(Job::Reconnect(Live::Request("r1".into())), 30);
        assert_eq!(s.next(), Some(10));
        assert!(s.take_due(5).is_empty());
        assert_eq!(
            s.take_due(30),
            [Job::AutoLock, Job::Reconnect(Live::Request("r1".into()))]
        );
        assert!(s.take_due(30).is_empty(), "handed out once");
        assert_eq!(s.next(), Some(50));
        s.set(Job::Reminder, 20);
        assert_eq!(s.next(), Some(20), "moved, not added");
        s.set_if_absent(Job::Reminder, 99);
        assert_eq!(s.deadline(&Job::Reminder), Some(20));
        s.clear(&Job::Reminder);
        assert_eq!(s.next(), None);
    }
}
