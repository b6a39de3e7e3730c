//! Series for the trend charts: each quick check-in field and each screener's total, averaged
//! per local day, week (Monday first) or month. Every bucket in the range is present, so a
//! bucket with nothing recorded is a gap (`None`), never a zero.

use std::collections::BTreeMap;

use chrono::{Datelike as _, Days, Months, NaiveDate};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::screeners::{self, Instrument};
use crate::vault::Vault;

/// Longest series returned (about eleven years of days); a chart cannot show more.
pub const MAX_BUCKETS: usize = 4_000;

/// How points are grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// One point per local day.
    Day,
    /// One point per week, starting on Monday.
    Week,
    /// One point per calendar month.
    Month,
}

impl Bucket {
    /// The first day of the bucket that holds `d`.
    pub fn start_of(self, d: NaiveDate) -> NaiveDate {
        match self {
            Self::Day => d,
            Self::Week => d - Days::new(u64::from(d.weekday().num_days_from_monday())),
            Self::Month => d.with_day(1).unwrap_or(d),
        }
    }

    fn next(self, d: NaiveDate) -> Option<NaiveDate> {
        match self {
            Self::Day => d.checked_add_days(Days::new(1)),
            Self::Week => d.checked_add_days(Days::new(7)),
            Self::Month => d.checked_add_months(Months::new(1)),
        }
    }
}

/// One screener's totals over the same buckets.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScreenerSeries {
    /// Which instrument.
    pub instrument: Instrument,
    /// Its name as shown.
    pub title: String,
    /// Highest possible total, for the chart's scale.
    pub max_total: u32,
    /// Mean total in each bucket; `None` where none was taken.
    pub totals: Vec<Option<f64>>,
}

/// Everything the trends screen draws, as parallel arrays (one entry per bucket).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Trends {
    /// The grouping.
    pub bucket: Bucket,
    /// First local day of each bucket (`YYYY-MM-DD`), oldest first.
    pub starts: Vec<String>,
    /// Mean mood (1–5).
    pub mood: Vec<Option<f64>>,
    /// Mean stress (1–5).
    pub stress: Vec<Option<f64>>,
    /// Mean energy (1–5).
    pub energy: Vec<Option<f64>>,
    /// Mean hours slept.
    pub sleep_hours: Vec<Option<f64>>,
    /// Check-ins in each bucket.
    pub checkins: Vec<u32>,
    /// Screeners taken at least once in the range, in a fixed order.
    pub screeners: Vec<ScreenerSeries>,
}

#[derive(Default, Clone, Copy)]
struct Sum {
    total: i64,
    count: u32,
}

impl Sum {
    fn add(&mut self, total: i64, count: u32) {
        self.total += total;
        self.count += count;
    }

    fn mean(self, scale: f64) -> Option<f64> {
        (self.count > 0).then(|| {
            let v = self.total as f64 / f64::from(self.count) / scale;
            (v * 100.0).round() / 100.0
        })
    }
}

/// The trends of the last `days` local days up to `today`, both included.
pub fn last_days(vault: &Vault, bucket: Bucket, days: u32, today: NaiveDate) -> Result<Trends> {
    let from = today
        .checked_sub_days(Days::new(u64::from(days.max(1) - 1)))
        .ok_or_else(|| Error::InvalidInput("That range reaches too far back.".into()))?;
    trends(vault, bucket, from, today)
}

