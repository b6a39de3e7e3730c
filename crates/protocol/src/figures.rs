//! The peer program's figures: what the relay counts, and the rules that keep a count from
//! pointing at anyone.
//!
//! The relay keeps only per-week counters of requests as they close or expire, and the
//! peer-seconds on duty per hour of the week. A coordinator reads them as *periods*: ended
//! weeks, pooled from the team's first counted week onward until a pool holds at least
//! [`FEWEST_SHOWN`] requests. Periods run back to back, each from the week after the one
//! before ended, and the pool still filling always reaches to the last shown week: where
//! a period starts or ends says nothing of which weeks had requests. Each request is in
//! exactly one period, so no difference of two figures isolates a quiet week. A week still
//! under way is never shown (a count read each morning would date each call), nor one
//! that ended less than [`GRACE_SECS`] ago, so a relay node whose clock lags cannot add to
//! a week already shown.

use serde::{Deserialize, Serialize};

/// Seconds in a week.
pub const WEEK_SECS: i64 = 7 * 86_400;
/// Monday 1970-01-05 00:00 UTC: weeks are counted from it, Monday to Sunday in UTC.
pub const FIRST_MONDAY: i64 = 4 * 86_400;
/// A period shows its figures only from this many requests on.
pub const FEWEST_SHOWN: u64 = 5;
/// Upper limits (seconds) of the claim-time buckets; the last bucket has no limit:
/// under 1 minute, 1–5 minutes, 5–15 minutes, 15–60 minutes, 1–4 hours, longer.
pub const CLAIM_BUCKET_LIMITS: [i64; 5] = [60, 300, 900, 3_600, 14_400];
/// How many claim-time buckets there are.
pub const CLAIM_BUCKETS: usize = CLAIM_BUCKET_LIMITS.len() + 1;
/// Hours in a week: duty figures hold one number per hour, from Monday 00:00 UTC.
pub const HOURS_PER_WEEK: usize = 168;

/// The week (counted from [`FIRST_MONDAY`]) holding a Unix time.
pub fn week_of(unix: i64) -> i64 {
    (unix - FIRST_MONDAY).div_euclid(WEEK_SECS)
}

/// When a week begins, in Unix seconds.
pub fn week_start(week: i64) -> i64 {
    FIRST_MONDAY + week * WEEK_SECS
}

/// The hour of its week (0 = Monday 00:00–01:00 UTC) a Unix time falls in.
pub fn hour_of_week(unix: i64) -> usize {
    // In 0..168 by construction.
    ((unix - FIRST_MONDAY).rem_euclid(WEEK_SECS) / 3_600) as usize
}

/// The bucket a claim time (seconds from post to claim) falls in.
pub fn claim_bucket(secs: i64) -> usize {
    CLAIM_BUCKET_LIMITS
        .iter()
        .position(|limit| secs < *limit)
        .unwrap_or(CLAIM_BUCKET_LIMITS.len())
}

/// Splits an on-duty stretch `[from, to)` into (week, hour of week, seconds) pieces.
pub fn duty_pieces(from: i64, to: i64) -> Vec<(i64, usize, i64)> {
    let mut pieces = Vec::new();
    let mut t = from;
    while t < to {
        let hour_end = t - (t - FIRST_MONDAY).rem_euclid(3_600) + 3_600;
        let end = hour_end.min(to);
        pieces.push((week_of(t), hour_of_week(t), end - t));
        t = end;
    }
    pieces
}

/// Requests counted over a span of weeks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestFigures {
    /// Requests that closed or expired.
    pub requests: u64,
    /// Of them, claimed by a peer.
    pub claimed: u64,
    /// Of them, went to every peer after going unclaimed.
    pub escalated: u64,
    /// Of them, expired without a claim.
    pub expired_unclaimed: u64,
    /// Claimed requests by time to claim, one count per bucket of
    /// [`CLAIM_BUCKET_LIMITS`] (six buckets).
    pub claim_times: Vec<u64>,
}

impl RequestFigures {
    /// Adds another span's counts.
    pub fn add(&mut self, other: &RequestFigures) {
        self.requests += other.requests;
        self.claimed += other.claimed;
        self.escalated += other.escalated;
        self.expired_unclaimed += other.expired_unclaimed;
        if self.claim_times.len() < other.claim_times.len() {
            self.claim_times.resize(other.claim_times.len(), 0);
        }
        for (mine, theirs) in self.claim_times.iter_mut().zip(&other.claim_times) {
            *mine += theirs;
        }
    }

