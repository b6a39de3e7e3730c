//! The relay under hostile input: 10,000 random and malformed requests on loopback (bad
//! methods, unknown and half-right paths, junk signatures, broken, oversized, deeply nested
//! and wrongly typed JSON). Nothing crashes, no answer is a 5xx, every answer is JSON with a
//! code, and memory stays flat. Bounded in count and time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_protocol::endpoints as ep;
use std::time::Duration;

use peerline_relay::Limits;
use peerline_testkit::*;
use serde_json::json;

const REQUESTS: usize = 10_000;
const WORKERS: usize = 8;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// One hostile request: method, path, headers and body.
fn hostile(rng: &mut Rng, team: &str) -> (reqwest::Method, String, Vec<(String, String)>, Vec<u8>) {
    use reqwest::Method;
    let ids = [
        team.to_owned(),
        "0".repeat(32),
        "ZZZZ".into(),
        "..%2f..%2fetc%2fpasswd".into(),
        "%00".into(),
        "a".repeat(300),
        String::new(),
    ];
    let id = rng.pick(&ids).clone();
    let paths = [
        ep::HEALTH.to_owned(),
        ep::OPENAPI.into(),
        ep::TEAMS.into(),
        ep::team(&id),
        ep::team_invites(&id),
        ep::team_invite(&id, &id),
        ep::DEVICES.into(),
        ep::team_duty(&id),
        ep::team_token_keys(&id),
        ep::team_tokens(&id),
        ep::team_blob(&id, peerline_protocol::relay::BlobKind::Roster),
        ep::team_blob(&id, peerline_protocol::relay::BlobKind::Directory),
        ep::team_requests(&id),
        ep::team_events(&id),
        ep::request(&id),
        ep::request_claim(&id),
        ep::request_reply(&id),
        ep::request_widen(&id),
        ep::request_events(&id),
        "/".into(),
        "/v2/anything?x=%ff%fe".into(),
    ];
    let method = rng
        .pick(&[
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::DELETE,
            Method::PATCH,
            Method::OPTIONS,
        ])
        .clone();
    let path = rng.pick(&paths).clone();
    let mut headers = Vec::new();
    if rng.below(2) == 0 {
        let signer = rng
            .pick(&[
                format!("device:{id}"),
                format!("team:{team}"),
                "admin:root".into(),
                "device:".into(),
                "x".repeat(200),
            ])
            .clone();
        headers.push(("x-peerline-signer".into(), signer));
        headers.push((
            "x-peerline-timestamp".into(),
            rng.pick(&["0", "-1", "99999999999999999999", "now", "1700000000"])
                .to_string(),
        ));
        headers.push(("x-peerline-nonce".into(), format!("{:x}", rng.next_u64())));
        headers.push((
            "x-peerline-signature".into(),
            peerline_protocol::b64::encode(&rng.bytes(64)),
        ));
    }
    if rng.below(4) == 0 {
        headers.push(("authorization".into(), "Bearer wrong-token".into()));
    }
    let nested = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let body = match rng.below(10) {
        0 => Vec::new(),
        1 => {
            let n = rng.below(2048);
            rng.bytes(n)
        }
        2 => nested.into_bytes(),
        3 => json!({"team_id": team, "invite_code": 12, "device_public_key": null})
            .to_string()
            .into_bytes(),
        4 => json!({"version": -1, "payload": "!!", "signature": ""})
            .to_string()
            .into_bytes(),
        5 => json!({"request_id": id, "urgency": "yesterday", "recipient_key_ids": [1, 2],
                    "ciphertext": "x", "status_hash": "", "expires_at": 1e300})
        .to_string()
        .into_bytes(),
        6 => {
            // Cut a valid-looking body short.
            let full = json!({"key_id": "sam", "proof": "AAAA", "extra": [1, 2, 3]}).to_string();
            full.as_bytes()[..rng.below(full.len())].to_vec()
        }
        7 => vec![b'a'; 300 * 1024],
        8 => "\"\\ud800\"".into(),
        _ => json!({"minutes": u64::MAX, "key_id": "", "proof": null})
            .to_string()
            .into_bytes(),
    };
    (method, path, headers, body)
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_hostile_requests_get_clear_json_errors_and_memory_stays_flat() {
    // Rate limits are tested elsewhere; here every request must reach the handlers.
    let r = TestRelay::start_limited(Limits {
        per_ip_per_sec: u32::MAX,
        per_ip_burst: u32::MAX,
        ..Limits::default()
    })
    .await;
    let team = r.team(180).await;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // Oversized bodies go on connections of their own: the relay closes a connection after
    // refusing one, and a pooled connection it closed would fail the next request.
    let once = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let run = |seed: u64, count: usize| {
        let http = http.clone();
        let once = once.clone();
        let url = r.url.clone();
        let team_id = team.team_id.clone();
        tokio::spawn(async move {
            let mut rng = Rng(seed);
            let mut seen = Vec::new();
            for _ in 0..count {
                let (method, path, headers, body) = hostile(&mut rng, &team_id);
                let oversized = body.len() > Limits::default().max_body_bytes;
                let client = if oversized { &once } else { &http };
                let mut req = client
                    .request(method.clone(), format!("{url}{path}"))
                    .body(body);
                for (k, v) in &headers {
                    req = req.header(k, v);
                }
                let res = match req.send().await {
                    Ok(res) => res,
                    // Over the body limit the relay answers 413 at once and closes the
                    // connection; the client, still writing, may see the reset instead.
                    Err(_) if oversized => {
                        seen.push(413);
                        continue;
                    }
                    Err(e) => panic!("{method} {path}: {e:?}"),
                };
                let status = res.status().as_u16();
                let text = res.bytes().await.unwrap();
                assert!(status < 500, "{method} {path} → {status}");
                let ok_json = serde_json::from_slice::<serde_json::Value>(&text).is_ok();
                assert!(
                    ok_json,
                    "{method} {path} → {status}, not JSON: {:?}",
                    String::from_utf8_lossy(&text[..text.len().min(200)])
                );
                if status >= 400 {
                    let body: peerline_protocol::ErrorBody = serde_json::from_slice(&text)
                        .unwrap_or_else(|e| {
                            panic!("{method} {path} → {status} without a code: {e}")
                        });
                    assert!(!body.message.is_empty());
                }
                seen.push(status);
            }
            seen
        })
    };

    // Warm up (allocator pools, connection pools, caches), then measure.
    let per = REQUESTS / WORKERS;
    let warm: Vec<_> = (0..WORKERS)
        .map(|w| run(0x9e37_79b9 + w as u64, per / 5))
        .collect();
    for t in warm {
        t.await.unwrap();
    }
    let before = rss_kib();
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..WORKERS)
        .map(|w| run(0x5eed_0000 + w as u64, per))
        .collect();
    let mut statuses = std::collections::BTreeMap::new();
    for t in tasks {
        for s in tokio::time::timeout(Duration::from_secs(300), t)
            .await
            .expect("the run finishes in time")
            .unwrap()
        {
            *statuses.entry(s).or_insert(0) += 1;
        }
    }
    let after = rss_kib();
    assert_eq!(statuses.values().sum::<usize>(), per * WORKERS);
    // The relay still works.
    let d = team.device().await;
    assert!(d.list().await.is_empty());
    eprintln!(
        "{} hostile requests in {:?}; statuses {statuses:?}; RSS {before} → {after} KiB",
        per * WORKERS,
        started.elapsed()
    );
    assert!(
        after < before + 32 * 1024,
        "memory grew from {before} KiB to {after} KiB"
    );
}
