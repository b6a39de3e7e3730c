//! Time, behind a trait so auto-lock and throttling can be tested without sleeping.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, FixedOffset, Local, TimeZone as _, Utc};

/// A source of the current time and the officer's UTC offset.
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
    /// Now, in the device's local offset (for "which day was this for them").
    fn now_local(&self) -> DateTime<FixedOffset>;
}

/// The device clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn now_local(&self) -> DateTime<FixedOffset> {
        Local::now().fixed_offset()
    }
}

/// A clock that only moves when told to; for tests of time-dependent behaviour.
#[derive(Debug)]
pub struct ManualClock {
    unix: AtomicI64,
    offset_secs: i32,
}

impl ManualClock {
    /// A clock at `unix` seconds, in a zone `offset_secs` east of UTC.
    pub fn new(unix: i64, offset_secs: i32) -> Self {
        Self {
            unix: AtomicI64::new(unix),
            offset_secs,
        }
    }

    /// Moves the clock forward (or back, with a negative value).
    pub fn advance(&self, secs: i64) {
        self.unix.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        Utc.timestamp_opt(self.unix.load(Ordering::SeqCst), 0)
            .single()
            .unwrap_or_default()
    }

    fn now_local(&self) -> DateTime<FixedOffset> {
        match FixedOffset::east_opt(self.offset_secs) {
            Some(offset) => self.now().with_timezone(&offset),
            None => self.now().fixed_offset(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(1_000, -5 * 3600);
        assert_eq!(c.now().timestamp(), 1_000);
        c.advance(60);
        assert_eq!(c.now().timestamp(), 1_060);
        assert_eq!(c.now_local().offset().local_minus_utc(), -5 * 3600);
    }
}
