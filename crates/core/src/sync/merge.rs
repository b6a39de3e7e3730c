//! Which version of a synced record wins. The rule, the same on every device:
//!
//! 1. A delete is final: once a record is deleted anywhere, no edit brings it back, however
//!    late it arrives or however new its stamp (an edit made offline on another device to a
//!    record that was deleted meanwhile is dropped).
//! 2. Otherwise the edit with the greater [`Hlc`] wins (time, then counter, then device).
//! 3. A change seen before changes nothing (replays and duplicates are harmless).
//!
//! So every device that has seen the same set of changes holds the same records, in
//! whatever order and however many times they arrived (a property test below runs random
//! interleavings on three devices).

use serde::{Deserialize, Serialize};

use super::hlc::Hlc;

/// One change to one record, as devices exchange it (inside sealed records).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    /// The kind of record: `checkin`, `screener`, `safety_plan`, …
    pub table: String,
    /// The record's id.
    pub id: String,
    /// When it was made.
    pub hlc: Hlc,
    /// The record as of this change (JSON); `None` for a delete.
    pub body: Option<serde_json::Value>,
}

impl Change {
    /// Whether this change deletes the record.
    pub fn is_delete(&self) -> bool {
        self.body.is_none()
    }
}

/// What a device holds about one record: the stamp of the version it has, and whether that
/// version is a delete (a tombstone, kept so a late edit cannot revive the record).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    /// The stamp of the version held.
    pub hlc: Hlc,
    /// It is deleted.
    pub deleted: bool,
}

/// What to do with an incoming change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Take it: write its body (or delete the record, keeping a tombstone).
    Apply,
    /// Keep what is held.
    Ignore,
}

/// The rule above, for one record.
pub fn decide(held: Option<Held>, incoming: &Change) -> Decision {
    match held {
        None => Decision::Apply,
        Some(h) if h.deleted => Decision::Ignore,
        Some(_) if incoming.is_delete() => Decision::Apply,
        Some(h) if incoming.hlc > h.hlc => Decision::Apply,
        Some(_) => Decision::Ignore,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;

    use super::*;
    use crate::sync::hlc::Clock;

    fn stamp(ms: u64, device: u64) -> Hlc {
        Hlc {
            ms,
            counter: 0,
            device,
        }
    }

    fn edit(id: &str, hlc: Hlc, mood: u8) -> Change {
        Change {
            table: "checkin".into(),
            id: id.into(),
            hlc,
            body: Some(serde_json::json!({ "mood": mood })),
        }
    }

    fn delete(id: &str, hlc: Hlc) -> Change {
        Change {
            table: "checkin".into(),
            id: id.into(),
            hlc,
            body: None,
        }
    }

    #[test]
    fn the_newer_edit_wins_and_a_delete_is_final() {
        let held = |c: &Change| {
            Some(Held {
                hlc: c.hlc,
                deleted: c.is_delete(),
            })
        };
        let old = edit("a", stamp(1, 1), 2);
        let new = edit("a", stamp(2, 2), 4);
        assert_eq!(decide(held(&old), &new), Decision::Apply);
        assert_eq!(decide(held(&new), &old), Decision::Ignore);
        assert_eq!(decide(held(&new), &new), Decision::Ignore, "a replay");
        let gone = delete("a", stamp(1, 3));
        assert_eq!(
            decide(held(&new), &gone),
            Decision::Apply,
            "even an older delete"
        );
        let late = edit("a", stamp(99, 1), 5);
        assert_eq!(
            decide(held(&gone), &late),
            Decision::Ignore,
            "no coming back"
        );
        assert_eq!(
            decide(None, &gone),
            Decision::Apply,
            "a tombstone for the unseen"
        );
    }

    /// A device in the property test: its records (with tombstones), its clock, and every
    /// change it made or took in, to hand on.
    struct Device {
        clock: Clock,
        store: BTreeMap<String, (Hlc, Option<serde_json::Value>)>,
        log: Vec<Change>,
    }

    impl Device {
        fn new(n: u64) -> Self {
            Self {
                clock: Clock::new(n, None),
                store: BTreeMap::new(),
                log: Vec::new(),
            }
        }

        fn take(&mut self, c: &Change) {
            self.clock.observe(c.hlc);
            let held = self.store.get(&c.id).map(|(hlc, body)| Held {
                hlc: *hlc,
                deleted: body.is_none(),
            });
            if decide(held, c) == Decision::Apply {
                self.store.insert(c.id.clone(), (c.hlc, c.body.clone()));
            }
            self.log.push(c.clone());
        }

        fn local(&mut self, now: u64, id: &str, mood: Option<u8>) {
            let hlc = self.clock.tick(now);
            let c = match mood {
                Some(m) => edit(id, hlc, m),
                None => delete(id, hlc),
            };
            self.take(&c);
        }

        /// What the officer sees: the records that are not deleted.
        fn visible(&self) -> BTreeMap<String, serde_json::Value> {
            self.store
                .iter()
                .filter_map(|(id, (_, body))| body.clone().map(|b| (id.clone(), b)))
                .collect()
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        /// Device, record, new mood (None: delete), wall-clock step.
        Local(usize, u8, Option<u8>, u64),
        /// From device, to device: hand over the sender's changes, shuffled by the seed,
        /// some twice.
        Sync(usize, usize, u64),
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0..3usize, 0..4u8, proptest::option::of(1..6u8), 0..50u64)
                .prop_map(|(d, r, m, t)| Op::Local(d, r, m, t)),
            (0..3usize, 0..3usize, any::<u64>()).prop_map(|(a, b, s)| Op::Sync(a, b, s)),
        ]
    }

    fn shuffled(log: &[Change], seed: u64) -> Vec<Change> {
        let mut out: Vec<Change> = log.to_vec();
        // Duplicates, as a retried upload or a replay would make.
        out.extend(log.iter().step_by(3).cloned());
        let mut s = seed | 1;
        for i in (1..out.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            out.swap(i, (s % (i as u64 + 1)) as usize);
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn three_devices_converge_whatever_the_order(ops in proptest::collection::vec(op(), 1..60)) {
            let mut devices: Vec<Device> = (0..3).map(|n| Device::new(n + 1)).collect();
            // Wall clocks that drift apart: device 2 runs an hour behind.
            let mut wall = [10_000_000u64, 10_000_000, 10_000_000 - 3_600_000];
            for op in ops {
                match op {
                    Op::Local(d, r, mood, step) => {
                        wall[d] += step;
                        devices[d].local(wall[d], &format!("r{r}"), mood);
                    }
                    Op::Sync(from, to, seed) if from != to => {
                        let changes = shuffled(&devices[from].log, seed);
                        for c in &changes {
                            devices[to].take(c);
                        }
                    }
                    Op::Sync(..) => {}
                }
            }
            // A last full exchange, in a different order on each device.
            let all: Vec<Change> = devices.iter().flat_map(|d| d.log.clone()).collect();
            for (i, d) in devices.iter_mut().enumerate() {
                for c in shuffled(&all, i as u64 + 7) {
                    d.take(&c);
                }
            }
            let first = devices[0].visible();
            for d in &devices[1..] {
                prop_assert_eq!(&d.visible(), &first);
            }
            // A record deleted anywhere is gone everywhere.
            for c in &all {
                if c.is_delete() {
                    prop_assert!(!first.contains_key(&c.id));
                }
            }
        }
    }
}
