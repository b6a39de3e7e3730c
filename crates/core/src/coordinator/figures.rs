//! The program's figures as the console shows them: the relay's pooled periods (never a
//! figure from fewer than five requests), months made of whole periods, claim times from
//! the fixed buckets, and duty held against the roster's schedule.

use chrono::{Datelike as _, NaiveDate};
use peerline_protocol::documents::{Roster, schedule_hours};
use peerline_protocol::figures::{
    FEWEST_SHOWN, FigurePeriod, HOURS_PER_WEEK, RequestFigures, TeamFigures, week_start,
};
use serde::Serialize;

use super::coordinator;
use super::documents;
use crate::error::Result;
use crate::talk::VaultAccess;

/// The rule, in the words the console and the report print.
pub const SMALL_NUMBER_RULE: &str = "Figures from fewer than 5 requests are shown as \"fewer than 5\", with no breakdown, so that no figure can point to one officer's call. Quiet weeks are pooled with the weeks after them until they reach 5; the week under way is never shown.";

/// Counts over a period, with the rates and claim times worked out.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    /// Requests closed or expired.
    pub requests: u64,
    /// Claimed by a peer.
    pub claimed: u64,
    /// Went to every peer after going unclaimed.
    pub escalated: u64,
    /// Expired with nobody taking them.
    pub expired_unclaimed: u64,
    /// Claimed, percent of requests.
    pub claimed_pct: u32,
    /// Escalated, percent of requests.
    pub escalated_pct: u32,
    /// Half the claims came within this (in words), when any were claimed.
    pub median_claim: Option<String>,
    /// Nine in ten claims came within this (in words).
    pub p90_claim: Option<String>,
    /// Claims by time to claim: under 1 min, 1–5, 5–15, 15–60 min, 1–4 h, longer.
    pub claim_times: Vec<u64>,
}

/// One period or month.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeriodView {
    /// "2026-11-23 – 2026-12-06", or "November 2026".
    pub label: String,
    /// First day (YYYY-MM-DD).
    pub first_day: String,
    /// Last day (YYYY-MM-DD).
    pub last_day: String,
    /// The figures; `None` when there are fewer than five requests to show.
    pub summary: Option<Summary>,
    /// Requests still being pooled (fewer than five) also fall in this span.
    pub more_pending: bool,
}

/// Duty as it was held, against the roster's schedule.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CoverageHeld {
    /// Ended weeks the relay has duty figures for.
    pub weeks: u32,
    /// Mean peers on duty in each hour of the week, in this device's time (168 numbers,
    /// Monday 00:00 first).
    pub mean_peers: Vec<f64>,
    /// Scheduled hours over those weeks.
    pub scheduled_hours: u32,
    /// Of them, hours with a peer on duty for at least half the hour.
    pub held_hours: u32,
    /// Held, percent of scheduled.
    pub held_pct: u32,
}

/// Everything the console's figures screen and the printed report show.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FiguresView {
    /// The pooled periods, newest first.
    pub periods: Vec<PeriodView>,
    /// Months, newest first, each the whole periods ending in it.
    pub months: Vec<PeriodView>,
    /// Every shown period together.
    pub total: Option<Summary>,
    /// Duty held against the schedule.
    pub coverage: CoverageHeld,
    /// The small-number rule.
    pub rule: String,
}

fn day(unix: i64) -> NaiveDate {
    chrono::DateTime::from_timestamp(unix, 0)
        .unwrap_or_default()
        .date_naive()
}

fn within(limit: Option<Option<i64>>) -> Option<String> {
    limit.map(|l| match l {
        Some(60) => "under 1 minute".to_owned(),
        Some(secs) if secs < 3_600 => format!("under {} minutes", secs / 60),
        Some(3_600) => "under 1 hour".to_owned(),
        Some(secs) => format!("under {} hours", secs / 3_600),
        None => "over 4 hours".to_owned(),
    })
}

fn pct(part: u64, whole: u64) -> u32 {
    (part * 100)
        .checked_div(whole)
        .map_or(0, |p| u32::try_from(p).unwrap_or(100))
}

