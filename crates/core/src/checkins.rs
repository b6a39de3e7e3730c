//! Quick check-ins: mood, stress, energy, sleep, tags and an optional note, saved in one tap.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::random_id;
use crate::vault::Vault;

/// Longest note accepted, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;

/// What the officer can tag a check-in with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Tag {
    /// A critical incident on shift.
    CriticalIncident,
    /// Family.
    Family,
    /// Sleep.
    Sleep,
    /// Physical health.
    Health,
    /// Work in general.
    Work,
    /// Court.
    Court,
    /// A shift change.
    ShiftChange,
    /// Something else.
    Other,
}

/// A quick check-in as entered. Each scale is 1–5; sleep is counted in half hours (0–28).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QuickCheckIn {
    /// 1 (very low) – 5 (very good).
    pub mood: u8,
    /// 1 (calm) – 5 (overwhelmed).
    pub stress: u8,
    /// 1 (drained) – 5 (full of energy).
    pub energy: u8,
    /// Hours slept, in half hours (14 = 7 h).
    pub sleep_half_hours: u8,
    /// Optional tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Optional free text; stays in the vault.
    #[serde(default)]
    pub note: Option<String>,
}

impl Default for QuickCheckIn {
    /// The middle of every scale and 7 hours' sleep, so one tap saves a check-in.
    fn default() -> Self {
        Self {
            mood: 3,
            stress: 3,
            energy: 3,
            sleep_half_hours: 14,
            tags: Vec::new(),
            note: None,
        }
    }
}

impl QuickCheckIn {
    /// Rejects values outside the scales and notes that are too long.
    pub fn validate(&self) -> Result<()> {
        for (name, v) in [
            ("Mood", self.mood),
            ("Stress", self.stress),
            ("Energy", self.energy),
        ] {
            if !(1..=5).contains(&v) {
                return Err(Error::InvalidInput(format!(
                    "{name} must be between 1 and 5."
                )));
            }
        }
        if self.sleep_half_hours > 28 {
            return Err(Error::InvalidInput(
                "Sleep must be between 0 and 14 hours.".into(),
            ));
        }
        if let Some(note) = &self.note
            && note.chars().count() > MAX_NOTE_CHARS
        {
            return Err(Error::InvalidInput(format!(
                "The note is too long ({MAX_NOTE_CHARS} characters at most)."
            )));
        }
        Ok(())
    }
}

/// A saved check-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CheckIn {
    /// Random id.
    pub id: String,
    /// When, in UTC (RFC 3339).
    pub recorded_at_utc: String,
    /// The officer's offset from UTC at the time, in minutes.
    pub utc_offset_min: i32,
    /// What was entered.
    #[serde(flatten)]
    pub entry: QuickCheckIn,
}

/// Saves a check-in at `at` (the officer's local time).
pub fn save(vault: &Vault, entry: &QuickCheckIn, at: DateTime<FixedOffset>) -> Result<CheckIn> {
    insert(vault.conn(), entry, at)
}

/// Saves several check-ins in one transaction: all of them or none (imports, restores).
pub fn save_all(
    vault: &mut Vault,
    entries: &[QuickCheckIn],
    at: DateTime<FixedOffset>,
) -> Result<Vec<CheckIn>> {
    let tx = vault.conn_mut().transaction().map_err(Error::from_sqlite)?;
    let saved = entries
        .iter()
        .map(|e| insert(&tx, e, at))
        .collect::<Result<Vec<_>>>()?;
    tx.commit().map_err(Error::from_sqlite)?;
    Ok(saved)
}

/// Validates, sorts and dedups tags, and drops a blank note.
fn normalized(entry: &QuickCheckIn) -> Result<QuickCheckIn> {
    entry.validate()?;
    let mut tags = entry.tags.clone();
    tags.sort_by_key(|t| *t as u8);
    tags.dedup();
    let note = entry
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    Ok(QuickCheckIn {
        tags,
        note,
        ..entry.clone()
    })
}

fn insert(
    conn: &rusqlite::Connection,
    entry: &QuickCheckIn,
    at: DateTime<FixedOffset>,
) -> Result<CheckIn> {
    let record = CheckIn {
        id: random_id(),
        recorded_at_utc: at
            .with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        utc_offset_min: at.offset().local_minus_utc() / 60,
        entry: normalized(entry)?,
    };
    let tags_json = serde_json::to_string(&record.entry.tags)
        .map_err(|e| Error::InvalidInput(format!("Tags could not be saved: {e}")))?;
    conn.prepare_cached(
        "INSERT INTO checkins (id, recorded_at_utc, utc_offset_min, mood, stress, energy,
           sleep_half_hours, tags, note)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            record.id,
            record.recorded_at_utc,
            record.utc_offset_min,
            record.entry.mood,
            record.entry.stress,
            record.entry.energy,
            record.entry.sleep_half_hours,
            tags_json,
            record.entry.note,
        ])
    })
    .map_err(Error::from_sqlite)?;
    crate::sync::records::checkin_written(conn, &record)?;
    Ok(record)
}

