//! The synced kinds of record, each as a change: what a local write sends, and how a change
//! from another device is written here. Check-ins today; screener results and the safety
//! plan join the same way.

use rusqlite::{Connection, params};

use super::local;
use super::merge::{Change, Decision, decide};
use crate::checkins::CheckIn;
use crate::error::{Error, Result};

/// The change name of check-ins.
pub const CHECKIN: &str = "checkin";

/// Queues a saved or edited check-in for sync (when sync is on).
pub(crate) fn checkin_written(conn: &Connection, c: &CheckIn) -> Result<()> {
    let body = serde_json::to_value(c).map_err(|_| Error::Internal)?;
    local::note_change(conn, CHECKIN, &c.id, Some(body))
}

/// Queues a deleted check-in for sync (when sync is on).
pub(crate) fn checkin_deleted(conn: &Connection, id: &str) -> Result<()> {
    local::note_change(conn, CHECKIN, id, None)
}

/// Takes in a change from another device, by the merge rule; true when it changed anything.
/// A kind of record this build does not know (written by a newer one) is left alone.
pub(crate) fn take(conn: &Connection, c: &Change) -> Result<bool> {
    if c.table != CHECKIN {
        return Ok(false);
    }
    if decide(local::held(conn, &c.table, &c.id)?, c) == Decision::Ignore {
        return Ok(false);
    }
    match &c.body {
        None => {
            conn.execute("DELETE FROM checkins WHERE id = ?1", [&c.id])
                .map_err(Error::from_sqlite)?;
        }
        Some(body) => {
            let refuse = || Error::NotAuthentic("A synced check-in could not be read.".into());
            let ci: CheckIn = serde_json::from_value(body.clone()).map_err(|_| refuse())?;
            ci.entry.validate()?;
            if ci.id != c.id {
                return Err(refuse());
            }
            let tags = serde_json::to_string(&ci.entry.tags).map_err(|_| Error::Internal)?;
            conn.execute(
                "INSERT INTO checkins (id, recorded_at_utc, utc_offset_min, mood, stress, energy,
                   sleep_half_hours, tags, note)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                 ON CONFLICT (id) DO UPDATE SET recorded_at_utc = excluded.recorded_at_utc,
                   utc_offset_min = excluded.utc_offset_min, mood = excluded.mood,
                   stress = excluded.stress, energy = excluded.energy,
                   sleep_half_hours = excluded.sleep_half_hours, tags = excluded.tags,
                   note = excluded.note",
                params![
                    ci.id,
                    ci.recorded_at_utc,
                    ci.utc_offset_min,
                    ci.entry.mood,
                    ci.entry.stress,
                    ci.entry.energy,
                    ci.entry.sleep_half_hours,
                    tags,
                    ci.entry.note,
                ],
            )
            .map_err(Error::from_sqlite)?;
        }
    }
    local::set_held(conn, c)?;
    Ok(true)
}
