//! A hybrid logical clock: wall-clock milliseconds, a counter for events within the same
//! millisecond (or while the wall clock is behind one already seen), and the device as the
//! last tiebreak. Every device orders every edit the same way, and a device whose clock is
//! behind still orders its edits after what it has already seen.

use serde::{Deserialize, Serialize};

/// One moment on the clock. Ordered by time, then counter, then device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Hlc {
    /// Milliseconds since the Unix epoch (at least).
    pub ms: u64,
    /// Events at that millisecond before this one.
    pub counter: u32,
    /// The device that made it (a random id, never sent anywhere but inside sealed records).
    pub device: u64,
}

/// A device's clock.
#[derive(Debug, Clone)]
pub struct Clock {
    last: Hlc,
}

impl Clock {
    /// A clock for `device`, never going back before `last_seen` (kept in the vault).
    pub fn new(device: u64, last_seen: Option<Hlc>) -> Self {
        Self {
            last: last_seen.map_or(
                Hlc {
                    ms: 0,
                    counter: 0,
                    device,
                },
                |h| Hlc { device, ..h },
            ),
        }
    }

    /// The stamp for a local edit at wall time `now_ms`: later than anything seen.
    pub fn tick(&mut self, now_ms: u64) -> Hlc {
        self.last = if now_ms > self.last.ms {
            Hlc {
                ms: now_ms,
                counter: 0,
                device: self.last.device,
            }
        } else {
            Hlc {
                counter: self.last.counter.saturating_add(1),
                ..self.last
            }
        };
        self.last
    }

    /// Takes in a stamp from another device, so the next local edit orders after it.
    pub fn observe(&mut self, other: Hlc) {
        if (other.ms, other.counter) > (self.last.ms, self.last.counter) {
            self.last = Hlc {
                ms: other.ms,
                counter: other.counter,
                device: self.last.device,
            };
        }
    }

    /// The latest stamp made or seen, to keep in the vault.
    pub fn last(&self) -> Hlc {
        self.last
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_only_go_forward_even_when_the_wall_clock_goes_back() {
        let mut c = Clock::new(1, None);
        let a = c.tick(1_000);
        let b = c.tick(1_000);
        let d = c.tick(500);
        assert!(a < b && b < d);
        assert_eq!(d.ms, 1_000);
    }

    #[test]
    fn an_edit_after_seeing_another_device_orders_after_it() {
        let mut slow = Clock::new(1, None);
        let fast = Hlc {
            ms: 9_000,
            counter: 3,
            device: 2,
        };
        slow.observe(fast);
        let next = slow.tick(1_000);
        assert!(next > fast);
        assert_eq!(next.device, 1);
    }

    #[test]
    fn the_device_breaks_ties() {
        let a = Hlc {
            ms: 5,
            counter: 0,
            device: 1,
        };
        let b = Hlc { device: 2, ..a };
        assert!(a < b);
    }

    #[test]
    fn a_restarted_clock_does_not_reuse_stamps() {
        let mut c = Clock::new(7, None);
        let last = c.tick(2_000);
        let mut again = Clock::new(7, Some(c.last()));
        assert!(again.tick(1_500) > last);
    }
}