fn summary(f: &RequestFigures) -> Option<Summary> {
    (f.requests >= FEWEST_SHOWN).then(|| Summary {
        requests: f.requests,
        claimed: f.claimed,
        escalated: f.escalated,
        expired_unclaimed: f.expired_unclaimed,
        claimed_pct: pct(f.claimed, f.requests),
        escalated_pct: pct(f.escalated, f.requests),
        median_claim: within(f.claim_time_within(0.5)),
        p90_claim: within(f.claim_time_within(0.9)),
        claim_times: f.claim_times.clone(),
    })
}

fn span(first: NaiveDate, last: NaiveDate) -> (String, String) {
    (first.to_string(), last.to_string())
}

/// Builds the view from the relay's answer, the roster's schedule and this device's UTC
/// offset (minutes east of UTC).
pub fn view(figures: &TeamFigures, roster: &Roster, utc_offset_minutes: i32) -> FiguresView {
    let bounds = |p: &FigurePeriod| {
        (
            day(week_start(p.first_week)),
            day(week_start(p.last_week + 1) - 1),
        )
    };
    let mut periods: Vec<PeriodView> = figures
        .periods
        .iter()
        .map(|p| {
            let (first, last) = bounds(p);
            let (first_day, last_day) = span(first, last);
            PeriodView {
                label: format!("{first_day} – {last_day}"),
                first_day,
                last_day,
                summary: p.figures.as_ref().and_then(summary),
                more_pending: p.figures.is_none(),
            }
        })
        .collect();
    // Months: whole periods, by the month their last day is in. Never a new cut of the
    // weeks, so a month's figure adds nothing a period did not already show.
    let mut months: Vec<(NaiveDate, RequestFigures, bool, NaiveDate)> = Vec::new();
    let mut total = RequestFigures::default();
    for p in &figures.periods {
        let (first, last) = bounds(p);
        let month = last.with_day(1).unwrap_or(last);
        if months.last().is_none_or(|m| m.0 != month) {
            months.push((month, RequestFigures::default(), false, first));
        }
        if let Some(m) = months.last_mut() {
            match &p.figures {
                Some(f) => {
                    m.1.add(f);
                    total.add(f);
                }
                None => m.2 = true,
            }
        }
    }
    let mut months: Vec<PeriodView> = months
        .into_iter()
        .map(|(month, f, pending, first)| {
            let next = month
                .checked_add_months(chrono::Months::new(1))
                .unwrap_or(month);
            let (first_day, last_day) = span(first.min(month), next.pred_opt().unwrap_or(next));
            PeriodView {
                label: month.format("%B %Y").to_string(),
                first_day,
                last_day,
                summary: summary(&f),
                more_pending: pending || (f.requests > 0 && f.requests < FEWEST_SHOWN),
            }
        })
        .collect();
    periods.reverse();
    months.reverse();
    FiguresView {
        periods,
        months,
        total: summary(&total),
        coverage: coverage(figures, roster, utc_offset_minutes),
        rule: SMALL_NUMBER_RULE.to_owned(),
    }
}

fn coverage(figures: &TeamFigures, roster: &Roster, utc_offset_minutes: i32) -> CoverageHeld {
    let mut scheduled = [false; HOURS_PER_WEEK];
    for p in &roster.peers {
        for h in schedule_hours(&p.schedule).unwrap_or_default() {
            scheduled[h] = true;
        }
    }
    // Local hour of the week for a UTC one, at this device's offset (whole hours).
    let shift = i64::from(utc_offset_minutes).div_euclid(60);
    let local = |utc_hour: usize| (utc_hour as i64 + shift).rem_euclid(168) as usize;
    let weeks = u32::try_from(figures.duty.len()).unwrap_or(u32::MAX);
    let mut sum = vec![0f64; HOURS_PER_WEEK];
    let (mut scheduled_hours, mut held_hours) = (0u32, 0u32);
    for w in &figures.duty {
        for (utc_hour, secs) in w.peer_seconds.iter().enumerate().take(HOURS_PER_WEEK) {
            let h = local(utc_hour);
            sum[h] += f64::from(*secs) / 3_600.0;
            if scheduled[h] {
                scheduled_hours += 1;
                if *secs >= 1_800 {
                    held_hours += 1;
                }
            }
        }
    }
    CoverageHeld {
        weeks,
        mean_peers: sum
            .into_iter()
            .map(|s| {
                if weeks == 0 {
                    0.0
                } else {
                    s / f64::from(weeks)
                }
            })
            .collect(),
        scheduled_hours,
        held_hours,
        held_pct: pct(u64::from(held_hours), u64::from(scheduled_hours)),
    }
}