    /// The bucket holding the given share (0.5 for the median) of claim times, as its
    /// upper limit in seconds; `Some(None)` for the open-ended last bucket, `None` with no
    /// claims.
    pub fn claim_time_within(&self, share: f64) -> Option<Option<i64>> {
        let total: u64 = self.claim_times.iter().sum();
        if total == 0 {
            return None;
        }
        let want = (share * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, n) in self.claim_times.iter().enumerate() {
            seen += n;
            if seen >= want {
                return Some(CLAIM_BUCKET_LIMITS.get(i).copied());
            }
        }
        Some(None)
    }
}

/// A run of ended weeks and what they hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FigurePeriod {
    /// First week of the period (see [`week_start`]).
    pub first_week: i64,
    /// Last week of the period, included.
    pub last_week: i64,
    /// The counts; `None` when the period holds fewer than [`FEWEST_SHOWN`] requests (it
    /// is the latest period, still filling up).
    pub figures: Option<RequestFigures>,
}

/// Peers on duty in one ended week, hour by hour.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DutyWeek {
    /// The week.
    pub week: i64,
    /// Peer-seconds on duty in each hour from Monday 00:00 UTC (168 numbers): 3600 is one
    /// peer for the whole hour.
    pub peer_seconds: Vec<u32>,
}

/// `GET /v1/teams/{team}/figures` (coordinator): the program's figures, aggregate only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamFigures {
    /// The last week shown: ended, a day ago or more.
    pub last_week: i64,
    /// Ended weeks with requests, pooled into periods of at least [`FEWEST_SHOWN`]
    /// requests, oldest first; at most the last two years.
    pub periods: Vec<FigurePeriod>,
    /// Duty by hour for every shown week of the last quarter from the first with anyone on
    /// duty: a week with nobody on duty is all zeros, not left out.
    pub duty: Vec<DutyWeek>,
}

/// A week is shown once it ended this long ago.
pub const GRACE_SECS: i64 = 86_400;

/// The last week that may be shown at `now`: ended, and at least [`GRACE_SECS`] ago.
pub fn last_shown_week(now: i64) -> i64 {
    week_of(now - GRACE_SECS) - 1
}

/// How many weeks of periods an answer reaches back.
pub const PERIOD_WEEKS_SHOWN: i64 = 104;
/// How many weeks of duty an answer reaches back.
pub const DUTY_WEEKS_SHOWN: i64 = 13;

/// Pools per-week counts (any order; weeks without requests may be left out) into
/// periods of the weeks up to `last_week`: back to back from the team's first counted
/// week, each closing once it holds [`FEWEST_SHOWN`] requests, the one still filling
/// reaching to `last_week`. The pooling always starts at the team's first week, so the same
/// weeks give the same periods whenever they are asked for.
pub fn pool(mut weeks: Vec<(i64, RequestFigures)>, last_week: i64) -> Vec<FigurePeriod> {
    weeks.retain(|(w, f)| *w <= last_week && f.requests > 0);
    weeks.sort_by_key(|(w, _)| *w);
    let mut periods = Vec::new();
    let mut start: Option<i64> = None;
    let mut sum = RequestFigures::default();
    for (week, figures) in weeks {
        let first = *start.get_or_insert(week);
        sum.add(&figures);
        if sum.requests >= FEWEST_SHOWN {
            periods.push(FigurePeriod {
                first_week: first,
                last_week: week,
                figures: Some(std::mem::take(&mut sum)),
            });
            start = Some(week + 1);
        }
    }
    if let Some(first) = start.filter(|first| *first <= last_week) {
        periods.push(FigurePeriod {
            first_week: first,
            last_week,
            figures: (sum.requests >= FEWEST_SHOWN).then_some(sum),
        });
    }
    periods.retain(|p| p.last_week > last_week - PERIOD_WEEKS_SHOWN);
    periods
}

#[cfg(test)]
mod tests {
    use super::*;

    fn week(requests: u64) -> RequestFigures {
        RequestFigures {
            requests,
            claimed: requests,
            claim_times: vec![requests, 0, 0, 0, 0, 0],
            ..RequestFigures::default()
        }
    }

    #[test]
    fn weeks_start_on_monday_utc() {
        // 2026-11-30 was a Monday.
        let monday = 1_795_996_800;
        assert_eq!(week_start(week_of(monday)), monday);
        assert_eq!(week_of(monday - 1), week_of(monday) - 1);
        assert_eq!(hour_of_week(monday), 0);
        assert_eq!(hour_of_week(monday - 1), 167);
        assert_eq!(hour_of_week(monday + 25 * 3_600 + 59), 25);
    }

