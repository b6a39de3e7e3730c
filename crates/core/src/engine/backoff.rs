//! One retry policy for everything that waits after a failure: the outbox, and the live
//! connections to the relay.

/// Doubling waits from `base` up to `max` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base_secs: i64,
    max_secs: i64,
}

impl Backoff {
    /// The outbox's: 1 s, 2 s, 4 s, … up to five minutes. A queued request for help should
    /// go as soon as the relay is back, without hammering a relay that is down.
    pub const OUTBOX: Self = Self::new(1, 300);
    /// A live connection's: 1 s, 2 s, … up to two minutes.
    pub const RECONNECT: Self = Self::new(1, 120);

    /// Waits from `base_secs`, doubling, never past `max_secs`.
    pub const fn new(base_secs: i64, max_secs: i64) -> Self {
        Self {
            base_secs,
            max_secs,
        }
    }

    /// The wait after `attempts` failures so far (0 for the first retry).
    pub fn delay_secs(self, attempts: i64) -> i64 {
        let doublings = u32::try_from(attempts.clamp(0, 30)).unwrap_or(30);
        self.base_secs
            .saturating_mul(1i64 << doublings)
            .min(self.max_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let b = Backoff::OUTBOX;
        let waits: Vec<i64> = (0..11).map(|n| b.delay_secs(n)).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
        assert_eq!(b.delay_secs(-3), 1);
        assert_eq!(b.delay_secs(i64::MAX), 300);
        assert_eq!(Backoff::RECONNECT.delay_secs(20), 120);
    }
}
