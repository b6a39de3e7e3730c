//! The program's figures: a scripted month of requests and duty, counted by the storage
//! as requests close and expire and as duty ends, on SQLite or PostgreSQL (whichever the
//! suite runs on); and the coordinator-only read endpoint on a real relay.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_protocol::figures::{self, FigurePeriod, WEEK_SECS, week_of, week_start};
use peerline_protocol::relay::Urgency;
use peerline_relay::storage::{NewPost, Storage, StoredRequest, Team};
use peerline_testkit::*;

/// Monday 2026-11-30 00:00 UTC, and the week it starts.
const MONDAY: i64 = 1_795_996_800;

fn request(team: &str, id: &str, created_at: i64, urgent: bool) -> StoredRequest {
    StoredRequest {
        request_id: id.into(),
        team_id: team.into(),
        urgency: if urgent { Urgency::Now } else { Urgency::Today },
        recipient_key_ids: vec!["sam".into()],
        created_at,
        expires_at: created_at + 1_800,
        escalate_at: urgent.then_some(created_at + 180),
        escalated: false,
        ciphertext: vec![7; 64],
        status_hash: "0".repeat(64),
        claimed_by_key: None,
        claimed_by_device: None,
        reply: None,
        delivered: false,
    }
}

async fn team(storage: &dyn Storage, id: &str) {
    storage
        .create_team(Team {
            team_id: id.into(),
            public_key: [1; 32],
            escalation_secs: 180,
            tokens_per_day: 20,
        })
        .await
        .unwrap();
}

/// What the test did, tallied by hand for one week.
#[derive(Default, Debug, PartialEq)]
struct Tally {
    requests: u64,
    claimed: u64,
    escalated: u64,
    expired_unclaimed: u64,
    claim_times: [u64; 6],
}

#[tokio::test]
async fn a_scripted_month_is_counted_as_it_happened_and_nothing_finer_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let storage = database.open().await.unwrap();
    let s = &*storage;
    team(s, "team-a").await;
    team(s, "team-b").await;
    let first = week_of(MONDAY);
    let per_week = [7, 2, 3, 9];
    let mut expected: Vec<Tally> = Vec::new();
    let mut ids = Vec::new();
    for (w, n) in per_week.iter().enumerate() {
        let mut tally = Tally::default();
        let start = week_start(first + w as i64);
        for i in 0..*n {
            let id = format!("req-{w}-{i}");
            ids.push(id.clone());
            let created = start + 86_400 + i as i64 * 3_600;
            let urgent = i % 4 == 2;
            s.post_request(NewPost::plain(request("team-a", &id, created, urgent)))
                .await
                .unwrap();
            tally.requests += 1;
            match i % 4 {
                // Claimed in 30 s, closed by the officer an hour on.
                0 => {
                    s.claim(&id, "team-a", "sam", "dev-sam", created + 30)
                        .await
                        .unwrap();
                    assert!(
                        s.close(&id, created + 1_800, created + 1_500)
                            .await
                            .unwrap()
                    );
                    tally.claimed += 1;
                    tally.claim_times[0] += 1;
                }
                // Claimed in 400 s (5–15 minutes).
                1 => {
                    s.claim(&id, "team-a", "lee", "dev-lee", created + 400)
                        .await
                        .unwrap();
                    assert!(
                        s.close(&id, created + 1_800, created + 1_000)
                            .await
                            .unwrap()
                    );
                    tally.claimed += 1;
                    tally.claim_times[2] += 1;
                }
                // Urgent, unclaimed past its limit: escalated, then claimed at 17 min.
                2 => {
                    let due = s.escalate_due(created + 200).await.unwrap();
                    assert_eq!(due, vec![("team-a".to_owned(), id.clone())]);
                    s.claim(&id, "team-a", "sam", "dev-sam", created + 1_020)
                        .await
                        .unwrap();
                    assert!(
                        s.close(&id, created + 1_800, created + 1_100)
                            .await
                            .unwrap()
                    );
                    tally.claimed += 1;
                    tally.escalated += 1;
                    tally.claim_times[3] += 1;
                }
                // Nobody took it: it expires.
                _ => {
                    let gone = s.expire(created + 1_800).await.unwrap();
                    assert_eq!(gone, vec![("team-a".to_owned(), id.clone())]);
                    tally.expired_unclaimed += 1;
                }
            }
            // A closed request counts once: a second close (or a retry on another node)
            // changes nothing.
            assert!(
                !s.close(&id, created + 1_800, created + 1_700)
                    .await
                    .unwrap()
            );
        }
        expected.push(tally);
    }
    // Another team's request is counted for that team only.
    let other = week_start(first) + 3_600;
    s.post_request(NewPost::plain(request("team-b", "req-b", other, false)))
        .await
        .unwrap();
    s.close("req-b", other + 1_800, other + 60).await.unwrap();

    let rows = s.figures("team-a", first).await.unwrap();
    let got: Vec<(i64, Tally)> = rows
        .weeks
        .iter()
        .map(|(w, f)| {
            (
                *w,
                Tally {
                    requests: f.requests,
                    claimed: f.claimed,
                    escalated: f.escalated,
                    expired_unclaimed: f.expired_unclaimed,
                    claim_times: f.claim_times.clone().try_into().unwrap(),
                },
            )
        })
        .collect();
    let want: Vec<(i64, Tally)> = expected
        .into_iter()
        .enumerate()
        .map(|(w, t)| (first + w as i64, t))
        .collect();
    assert_eq!(got, want);
    assert_eq!(s.figures("team-b", first).await.unwrap().weeks.len(), 1);

    // Read after the month: 7 | 2+3 | 9, each at least five.
    let periods = figures::pool(rows.weeks.clone(), first + 3);
    let spans: Vec<(i64, i64, u64)> = periods
        .iter()
        .map(|p: &FigurePeriod| {
            (
                p.first_week - first,
                p.last_week - first,
                p.figures.as_ref().unwrap().requests,
            )
        })
        .collect();
    assert_eq!(spans, vec![(0, 0, 7), (1, 2, 5), (3, 3, 9)]);
    // Read during the last week (or its day of grace): it is not counted out yet.
    assert_eq!(figures::pool(rows.weeks, first + 2).len(), 2);

    // Nothing names a request, a device or a time finer than the week.
    assert_eq!(count_rows(&database, "requests").await, 0);
    for table in ["team_weeks", "team_duty_hours"] {
        for line in table_text(&database, table).await {
            for needle in ids
                .iter()
                .map(String::as_str)
                .chain(["dev-sam", "dev-lee", "sam", "lee"])
            {
                assert!(!line.contains(needle), "{table} holds {needle}: {line}");
            }
        }
    }
    let weeks = table_text(&database, "team_weeks").await;
    assert!(weeks.iter().all(|l| !l.contains(&MONDAY.to_string())));
}

