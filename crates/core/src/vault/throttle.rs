//! Growing waits after wrong passcodes, persisted in the vault's metadata so that quitting
//! and restarting the app does not reset them.
//!
//! The count is raised *before* the passcode is checked and cleared after a success: an
//! attacker who kills the app the moment a guess fails still pays for the guess. The real
//! brake on an offline attacker is Argon2id; this stops a person at the screen.

use serde::{Deserialize, Serialize};

/// Attempt bookkeeping for the passcode.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Throttle {
    /// Attempts since the last success (the one in flight included).
    pub failures: u32,
    /// Unix seconds of the most recent attempt.
    pub last_attempt_unix: i64,
}

/// Wrong passcodes allowed before the first wait.
pub const FREE_ATTEMPTS: u32 = 4;

/// Seconds to wait after `failures` wrong attempts in a row.
pub fn delay_for(failures: u32) -> u64 {
    match failures {
        0..=FREE_ATTEMPTS => 0,
        5 => 30,
        6 => 60,
        7 => 120,
        8 => 300,
        9 => 900,
        _ => 3600,
    }
}

impl Throttle {
    /// Seconds left before another attempt is allowed, or `None` if one is allowed now.
    /// A clock that moved backwards is treated as "no time has passed".
    pub fn retry_after(&self, now_unix: i64) -> Option<u64> {
        let wait = delay_for(self.failures);
        if wait == 0 {
            return None;
        }
        let elapsed = now_unix.saturating_sub(self.last_attempt_unix).max(0) as u64;
        (elapsed < wait).then(|| wait - elapsed)
    }

    /// Counts an attempt that is about to be checked.
    pub fn begin_attempt(&mut self, now_unix: i64) {
        self.failures = self.failures.saturating_add(1);
        self.last_attempt_unix = now_unix;
    }

    /// Clears the count after a right passcode.
    pub fn succeeded(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_attempts_are_free_then_waits_grow() {
        let mut t = Throttle::default();
        for _ in 0..FREE_ATTEMPTS {
            assert_eq!(t.retry_after(1_000), None);
            t.begin_attempt(1_000);
        }
        assert_eq!(t.retry_after(1_000), None);
        t.begin_attempt(1_000);
        assert_eq!(t.retry_after(1_000), Some(30));
        assert_eq!(t.retry_after(1_029), Some(1));
        assert_eq!(t.retry_after(1_030), None);
        let mut last = 0;
        for n in 5..15 {
            let d = delay_for(n);
            assert!(d >= last, "delays never shrink");
            last = d;
        }
        assert_eq!(delay_for(100), 3600);
    }

    #[test]
    fn clock_moving_back_does_not_shorten_the_wait() {
        let t = Throttle {
            failures: 6,
            last_attempt_unix: 10_000,
        };
        assert_eq!(t.retry_after(5_000), Some(60));
    }

    #[test]
    fn success_resets() {
        let mut t = Throttle {
            failures: 9,
            last_attempt_unix: 1,
        };
        t.succeeded();
        assert_eq!(t, Throttle::default());
    }
}