    #[test]
    fn claim_times_fall_in_fixed_buckets() {
        assert_eq!(claim_bucket(0), 0);
        assert_eq!(claim_bucket(59), 0);
        assert_eq!(claim_bucket(60), 1);
        assert_eq!(claim_bucket(899), 2);
        assert_eq!(claim_bucket(3_600), 4);
        assert_eq!(claim_bucket(1_000_000), 5);
    }

    #[test]
    fn duty_is_split_at_each_hour() {
        let monday = 1_795_996_800;
        let pieces = duty_pieces(monday + 1_800, monday + 3 * 3_600 + 60);
        assert_eq!(
            pieces,
            vec![
                (week_of(monday), 0, 1_800),
                (week_of(monday), 1, 3_600),
                (week_of(monday), 2, 3_600),
                (week_of(monday), 3, 60)
            ]
        );
        assert!(duty_pieces(monday, monday).is_empty());
        // Across the week's end.
        let pieces = duty_pieces(monday - 60, monday + 60);
        assert_eq!(pieces[0], (week_of(monday) - 1, 167, 60));
        assert_eq!(pieces[1], (week_of(monday), 0, 60));
    }

    #[test]
    fn quiet_weeks_pool_until_five_and_the_rest_is_hidden() {
        let periods = pool(
            vec![
                (10, week(2)),
                (11, week(1)),
                (13, week(4)),
                (14, week(7)),
                (15, week(1)),
                (16, week(3)), // not shown yet
            ],
            15,
        );
        assert_eq!(periods.len(), 3);
        assert_eq!((periods[0].first_week, periods[0].last_week), (10, 13));
        assert_eq!(periods[0].figures.as_ref().unwrap().requests, 7);
        assert_eq!((periods[1].first_week, periods[1].last_week), (14, 14));
        assert_eq!(periods[1].figures.as_ref().unwrap().requests, 7);
        assert_eq!((periods[2].first_week, periods[2].last_week), (15, 15));
        assert_eq!(periods[2].figures, None);
    }

    #[test]
    fn periods_run_back_to_back_and_the_pool_filling_reaches_the_last_week() {
        // Requests in weeks 3 and 9 only: the pool says nothing of which weeks they were.
        let quiet = pool(vec![(3, week(1)), (9, week(1))], 12);
        assert_eq!(quiet.len(), 1);
        assert_eq!((quiet[0].first_week, quiet[0].last_week), (3, 12));
        assert_eq!(quiet[0].figures, None);
        // A week later the same pool, one week longer: nothing moved with a request.
        assert_eq!(pool(vec![(3, week(1)), (9, week(1))], 13)[0].last_week, 13);
        // After a period closes the next starts the week after, with or without requests.
        let p = pool(vec![(1, week(5)), (4, week(5)), (7, week(1))], 8);
        let spans: Vec<(i64, i64)> = p.iter().map(|p| (p.first_week, p.last_week)).collect();
        assert_eq!(spans, vec![(1, 1), (2, 4), (5, 8)]);
        // The last period closed on the last week: no empty tail.
        assert_eq!(pool(vec![(1, week(5))], 1).len(), 1);
    }

    #[test]
    fn a_week_is_shown_a_day_after_it_ends() {
        let monday = 1_795_996_800;
        assert_eq!(last_shown_week(monday + 3_600), week_of(monday) - 2);
        assert_eq!(last_shown_week(monday + GRACE_SECS), week_of(monday) - 1);
    }

    #[test]
    fn the_same_weeks_pool_the_same_way_whenever_asked() {
        let weeks = vec![(1, week(3)), (2, week(3)), (3, week(6)), (4, week(2))];
        let early = pool(weeks.clone(), 4);
        let late = pool(weeks, 9);
        assert_eq!(early[..2], late[..2]);
    }

    #[test]
    fn percentiles_are_read_from_the_buckets() {
        let f = RequestFigures {
            requests: 10,
            claimed: 10,
            claim_times: vec![5, 3, 1, 1, 0, 0],
            ..RequestFigures::default()
        };
        assert_eq!(f.claim_time_within(0.5), Some(Some(60)));
        assert_eq!(f.claim_time_within(0.9), Some(Some(900)));
        assert_eq!(RequestFigures::default().claim_time_within(0.5), None);
        let slow = RequestFigures {
            claim_times: vec![0, 0, 0, 0, 0, 2],
            ..RequestFigures::default()
        };
        assert_eq!(slow.claim_time_within(0.5), Some(None));
    }
}
