//! Devices and teams already read, kept in memory by each storage backend.
//!
//! Why it is safe: a device row and a team row are written once, at registration and at
//! team creation, and never changed or deleted (no statement in either backend updates or
//! deletes them), so a copy can never go stale, on this node or any other. A miss reads the
//! database. If rows ever become changeable, this cache must go or learn to forget them.
//! Why it matters: every signed request looks its signer up before anything else; from
//! memory that is no trip to the database at all.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Device, Team};

/// At most this many of each are kept; past it the map starts again (a relay serves
/// thousands of devices, so this is never reached in use; it bounds a flood of sign-ups).
const MAX_KEPT: usize = 200_000;

/// The rows read so far.
#[derive(Default)]
pub(super) struct Known {
    devices: Mutex<HashMap<String, Device>>,
    teams: Mutex<HashMap<String, Team>>,
}

impl Known {
    pub(super) fn device(&self, id: &str) -> Option<Device> {
        self.devices.lock().ok()?.get(id).cloned()
    }

    pub(super) fn team(&self, id: &str) -> Option<Team> {
        self.teams.lock().ok()?.get(id).cloned()
    }

    /// Keeps a device read from (or written to) the database.
    pub(super) fn keep_device(&self, d: &Device) {
        keep(&self.devices, &d.device_id, d);
    }

    /// Keeps a team read from (or written to) the database.
    pub(super) fn keep_team(&self, t: &Team) {
        keep(&self.teams, &t.team_id, t);
    }
}

fn keep<T: Clone>(map: &Mutex<HashMap<String, T>>, id: &str, v: &T) {
    if let Ok(mut m) = map.lock() {
        if m.len() >= MAX_KEPT {
            m.clear();
        }
        m.insert(id.to_owned(), v.clone());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_kept_device_is_found_and_the_map_stays_bounded() {
        let k = Known::default();
        assert!(k.device("d").is_none());
        let d = Device {
            device_id: "d".into(),
            team_id: "t".into(),
            public_key: [3; 32],
        };
        k.keep_device(&d);
        assert_eq!(k.device("d").unwrap().public_key, [3; 32]);
        for i in 0..MAX_KEPT + 1 {
            keep(&k.devices, &i.to_string(), &d);
        }
        assert!(k.devices.lock().unwrap().len() <= MAX_KEPT);
    }
}