/// The most recent check-ins, newest first.
pub fn recent(vault: &Vault, limit: u32) -> Result<Vec<CheckIn>> {
    let mut stmt = vault
        .conn()
        .prepare_cached(
            "SELECT id, recorded_at_utc, utc_offset_min, mood, stress, energy, sleep_half_hours,
                    tags, note
             FROM checkins ORDER BY recorded_at_utc DESC, rowid DESC LIMIT ?1",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([limit], row_to_checkin)
        .map_err(Error::from_sqlite)?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::from_sqlite)
}

/// The UTC instants that surely hold every record of the local days `from..=to`, as the
/// vault stores them: offsets on Earth lie within −12 h and +14 h.
pub(crate) fn utc_window(from: chrono::NaiveDate, to: chrono::NaiveDate) -> (String, String) {
    let at = |d: chrono::NaiveDate, hours: i64| {
        (d.and_time(chrono::NaiveTime::MIN) + chrono::Duration::hours(hours))
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    };
    (at(from, -14), at(to, 24 + 12))
}

/// Whether any check-in was recorded on the local day `day` (the officer's own day).
pub fn checked_in_on(vault: &Vault, day: chrono::NaiveDate) -> Result<bool> {
    // The UTC window around the day narrows the scan to the index; the local day decides.
    let (lo, hi) = utc_window(day, day);
    vault
        .conn()
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM checkins
               WHERE recorded_at_utc >= ?1 AND recorded_at_utc < ?2
                 AND date(recorded_at_utc, printf('%+d minutes', utc_offset_min)) = ?3)",
            params![lo, hi, day.format("%Y-%m-%d").to_string()],
            |r| r.get(0),
        )
        .map_err(Error::from_sqlite)
}

/// One check-in by id.
pub fn get(vault: &Vault, id: &str) -> Result<Option<CheckIn>> {
    vault
        .conn()
        .query_row(
            "SELECT id, recorded_at_utc, utc_offset_min, mood, stress, energy, sleep_half_hours,
                    tags, note
             FROM checkins WHERE id = ?1",
            [id],
            row_to_checkin,
        )
        .optional()
        .map_err(Error::from_sqlite)
}

/// Changes what a saved check-in says; its time stays as it was.
pub fn update(vault: &Vault, id: &str, entry: &QuickCheckIn) -> Result<CheckIn> {
    let entry = normalized(entry)?;
    let tags_json = serde_json::to_string(&entry.tags)
        .map_err(|e| Error::InvalidInput(format!("Tags could not be saved: {e}")))?;
    let n = vault
        .conn()
        .execute(
            "UPDATE checkins SET mood = ?2, stress = ?3, energy = ?4, sleep_half_hours = ?5,
               tags = ?6, note = ?7
             WHERE id = ?1",
            params![
                id,
                entry.mood,
                entry.stress,
                entry.energy,
                entry.sleep_half_hours,
                tags_json,
                entry.note,
            ],
        )
        .map_err(Error::from_sqlite)?;
    if n == 0 {
        return Err(Error::NotFound(
            "That check-in is no longer there; it may have been deleted.",
        ));
    }
    let saved = get(vault, id)?.ok_or(Error::NotFound(
        "That check-in is no longer there; it may have been deleted.",
    ))?;
    crate::sync::records::checkin_written(vault.conn(), &saved)?;
    Ok(saved)
}

/// Deletes a check-in; `false` if there was none with that id.
pub fn delete(vault: &Vault, id: &str) -> Result<bool> {
    let n = vault
        .conn()
        .execute("DELETE FROM checkins WHERE id = ?1", [id])
        .map_err(Error::from_sqlite)?;
    if n > 0 {
        crate::sync::records::checkin_deleted(vault.conn(), id)?;
    }
    Ok(n > 0)
}

/// Every check-in, oldest first (turning sync on uploads them all).
pub(crate) fn all(conn: &rusqlite::Connection) -> Result<Vec<CheckIn>> {
    let mut stmt = conn
        .prepare(
            "SELECT id, recorded_at_utc, utc_offset_min, mood, stress, energy, sleep_half_hours,
                    tags, note
             FROM checkins ORDER BY recorded_at_utc, rowid",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], row_to_checkin)
        .map_err(Error::from_sqlite)?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::from_sqlite)
}