/// Fetches the figures and builds the view against the roster last published (or the
/// draft, before the first publish): what peers were scheduled for, not what is being
/// edited.
pub async fn load<A: VaultAccess>(a: &A, utc_offset_minutes: i32) -> Result<FiguresView> {
    let c = coordinator(a).await?;
    let figures = c.figures().await?;
    let roster = a.with_vault(|v| match documents::published_roster(v)? {
        Some(r) => Ok(r),
        None => documents::roster_draft(v).map(|d| d.roster),
    })?;
    Ok(view(&figures, &roster, utc_offset_minutes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerline_protocol::documents::RosterPeer;
    use peerline_protocol::figures::{DutyWeek, week_of};

    fn counts(requests: u64, claimed: u64) -> RequestFigures {
        RequestFigures {
            requests,
            claimed,
            escalated: 1,
            expired_unclaimed: requests - claimed,
            claim_times: vec![claimed, 0, 0, 0, 0, 0],
        }
    }

    #[test]
    fn periods_months_and_the_small_number_rule() {
        // 2026-11-02 (Monday) to 2026-12-06.
        let w = week_of(1_793_577_600);
        let figures = TeamFigures {
            last_week: w + 5,
            periods: vec![
                FigurePeriod {
                    first_week: w,
                    last_week: w + 1,
                    figures: Some(counts(6, 4)),
                },
                FigurePeriod {
                    first_week: w + 2,
                    last_week: w + 2,
                    figures: Some(counts(10, 10)),
                },
                FigurePeriod {
                    first_week: w + 3,
                    last_week: w + 4,
                    figures: None,
                },
            ],
            duty: vec![],
        };
        let v = view(&figures, &Roster::default(), 0);
        assert_eq!(v.periods.len(), 3);
        assert_eq!(v.periods[0].summary, None);
        assert!(v.periods[0].more_pending);
        assert_eq!(v.periods[2].first_day, "2026-11-02");
        assert_eq!(v.periods[2].last_day, "2026-11-15");
        let s = v.periods[1].summary.as_ref().unwrap();
        assert_eq!((s.claimed_pct, s.escalated_pct), (100, 10));
        assert_eq!(s.median_claim.as_deref(), Some("under 1 minute"));
        // November holds the first two periods; the pooling one ends in December.
        assert_eq!(v.months.len(), 2);
        assert_eq!(v.months[1].label, "November 2026");
        assert_eq!(v.months[1].summary.as_ref().unwrap().requests, 16);
        assert_eq!(v.months[0].label, "December 2026");
        assert_eq!(v.months[0].summary, None);
        assert_eq!(v.total.as_ref().unwrap().requests, 16);
        assert!(v.rule.contains("fewer than 5"));
    }

    #[test]
    fn duty_held_is_measured_against_the_schedule_in_local_time() {
        let roster = Roster {
            peers: vec![RosterPeer {
                schedule: vec!["mon 18-20".into()],
                ..RosterPeer::default()
            }],
        };
        let mut secs = vec![0u32; 168];
        // UTC 23:00 and 00:00 Tuesday are 18:00 and 19:00 Monday at UTC-5.
        secs[23] = 3_600;
        secs[24] = 900;
        let figures = TeamFigures {
            last_week: 9,
            periods: vec![],
            duty: vec![DutyWeek {
                week: 9,
                peer_seconds: secs,
            }],
        };
        let c = view(&figures, &roster, -300).coverage;
        assert_eq!(
            (c.weeks, c.scheduled_hours, c.held_hours, c.held_pct),
            (1, 2, 1, 50)
        );
        assert_eq!(c.mean_peers[18], 1.0);
        assert_eq!(c.mean_peers[19], 0.25);
    }
}