#[tokio::test]
async fn duty_is_counted_by_the_hour_when_it_ends_and_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let storage = database.open().await.unwrap();
    let s = &*storage;
    team(s, "team-a").await;
    let t = MONDAY + 1_800;
    // Sam: on at 00:30 for three hours, extended, then off at 03:00.
    s.set_duty("team-a", "sam", Some(t + 3 * 3_600), t)
        .await
        .unwrap();
    s.set_duty("team-a", "sam", Some(t + 4 * 3_600), t + 3_600)
        .await
        .unwrap();
    // Lee: on at 00:30 for an hour, and it lapses.
    s.set_duty("team-a", "lee", Some(t + 3_600), t)
        .await
        .unwrap();
    assert!(s.figures("team-a", 0).await.unwrap().duty.is_empty());
    s.set_duty("team-a", "sam", None, t + 9_000).await.unwrap();
    // Every node's expiry pass runs; the lapsed stretch is counted once.
    s.expire(t + 7_200).await.unwrap();
    s.expire(t + 7_201).await.unwrap();
    // Off twice: the second finds nothing to count.
    s.set_duty("team-a", "sam", None, t + 9_500).await.unwrap();
    let week = week_of(MONDAY);
    assert_eq!(
        s.figures("team-a", week).await.unwrap().duty,
        vec![(week, 0, 3_600), (week, 1, 5_400), (week, 2, 3_600)]
    );
    // Back on after a lapse: the old stretch counts to its end, the new one from now.
    s.set_duty("team-a", "lee", Some(t + WEEK_SECS), t + 3 * 86_400)
        .await
        .unwrap();
    s.set_duty("team-a", "lee", None, t + 3 * 86_400 + 600)
        .await
        .unwrap();
    let duty = s.figures("team-a", week).await.unwrap().duty;
    assert!(duty.contains(&(week, 72, 600)), "{duty:?}");
    assert_eq!(count_rows(&database, "duty").await, 0);
}

#[tokio::test]
async fn only_the_teams_coordinator_reads_the_figures_and_the_week_under_way_is_never_shown() {
    let mut relay = TestRelay::start().await;
    let team = relay.team(180).await;
    let device = team.device().await;
    for i in 0..6 {
        let id = format!("{:032x}", i + 1);
        device
            .post(&id, Urgency::Today, b"sealed", &format!("secret-{i}"))
            .await
            .unwrap();
        if i < 3 {
            device.claim(&id, &test_key_ids()[0]).await.unwrap();
        }
        relay
            .anon()
            .close_request(&id, Some(&format!("secret-{i}")))
            .await
            .unwrap();
    }
    let coordinator = team.coordinator();
    let now = coordinator.figures().await.unwrap();
    assert!(
        now.periods.is_empty(),
        "the week under way was shown: {now:?}"
    );

    // Two weeks on (the counters moved back: a week shows a day after it ends), the six show.
    run_sql(&relay.database, "UPDATE team_weeks SET week = week - 2").await;
    let later = coordinator.figures().await.unwrap();
    // The six, then (from a day into this week) last week's empty pool, shown as nothing.
    assert!(later.periods[1..].iter().all(|p| p.figures.is_none()));
    let f = later.periods[0].figures.as_ref().unwrap();
    assert_eq!((f.requests, f.claimed, f.expired_unclaimed), (6, 3, 0));
    assert_eq!(f.claim_times.iter().sum::<u64>(), 3);

    // Another team's coordinator, a forged team signature and the admin token: refused.
    let other = relay.team(180).await;
    let e = other
        .coordinator()
        .client()
        .team_figures(&team.team_id)
        .await
        .unwrap_err();
    assert_eq!(
        e.code(),
        Some(peerline_protocol::ErrorCode::Forbidden),
        "{e}"
    );
    let forged =
        peerline_client::Coordinator::open(&relay.url, &team.team_id, other.key.clone()).unwrap();
    assert!(forged.figures().await.is_err());
    let answer = reqwest::Client::new()
        .get(format!("{}/v1/teams/{}/figures", relay.url, team.team_id))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
    relay.stop().await;
}