fn row_to_checkin(r: &rusqlite::Row<'_>) -> rusqlite::Result<CheckIn> {
    let tags_json: String = r.get(7)?;
    // A tag this build does not know (written by a newer one) is dropped, not fatal.
    let tags: Vec<Tag> = serde_json::from_str::<Vec<serde_json::Value>>(&tags_json)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| serde_json::from_value(v).ok())
        .collect();
    Ok(CheckIn {
        id: r.get(0)?,
        recorded_at_utc: r.get(1)?,
        utc_offset_min: r.get(2)?,
        entry: QuickCheckIn {
            mood: r.get(3)?,
            stress: r.get(4)?,
            energy: r.get(5)?,
            sleep_half_hours: r.get(6)?,
            tags,
            note: r.get(8)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::VaultKey;

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("vault.db"), &VaultKey::generate()).unwrap();
        (dir, v)
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn one_tap_default_saves_and_reads_back_with_offset() {
        let (_d, v) = vault();
        let saved = save(
            &v,
            &QuickCheckIn::default(),
            at("2026-11-24T23:30:00-05:00"),
        )
        .unwrap();
        assert_eq!(saved.recorded_at_utc, "2026-11-25T04:30:00Z");
        assert_eq!(saved.utc_offset_min, -300);
        assert_eq!(recent(&v, 10).unwrap(), vec![saved.clone()]);
        assert_eq!(get(&v, &saved.id).unwrap(), Some(saved));
    }

    #[test]
    fn tags_are_deduplicated_and_blank_notes_dropped() {
        let (_d, v) = vault();
        let entry = QuickCheckIn {
            tags: vec![Tag::Court, Tag::Family, Tag::Court],
            note: Some("   ".into()),
            ..Default::default()
        };
        let saved = save(&v, &entry, at("2026-11-24T10:00:00Z")).unwrap();
        assert_eq!(saved.entry.tags, vec![Tag::Family, Tag::Court]);
        assert_eq!(saved.entry.note, None);
    }

    #[test]
    fn out_of_range_is_rejected_and_nothing_saved() {
        let (_d, v) = vault();
        for bad in [
            QuickCheckIn {
                mood: 0,
                ..Default::default()
            },
            QuickCheckIn {
                stress: 6,
                ..Default::default()
            },
            QuickCheckIn {
                energy: 9,
                ..Default::default()
            },
            QuickCheckIn {
                sleep_half_hours: 29,
                ..Default::default()
            },
            QuickCheckIn {
                note: Some("x".repeat(MAX_NOTE_CHARS + 1)),
                ..Default::default()
            },
        ] {
            let err = save(&v, &bad, at("2026-11-24T10:00:00Z")).unwrap_err();
            assert_eq!(err.code(), "INVALID_INPUT");
        }
        assert!(recent(&v, 10).unwrap().is_empty());
    }

    #[test]
    fn save_all_is_all_or_nothing() {
        let (_d, mut v) = vault();
        let good = QuickCheckIn::default();
        let bad = QuickCheckIn {
            mood: 7,
            ..Default::default()
        };
        let at = at("2026-11-24T10:00:00Z");
        assert!(save_all(&mut v, &[good.clone(), bad], at).is_err());
        assert!(recent(&v, 10).unwrap().is_empty());
        assert_eq!(
            save_all(&mut v, &[good.clone(), good], at).unwrap().len(),
            2
        );
        assert_eq!(recent(&v, 10).unwrap().len(), 2);
    }

    #[test]
    fn update_changes_the_entry_but_not_its_time() {
        let (_d, v) = vault();
        let a = save(
            &v,
            &QuickCheckIn::default(),
            at("2026-11-24T10:00:00-05:00"),
        )
        .unwrap();
        let changed = QuickCheckIn {
            mood: 1,
            tags: vec![Tag::Court, Tag::Court],
            note: Some("  rough day ".into()),
            ..Default::default()
        };
        let b = update(&v, &a.id, &changed).unwrap();
        assert_eq!(b.recorded_at_utc, a.recorded_at_utc);
        assert_eq!(b.utc_offset_min, -300);
        assert_eq!(b.entry.mood, 1);
        assert_eq!(b.entry.tags, vec![Tag::Court]);
        assert_eq!(b.entry.note.as_deref(), Some("rough day"));
        assert_eq!(get(&v, &a.id).unwrap(), Some(b.clone()));
        let bad = QuickCheckIn {
            stress: 0,
            ..Default::default()
        };
        assert_eq!(update(&v, &a.id, &bad).unwrap_err().code(), "INVALID_INPUT");
        assert_eq!(
            get(&v, &a.id).unwrap(),
            Some(b),
            "unchanged after a refused edit"
        );
        assert_eq!(
            update(&v, "gone", &QuickCheckIn::default())
                .unwrap_err()
                .code(),
            "NOT_FOUND"
        );
    }

    #[test]
    fn delete_removes_only_that_one() {
        let (_d, v) = vault();
        let a = save(&v, &QuickCheckIn::default(), at("2026-11-24T10:00:00Z")).unwrap();
        let b = save(&v, &QuickCheckIn::default(), at("2026-11-24T11:00:00Z")).unwrap();
        assert!(delete(&v, &a.id).unwrap());
        assert!(!delete(&v, &a.id).unwrap());
        assert_eq!(recent(&v, 10).unwrap(), vec![b]);
    }
}
