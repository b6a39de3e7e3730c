//! The synced kinds of record, each as a change: what a local write sends, and how a change
//! from another device is written here. Check-ins today; screener results and the safety
//! plan join the same way.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};

use super::local;
use super::merge::{Change, Decision, decide};
use crate::checkins::CheckIn;
use crate::error::{Error, Result};

/// The change name of check-ins.
pub const CHECKIN: &str = "checkin";
/// The change name of screener results.
pub const SCREENER: &str = "screener";

/// A screener result as devices exchange it: the answers, not the score (each device scores
/// them itself, so a corrected band definition applies to synced results too).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenerRecord {
    /// Id.
    pub id: String,
    /// The instrument's stored name (`phq9`, …).
    pub instrument: String,
    /// When, UTC (RFC 3339).
    pub taken_at_utc: String,
    /// The officer's offset from UTC then, minutes.
    pub utc_offset_min: i32,
    /// The answers, item by item.
    pub answers: Vec<u8>,
}

/// Queues a saved screener result for sync (when sync is on).
pub(crate) fn screener_written(conn: &Connection, r: &ScreenerRecord) -> Result<()> {
    let body = serde_json::to_value(r).map_err(|_| Error::Internal)?;
    local::note_change(conn, SCREENER, &r.id, Some(body))
}

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
    if c.table != CHECKIN && c.table != SCREENER {
        return Ok(false);
    }
    if decide(local::held(conn, &c.table, &c.id)?, c) == Decision::Ignore {
        return Ok(false);
    }
    if c.table == SCREENER {
        take_screener(conn, c)?;
        local::set_held(conn, c)?;
        return Ok(true);
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

fn take_screener(conn: &Connection, c: &Change) -> Result<()> {
    let Some(body) = &c.body else {
        conn.execute("DELETE FROM screener_results WHERE id = ?1", [&c.id])
            .map_err(Error::from_sqlite)?;
        return Ok(());
    };
    let refuse = || Error::NotAuthentic("A synced screener result could not be read.".into());
    let r: ScreenerRecord = serde_json::from_value(body.clone()).map_err(|_| refuse())?;
    if r.id != c.id {
        return Err(refuse());
    }
    let instrument = crate::screeners::Instrument::parse(&r.instrument).ok_or_else(refuse)?;
    // Scored here, from the answers: what another device says the score is is not taken.
    let score = crate::screeners::score(instrument, &r.answers)?;
    let answers = serde_json::to_string(&r.answers).map_err(|_| Error::Internal)?;
    conn.execute(
        "INSERT INTO screener_results (id, instrument, taken_at_utc, utc_offset_min, answers,
           total, band, safety)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (id) DO UPDATE SET instrument = excluded.instrument,
           taken_at_utc = excluded.taken_at_utc, utc_offset_min = excluded.utc_offset_min,
           answers = excluded.answers, total = excluded.total, band = excluded.band,
           safety = excluded.safety",
        params![
            r.id,
            instrument.as_str(),
            r.taken_at_utc,
            r.utc_offset_min,
            answers,
            score.total,
            score.band,
            score.safety,
        ],
    )
    .map(drop)
    .map_err(Error::from_sqlite)
}

/// Every screener result as it syncs (turning sync on uploads them all).
pub(crate) fn all_screeners(conn: &Connection) -> Result<Vec<ScreenerRecord>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, instrument, taken_at_utc, utc_offset_min, answers FROM screener_results
             ORDER BY taken_at_utc, rowid",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i32>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(Error::from_sqlite)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, instrument, taken_at_utc, utc_offset_min, answers) =
            row.map_err(Error::from_sqlite)?;
        // A row whose answers do not read back is left out rather than sent damaged.
        if let Ok(answers) = serde_json::from_str(&answers) {
            out.push(ScreenerRecord {
                id,
                instrument,
                taken_at_utc,
                utc_offset_min,
                answers,
            });
        }
    }
    Ok(out)
}
