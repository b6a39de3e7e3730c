//! The synced kinds of record, each as a change: what a local write sends, and how a change
//! from another device is written here: check-ins, screener results and the safety plan.
//! Per-device, never synced: settings (reminder time, auto-lock, theme), the team
//! membership and peer-role keys, tokens, requests and conversations, coordinator keys, the
//! follow-up series and sync's own state.

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
/// The change name of the safety plan.
pub const SAFETY_PLAN: &str = "safety_plan";

/// The safety plan as devices exchange it. There is one plan; each plan written after the
/// last was deleted is a record of its own (a delete is final, so a new plan cannot reuse
/// the old one's id). When two devices each start a plan offline, the newer stays on every
/// device and the older is dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanRecord {
    /// The plan.
    pub plan: crate::safety_plan::SafetyPlan,
    /// When it was last changed, UTC (RFC 3339).
    pub updated_at_utc: String,
}

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

/// Queues the saved safety plan for sync (when sync is on).
pub(crate) fn plan_written(conn: &Connection, r: &PlanRecord) -> Result<()> {
    if local::state(conn)?.is_none() {
        return Ok(());
    }
    let id = match live_plans(conn)?.into_iter().max_by_key(|(_, h)| *h) {
        Some((id, _)) => id,
        None => crate::ids::random_id(),
    };
    let body = serde_json::to_value(r).map_err(|_| Error::Internal)?;
    local::note_change(conn, SAFETY_PLAN, &id, Some(body))
}

/// Queues the deleted safety plan for sync (when sync is on).
pub(crate) fn plan_deleted(conn: &Connection) -> Result<()> {
    for (id, _) in live_plans(conn)? {
        local::note_change(conn, SAFETY_PLAN, &id, None)?;
    }
    Ok(())
}

/// The plan records held and not deleted (one, unless something went wrong), with stamps.
fn live_plans(conn: &Connection) -> Result<Vec<(String, super::hlc::Hlc)>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT id, hlc_ms, hlc_counter, hlc_device FROM sync_held
             WHERE tbl = ?1 AND deleted = 0",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([SAFETY_PLAN], |r| {
            Ok((
                r.get::<_, String>(0)?,
                super::hlc::Hlc {
                    ms: r.get::<_, i64>(1)?.max(0) as u64,
                    counter: r.get::<_, i64>(2)?.clamp(0, i64::from(u32::MAX)) as u32,
                    device: r.get::<_, i64>(3)? as u64,
                },
            ))
        })
        .map_err(Error::from_sqlite)?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(Error::from_sqlite)
}