/// The trends between two local days, both included.
pub fn trends(vault: &Vault, bucket: Bucket, from: NaiveDate, to: NaiveDate) -> Result<Trends> {
    if from > to {
        return Err(Error::InvalidInput(
            "The start of the range is after its end.".into(),
        ));
    }
    let mut starts = Vec::new();
    let mut index = BTreeMap::new();
    let mut d = bucket.start_of(from);
    while d <= to {
        if starts.len() == MAX_BUCKETS {
            return Err(Error::InvalidInput(
                "That range is too long to chart; choose weeks or months.".into(),
            ));
        }
        index.insert(d, starts.len());
        starts.push(d);
        match bucket.next(d) {
            Some(n) => d = n,
            None => break,
        }
    }
    let n = starts.len();
    let (lo, hi) = crate::checkins::utc_window(from, to);
    // The local day is the UTC time moved by the offset the officer had then, so a late
    // shift counts for the day it was for them. Worked out here rather than with SQLite's
    // date functions: a ten-year chart reads every row, and this is several times faster.
    let slot = |utc: &str, offset_min: i64| -> Option<usize> {
        let t = chrono::NaiveDateTime::parse_from_str(utc, "%Y-%m-%dT%H:%M:%SZ").ok()?;
        let day = (t + chrono::Duration::minutes(offset_min)).date();
        if day < from || day > to {
            return None;
        }
        index.get(&bucket.start_of(day)).copied()
    };
    let text = |r: &rusqlite::Row<'_>, i: usize| -> Result<String> {
        r.get_ref(i)
            .and_then(|v| Ok(v.as_str()?.to_owned()))
            .map_err(Error::from_sqlite)
    };
    let int =
        |r: &rusqlite::Row<'_>, i: usize| -> Result<i64> { r.get(i).map_err(Error::from_sqlite) };

    let mut fields = [
        vec![Sum::default(); n],
        vec![Sum::default(); n],
        vec![Sum::default(); n],
        vec![Sum::default(); n],
    ];
    let mut stmt = vault
        .conn()
        .prepare_cached(
            "SELECT recorded_at_utc, utc_offset_min, mood, stress, energy, sleep_half_hours
             FROM checkins WHERE recorded_at_utc >= ?1 AND recorded_at_utc < ?2",
        )
        .map_err(Error::from_sqlite)?;
    let mut rows = stmt.query(params![lo, hi]).map_err(Error::from_sqlite)?;
    while let Some(r) = rows.next().map_err(Error::from_sqlite)? {
        let Some(i) = slot(&text(r, 0)?, int(r, 1)?) else {
            continue;
        };
        for (f, col) in fields.iter_mut().zip(2..=5) {
            f[i].add(int(r, col)?, 1);
        }
    }

    let mut by_instrument: BTreeMap<usize, (Instrument, Vec<Sum>)> = BTreeMap::new();
    let mut stmt = vault
        .conn()
        .prepare_cached(
            "SELECT instrument, taken_at_utc, utc_offset_min, total
             FROM screener_results WHERE taken_at_utc >= ?1 AND taken_at_utc < ?2",
        )
        .map_err(Error::from_sqlite)?;
    let mut rows = stmt.query(params![lo, hi]).map_err(Error::from_sqlite)?;
    while let Some(r) = rows.next().map_err(Error::from_sqlite)? {
        let name = text(r, 0)?;
        // A result of an instrument this build does not know (a newer app) is skipped.
        let (Some(pos), Some(i)) = (
            Instrument::ALL.iter().position(|x| x.as_str() == name),
            slot(&text(r, 1)?, int(r, 2)?),
        ) else {
            continue;
        };
        let entry = by_instrument
            .entry(pos)
            .or_insert_with(|| (Instrument::ALL[pos], vec![Sum::default(); n]));
        entry.1[i].add(int(r, 3)?, 1);
    }

    let means = |v: &[Sum], scale: f64| v.iter().map(|s| s.mean(scale)).collect();
    let [mood, stress, energy, sleep] = &fields;
    Ok(Trends {
        bucket,
        starts: starts
            .iter()
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect(),
        mood: means(mood, 1.0),
        stress: means(stress, 1.0),
        energy: means(energy, 1.0),
        sleep_hours: means(sleep, 2.0),
        checkins: mood.iter().map(|s| s.count).collect(),
        screeners: by_instrument
            .into_values()
            .map(|(instrument, sums)| ScreenerSeries {
                instrument,
                title: screeners::form(instrument).title.to_owned(),
                max_total: instrument.max_total(),
                totals: means(&sums, 1.0),
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, FixedOffset};

    use super::*;
    use crate::checkins::{self, QuickCheckIn};
    use crate::vault::VaultKey;

    fn vault() -> (tempfile::TempDir, Vault) {
        let dir = tempfile::tempdir().unwrap();
        let v = Vault::create(&dir.path().join("vault.db"), &VaultKey::generate()).unwrap();
        (dir, v)
    }

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn mood(v: &Vault, m: u8, when: &str) {
        checkins::save(
            v,
            &QuickCheckIn {
                mood: m,
                sleep_half_hours: 13,
                ..Default::default()
            },
            at(when),
        )
        .unwrap();
    }

    #[test]
    fn days_average_and_leave_gaps_as_gaps() {
        let (_d, v) = vault();
        mood(&v, 2, "2026-11-01T08:00:00-05:00");
        mood(&v, 5, "2026-11-01T20:00:00-05:00");
        mood(&v, 4, "2026-11-03T08:00:00-05:00");
        let t = trends(&v, Bucket::Day, day("2026-11-01"), day("2026-11-04")).unwrap();
        assert_eq!(
            t.starts,
            ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04"]
        );
        assert_eq!(t.mood, [Some(3.5), None, Some(4.0), None]);
        assert_eq!(t.sleep_hours, [Some(6.5), None, Some(6.5), None]);
        assert_eq!(t.checkins, [2, 0, 1, 0]);
        assert!(t.screeners.is_empty());
    }

    #[test]
    fn a_late_shift_counts_for_the_officers_own_day() {
        let (_d, v) = vault();
        // 23:30 in New York is already the next day in UTC.
        mood(&v, 1, "2026-11-01T23:30:00-05:00");
        // 00:30 in Tokyo is still the previous day in UTC.
        mood(&v, 5, "2026-11-03T00:30:00+09:00");
        let t = trends(&v, Bucket::Day, day("2026-11-01"), day("2026-11-03")).unwrap();
        assert_eq!(t.mood, [Some(1.0), None, Some(5.0)]);
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let (_d, v) = vault();
        // 2026-11-02 is a Monday.
        mood(&v, 2, "2026-11-01T12:00:00Z");
        mood(&v, 4, "2026-11-02T12:00:00Z");
        mood(&v, 5, "2026-11-08T12:00:00Z");
        mood(&v, 1, "2026-12-01T12:00:00Z");
        let w = trends(&v, Bucket::Week, day("2026-11-01"), day("2026-11-10")).unwrap();
        assert_eq!(w.starts, ["2026-10-26", "2026-11-02", "2026-11-09"]);
        assert_eq!(w.mood, [Some(2.0), Some(4.5), None]);
        let m = trends(&v, Bucket::Month, day("2026-10-15"), day("2026-12-31")).unwrap();
        assert_eq!(m.starts, ["2026-10-01", "2026-11-01", "2026-12-01"]);
        assert_eq!(
            m.mood,
            [
                None,
                Some(11.0 / 3.0 * 100.0).map(|x: f64| x.round() / 100.0),
                Some(1.0)
            ]
        );
    }

    #[test]
    fn records_outside_the_range_are_left_out() {
        let (_d, v) = vault();
        mood(&v, 5, "2026-10-31T23:59:00Z");
        mood(&v, 1, "2026-11-02T00:00:00Z");
        let t = trends(&v, Bucket::Day, day("2026-11-01"), day("2026-11-01")).unwrap();
        assert_eq!(t.mood, [None]);
        // Week buckets still only count days inside the range.
        let w = trends(&v, Bucket::Week, day("2026-11-01"), day("2026-11-01")).unwrap();
        assert_eq!(w.mood, [None]);
    }

    #[test]
    fn screener_totals_are_charted_per_instrument() {
        let (_d, v) = vault();
        screeners::save(&v, Instrument::Gad7, &[1; 7], at("2026-11-01T09:00:00Z")).unwrap();
        screeners::save(&v, Instrument::Gad7, &[3; 7], at("2026-11-01T10:00:00Z")).unwrap();
        screeners::save(&v, Instrument::Phq9, &[0; 9], at("2026-11-02T10:00:00Z")).unwrap();
        let t = trends(&v, Bucket::Day, day("2026-11-01"), day("2026-11-02")).unwrap();
        let names: Vec<_> = t.screeners.iter().map(|s| s.instrument).collect();
        assert_eq!(names, [Instrument::Phq9, Instrument::Gad7]);
        assert_eq!(t.screeners[0].totals, [None, Some(0.0)]);
        assert_eq!(t.screeners[1].totals, [Some(14.0), None]);
        assert_eq!(t.screeners[1].max_total, 21);
    }

    #[test]
    fn last_days_ends_today() {
        let (_d, v) = vault();
        mood(&v, 4, "2026-11-25T08:00:00Z");
        let t = last_days(&v, Bucket::Day, 7, day("2026-11-25")).unwrap();
        assert_eq!(t.starts.first().unwrap(), "2026-11-19");
        assert_eq!(t.starts.last().unwrap(), "2026-11-25");
        assert_eq!(t.mood.last().unwrap(), &Some(4.0));
    }

    #[test]
    fn bad_ranges_are_refused() {
        let (_d, v) = vault();
        let e = trends(&v, Bucket::Day, day("2026-11-02"), day("2026-11-01")).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
        let e = trends(&v, Bucket::Day, day("2000-01-01"), day("2026-11-01")).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
        assert!(trends(&v, Bucket::Month, day("2000-01-01"), day("2026-11-01")).is_ok());
    }
}