/// Takes in a change from another device, by the merge rule; true when it changed anything.
/// A kind of record this build does not know (written by a newer one) is left alone.
pub(crate) fn take(conn: &Connection, c: &Change) -> Result<bool> {
    if ![CHECKIN, SCREENER, SAFETY_PLAN, super::devices::DEVICE].contains(&c.table.as_str()) {
        return Ok(false);
    }
    if decide(local::held(conn, &c.table, &c.id)?, c) == Decision::Ignore {
        return Ok(false);
    }
    if c.table == super::devices::DEVICE {
        super::devices::take(conn, c)?;
        return Ok(true);
    }
    if c.table == SCREENER {
        take_screener(conn, c)?;
        local::set_held(conn, c)?;
        return Ok(true);
    }
    if c.table == SAFETY_PLAN {
        return take_plan(conn, c);
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

/// One plan: a newer plan record replaces the one here (which is then dropped here, as it
/// is on every device that sees both); an older one is dropped on arrival.
fn take_plan(conn: &Connection, c: &Change) -> Result<bool> {
    let live = live_plans(conn)?;
    let Some(body) = &c.body else {
        if live.iter().any(|(id, _)| *id == c.id) {
            conn.execute("DELETE FROM safety_plan", [])
                .map_err(Error::from_sqlite)?;
        }
        local::set_held(conn, c)?;
        return Ok(true);
    };
    let others: Vec<_> = live.into_iter().filter(|(id, _)| *id != c.id).collect();
    if others.iter().any(|(_, hlc)| *hlc > c.hlc) {
        local::set_stamp(conn, SAFETY_PLAN, &c.id, c.hlc, true)?;
        return Ok(false);
    }
    let refuse = || Error::NotAuthentic("A synced safety plan could not be read.".into());
    let r: PlanRecord = serde_json::from_value(body.clone()).map_err(|_| refuse())?;
    let plan = r.plan.tidy().map_err(|_| refuse())?;
    let json = serde_json::to_string(&plan).map_err(|_| Error::Internal)?;
    conn.execute(
        "INSERT INTO safety_plan (id, plan, updated_at_utc) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET plan = excluded.plan,
           updated_at_utc = excluded.updated_at_utc",
        params![json, r.updated_at_utc],
    )
    .map_err(Error::from_sqlite)?;
    for (id, hlc) in others {
        local::set_stamp(conn, SAFETY_PLAN, &id, hlc, true)?;
    }
    local::set_held(conn, c)?;
    Ok(true)
}

/// The plan stored here, as it syncs.
pub(crate) fn stored_plan(conn: &Connection) -> Result<Option<PlanRecord>> {
    use rusqlite::OptionalExtension as _;
    let row: Option<(String, String)> = conn
        .query_row(
            "SELECT plan, updated_at_utc FROM safety_plan WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    // A stored plan that does not read back is not sent damaged.
    Ok(row.and_then(|(json, updated_at_utc)| {
        serde_json::from_str(&json).ok().map(|plan| PlanRecord {
            plan,
            updated_at_utc,
        })
    }))
}

/// Queues what is here now that the other devices do not have from this one: every record
/// (turning sync on), or after a backup is restored, what it added (`replace` false) or
/// everything, including deletes of what it took away (`replace` true: the restored
/// records become the newest versions; a record deleted on another device stays deleted).
pub(crate) fn queue_all(conn: &Connection, replace: bool) -> Result<()> {
    if local::state(conn)?.is_none() {
        return Ok(());
    }
    let mut present: std::collections::HashSet<(&str, String)> = std::collections::HashSet::new();
    for c in crate::checkins::all(conn)? {
        if replace || local::held(conn, CHECKIN, &c.id)?.is_none() {
            checkin_written(conn, &c)?;
        }
        present.insert((CHECKIN, c.id));
    }
    for r in all_screeners(conn)? {
        if replace || local::held(conn, SCREENER, &r.id)?.is_none() {
            screener_written(conn, &r)?;
        }
        present.insert((SCREENER, r.id));
    }
    match stored_plan(conn)? {
        Some(p) if replace || live_plans(conn)?.is_empty() => plan_written(conn, &p)?,
        Some(_) => {}
        None if replace => plan_deleted(conn)?,
        None => {}
    }
    if replace {
        for (table, id, h) in local::all_held(conn)? {
            let gone = !h.deleted
                && (table == CHECKIN || table == SCREENER)
                && !present.contains(&(table.as_str(), id.clone()));
            if gone {
                local::note_change(conn, &table, &id, None)?;
            }
        }
    }
    Ok(())
}

/// Every synced record held here as a change with its held stamp (tombstones as deletes):
/// what a snapshot carries. A record held but no longer readable here is left out rather
/// than sent as a delete.
pub(crate) fn all_changes(conn: &Connection) -> Result<Vec<Change>> {
    use std::collections::HashMap;
    let mut bodies: HashMap<(String, String), serde_json::Value> = HashMap::new();
    for c in crate::checkins::all(conn)? {
        let key = (CHECKIN.to_owned(), c.id.clone());
        bodies.insert(key, serde_json::to_value(c).map_err(|_| Error::Internal)?);
    }
    for r in all_screeners(conn)? {
        let key = (SCREENER.to_owned(), r.id.clone());
        bodies.insert(key, serde_json::to_value(r).map_err(|_| Error::Internal)?);
    }
    for (id, body) in super::devices::bodies(conn)? {
        bodies.insert((super::devices::DEVICE.to_owned(), id), body);
    }
    // The plan's body goes with the newest live plan record (there is one, normally).
    if let (Some(p), Some((id, _))) = (
        stored_plan(conn)?,
        live_plans(conn)?.into_iter().max_by_key(|(_, h)| *h),
    ) {
        bodies.insert(
            (SAFETY_PLAN.to_owned(), id),
            serde_json::to_value(p).map_err(|_| Error::Internal)?,
        );
    }
    let mut out = Vec::new();
    for (table, id, h) in local::all_held(conn)? {
        let body = if h.deleted {
            None
        } else {
            match bodies.remove(&(table.clone(), id.clone())) {
                Some(b) => Some(b),
                None => continue,
            }
        };
        out.push(Change {
            table,
            id,
            hlc: h.hlc,
            body,
        });
    }
    Ok(out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safety_plan::SafetyPlan;
    use crate::sync::hlc::Hlc;

    fn vault() -> (tempfile::TempDir, crate::vault::Vault) {
        let dir = tempfile::tempdir().unwrap();
        let v = crate::vault::Vault::create(
            &dir.path().join("v.db"),
            &crate::vault::VaultKey::generate(),
        )
        .unwrap();
        (dir, v)
    }

    fn plan_change(id: &str, ms: u64, sign: &str) -> Change {
        let plan = SafetyPlan {
            warning_signs: vec![sign.into()],
            ..SafetyPlan::default()
        };
        Change {
            table: SAFETY_PLAN.into(),
            id: id.into(),
            hlc: Hlc {
                ms,
                counter: 0,
                device: 9,
            },
            body: Some(
                serde_json::to_value(PlanRecord {
                    plan,
                    updated_at_utc: "2026-12-01T10:00:00Z".into(),
                })
                .unwrap(),
            ),
        }
    }

    fn sign(v: &crate::vault::Vault) -> Option<String> {
        stored_plan(v.conn())
            .unwrap()
            .map(|p| p.plan.warning_signs[0].clone())
    }

    #[test]
    fn two_plans_started_apart_end_as_the_newer_in_either_order() {
        let older = plan_change("p-old", 100, "older");
        let newer = plan_change("p-new", 200, "newer");
        for order in [[&older, &newer], [&newer, &older]] {
            let (_d, v) = vault();
            for c in order {
                take(v.conn(), c).unwrap();
            }
            assert_eq!(sign(&v).as_deref(), Some("newer"));
            let live = live_plans(v.conn()).unwrap();
            assert_eq!(live.len(), 1, "one plan held: {live:?}");
            assert_eq!(live[0].0, "p-new");
        }
    }

    #[test]
    fn a_deleted_plan_stays_deleted_and_a_new_one_is_a_record_of_its_own() {
        let (_d, v) = vault();
        take(v.conn(), &plan_change("p1", 100, "first")).unwrap();
        let mut del = plan_change("p1", 150, "");
        del.body = None;
        take(v.conn(), &del).unwrap();
        assert_eq!(sign(&v), None);
        // A late edit of the deleted plan does not bring it back.
        assert!(!take(v.conn(), &plan_change("p1", 300, "late")).unwrap());
        assert_eq!(sign(&v), None);
        // A plan written after the delete has its own id and is taken.
        assert!(take(v.conn(), &plan_change("p2", 200, "second")).unwrap());
        assert_eq!(sign(&v).as_deref(), Some("second"));
        // And a snapshot carries the live plan and the tombstone.
        let all = all_changes(v.conn()).unwrap();
        let plans: Vec<_> = all
            .iter()
            .filter(|c| c.table == SAFETY_PLAN)
            .map(|c| (c.id.as_str(), c.is_delete()))
            .collect();
        assert_eq!(plans.len(), 2);
        assert!(plans.contains(&("p1", true)) && plans.contains(&("p2", false)));
    }
}
