//! Every endpoint of a real relay on 127.0.0.1, its error paths, atomic claims, restarts,
//! WebSocket events and escalation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_protocol::endpoints as ep;
use std::time::Duration;

use futures_util::StreamExt as _;
use peerline_client::ErrorCode;
use peerline_client::RelayClient;
use peerline_protocol::auth::Signer;
use peerline_protocol::relay::*;
use peerline_relay::Database;
use peerline_testkit::*;
use reqwest::Method;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

fn rid() -> String {
    peerline_relay_test_id()
}

#[tokio::test]
async fn health_answers() {
    let r = TestRelay::start().await;
    let h: Health = r
        .anon()
        .call::<(), _>(Method::GET, ep::HEALTH, None, &[])
        .await
        .unwrap();
    assert_eq!(h.status, "ok");
}

#[tokio::test]
async fn team_creation_needs_the_admin_token_and_a_real_key() {
    let r = TestRelay::start().await;
    let body = CreateTeam {
        team_public_key: peerline_protocol::b64::encode(&[9; 32]),
        escalation_secs: None,
        tokens_per_day: None,
    };
    let e = r
        .anon()
        .call::<_, TeamCreated>(Method::POST, ep::TEAMS, Some(&body), &[])
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (401, ErrorCode::Unauthorized));
    let e = r
        .anon()
        .call::<_, TeamCreated>(
            Method::POST,
            ep::TEAMS,
            Some(&body),
            &[("authorization", "Bearer nope")],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).1, ErrorCode::Unauthorized);
    let bad_key = CreateTeam {
        team_public_key: "short".into(),
        escalation_secs: None,
        tokens_per_day: None,
    };
    let e = r
        .anon()
        .call::<_, TeamCreated>(
            Method::POST,
            ep::TEAMS,
            Some(&bad_key),
            &[("authorization", &format!("Bearer {ADMIN}"))],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (400, ErrorCode::InvalidInput));
    let team = r.team(180).await;
    let status: TeamStatus = team
        .coordinator()
        .client()
        .call::<(), _>(Method::GET, &ep::team(&team.team_id), None, &[])
        .await
        .unwrap();
    assert_eq!((status.devices, status.escalation_secs), (0, 180));
}

#[tokio::test]
async fn malformed_oversized_and_unknown_are_clear_json_errors() {
    let r = TestRelay::start().await;
    let http = reqwest::Client::new();
    let res = http
        .post(format!("{}/v1/devices", r.url))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let body: peerline_protocol::ErrorBody = res.json().await.unwrap();
    assert_eq!(body.code, "BAD_JSON");
    assert!(body.message.contains("not well-formed"));

    let res = http
        .post(format!("{}/v1/devices", r.url))
        .body(r#"{"team_id":"x","invite_code":"y","device_public_key":"z","name":"Officer Smith"}"#)
        .send()
        .await
        .unwrap();
    let body: peerline_protocol::ErrorBody = res.json().await.unwrap();
    assert_eq!(body.code, "BAD_JSON");
    assert!(
        body.message.contains("unknown field `name`"),
        "{}",
        body.message
    );
    assert!(
        !body.message.contains("Officer Smith"),
        "values are never echoed"
    );

    // A method the path does not have: 405, the methods it has in `Allow`, a JSON body.
    let res = http
        .request(reqwest::Method::PATCH, format!("{}/v1/health", r.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let allow = res
        .headers()
        .get("allow")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(allow.contains("GET"), "{allow}");
    let body: peerline_protocol::ErrorBody = res.json().await.unwrap();
    assert_eq!(body.code, "METHOD_NOT_ALLOWED");

    let huge = vec![b'a'; 300 * 1024];
    let res = http
        .post(format!("{}/v1/devices", r.url))
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: peerline_protocol::ErrorBody = res.json().await.unwrap();
    assert_eq!(body.code, "TOO_LARGE");

    let res = http
        .get(format!("{}/v1/nothing-here", r.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let team = r.team(180).await;
    let other = TestTeam {
        team_id: "0".repeat(32),
        ..team
    };
    let e = other.redeem("whatever-code-123456").await.err().unwrap();
    assert_eq!(code_of(&e), (404, ErrorCode::UnknownTeam));
}

#[tokio::test]
async fn invites_expire_get_revoked_and_run_out() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let (_, code) = team.invite(2, 3600).await;
    team.redeem(&code).await.unwrap();
    team.redeem(&code).await.unwrap();
    let e = team.redeem(&code).await.err().unwrap();
    assert_eq!(code_of(&e), (403, ErrorCode::InviteInvalid));
    assert!(e.to_string().contains("already been used"));

    let (id, code) = team.invite(5, 3600).await;
    let _: serde_json::Value = team
        .coordinator()
        .client()
        .call::<(), _>(
            Method::DELETE,
            &ep::team_invite(&team.team_id, &id),
            None,
            &[],
        )
        .await
        .unwrap();
    let e = team.redeem(&code).await.err().unwrap();
    assert!(e.to_string().contains("withdrawn"), "{e}");

    // Two seconds ahead, so a tick of the clock between client and relay cannot make it
    // already expired at issue.
    let (_, code) = team.invite(1, 2).await;
    tokio::time::sleep(Duration::from_millis(3100)).await;
    let e = team.redeem(&code).await.err().unwrap();
    assert!(e.to_string().contains("expired"), "{e}");

    let e = team.redeem("never-issued-code-xyz").await.err().unwrap();
    assert!(e.to_string().contains("not valid"), "{e}");

    let list: Vec<InviteInfo> = team
        .coordinator()
        .client()
        .call::<(), _>(Method::GET, &ep::team_invites(&team.team_id), None, &[])
        .await
        .unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list.iter().filter(|i| i.revoked).count(), 1);

    // Revoking an invite the team does not have is "no such invite", not a shape error.
    let e = team
        .coordinator()
        .revoke_invite(&"0".repeat(32))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (404, ErrorCode::UnknownInvite));
}

#[tokio::test]
async fn a_document_not_published_yet_is_404_not_published_and_the_client_reads_it_as_none() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let device = team.device().await;
    let e = device
        .client()
        .call::<(), SignedBlob>(
            Method::GET,
            &ep::team_blob(&team.team_id, BlobKind::Directory),
            None,
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (404, ErrorCode::NotPublished));
    assert_eq!(
        device
            .client()
            .fetch_blob(&team.team_id, BlobKind::Directory)
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn bad_signatures_replays_and_stale_clocks_are_refused() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let device = team.device().await;
    let path = ep::team_requests(&team.team_id);
    let http = reqwest::Client::new();

    // Signed by a key the relay does not know for that device.
    let impostor = RelayClient::signed(
        &r.url,
        Signer::Device(device.device_id.clone()),
        peerline_client::generate_key(),
    )
    .unwrap();
    let e = impostor
        .call::<(), Vec<OpenRequest>>(Method::GET, &path, None, &[])
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (401, ErrorCode::Unauthorized));

    // The very same signed request twice: the second is a replay.
    let headers = device.client().auth_headers("GET", &path, b"");
    let send = || {
        let mut req = http.get(format!("{}{path}", r.url));
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        req.send()
    };
    assert_eq!(send().await.unwrap().status(), 200);
    let res = send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        res.json::<peerline_protocol::ErrorBody>()
            .await
            .unwrap()
            .code,
        "REPLAY"
    );

    // A timestamp ten minutes old.
    let mut req = http.get(format!("{}{path}", r.url));
    for (k, v) in device.client().auth_headers("GET", &path, b"") {
        let v = if k == "x-peerline-timestamp" {
            (now() - 600).to_string()
        } else {
            v
        };
        req = req.header(k, v);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert!(res.text().await.unwrap().contains("clock"));

    // No signature at all.
    let res = http.get(format!("{}{path}", r.url)).send().await.unwrap();
    assert_eq!(res.status(), 401);
}

/// A signed post records its nonce in the same transaction as the request: sent again
/// byte for byte it is a replay, and an urgent one escalates on the team's own delay.
#[tokio::test]
async fn a_replayed_signed_post_is_refused_and_stored_once() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let device = team.device().await;
    let path = ep::team_requests(&team.team_id);
    let body = serde_json::to_vec(&anon_post(&rid(), None)).unwrap();
    let headers = device.client().auth_headers("POST", &path, &body);
    let http = reqwest::Client::new();
    let send = || {
        let mut req = http
            .post(format!("{}{path}", r.url))
            .header("content-type", "application/json")
            .body(body.clone());
        for (k, v) in &headers {
            req = req.header(*k, v);
        }
        req.send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 200);
    assert!(!first.json::<PostAccepted>().await.unwrap().duplicate);
    let again = send().await.unwrap();
    assert_eq!(again.status(), 409);
    assert_eq!(
        again
            .json::<peerline_protocol::ErrorBody>()
            .await
            .unwrap()
            .code,
        "REPLAY"
    );
    let open = device.list().await;
    assert_eq!(open.len(), 1, "stored once");
    let stored = r
        .database
        .open()
        .await
        .unwrap()
        .request(&open[0].request_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.escalate_at,
        Some(stored.created_at + 180),
        "an urgent post escalates after the team's delay"
    );
}

#[tokio::test]
async fn roster_and_directory_are_signed_versioned_and_team_only() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    team.publish(BlobKind::Roster, 11, b"{\"peers\":[]}")
        .await
        .unwrap();
    let e = team
        .publish(BlobKind::Roster, 11, b"{\"peers\":[1]}")
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (409, ErrorCode::StaleVersion));
    assert!(e.to_string().contains("version 11"));
    team.publish(BlobKind::Roster, 12, b"v2").await.unwrap();
    team.publish(BlobKind::Directory, 7, b"dir").await.unwrap();

    // Signed by another key: refused.
    let other = r.team(180).await;
    let forged = TestTeam {
        team_id: team.team_id.clone(),
        url: team.url.clone(),
        key: other.key.clone(),
    };
    let e = forged
        .publish(BlobKind::Roster, 13, b"evil")
        .await
        .unwrap_err();
    assert_eq!(
        code_of(&e).0,
        401,
        "the signer is the team key; another key is unauthorized"
    );

    let device = team.device().await;
    let blob: SignedBlob = device
        .client()
        .call::<(), _>(
            Method::GET,
            &ep::team_blob(&team.team_id, BlobKind::Roster),
            None,
            &[],
        )
        .await
        .unwrap();
    assert_eq!(blob.version, 12);
    let outsider = other.device().await;
    let e = outsider
        .client()
        .call::<(), SignedBlob>(
            Method::GET,
            &ep::team_blob(&team.team_id, BlobKind::Roster),
            None,
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (403, ErrorCode::Forbidden));
}

#[tokio::test]
async fn a_request_cycle_with_dedup_claim_reply_status_and_close() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let sam = team.device().await;
    let lee = team.device().await;
    let outsider = r.team(180).await.device().await;
    let id = rid();
    let secret = "status-secret-abc";

    let first = officer
        .post(&id, Urgency::Today, b"CIPHERTEXT", secret)
        .await
        .unwrap();
    assert!(!first.duplicate);
    let again = officer
        .post(&id, Urgency::Today, b"OTHER", secret)
        .await
        .unwrap();
    assert!(
        again.duplicate,
        "a repeat post is accepted and changes nothing"
    );
    let listed = sam.list().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        peerline_protocol::b64::decode(&listed[0].ciphertext).unwrap(),
        b"CIPHERTEXT"
    );

    let e = outsider.claim(&id, "x").await.unwrap_err();
    assert_eq!(
        code_of(&e),
        (404, ErrorCode::UnknownRequest),
        "another team cannot even see it"
    );
    let e = outsider.post(&rid(), Urgency::Now, b"x", "s").await;
    assert!(e.is_ok(), "posting in its own team is fine");

    sam.claim(&id, "sam").await.unwrap();
    sam.claim(&id, "sam").await.unwrap();
    let e = lee.claim(&id, "lee").await.unwrap_err();
    assert_eq!(code_of(&e), (409, ErrorCode::AlreadyTaken));
    assert!(e.to_string().contains("Another peer"));

    let e = lee.reply(&id, b"nope").await.unwrap_err();
    assert_eq!(code_of(&e), (403, ErrorCode::Forbidden));
    sam.reply(&id, b"REPLY-CIPHERTEXT").await.unwrap();

    let s = status(&r.url, &id, secret).await.unwrap();
    assert_eq!(s.state, RequestState::Replied);
    assert_eq!(
        peerline_protocol::b64::decode(&s.reply.unwrap()).unwrap(),
        b"REPLY-CIPHERTEXT"
    );
    let e = status(&r.url, &id, "wrong-secret").await.unwrap_err();
    assert_eq!(code_of(&e).1, ErrorCode::UnknownRequest);

    let _: serde_json::Value = RelayClient::anonymous(&r.url)
        .unwrap()
        .call::<(), _>(
            Method::DELETE,
            &ep::request(&id),
            None,
            &[(HEADER_STATUS_SECRET, secret)],
        )
        .await
        .unwrap();
    assert_eq!(
        code_of(&status(&r.url, &id, secret).await.unwrap_err()).1,
        ErrorCode::UnknownRequest
    );
    assert!(sam.list().await.is_empty());
    let replay = officer
        .post(&id, Urgency::Today, b"CIPHERTEXT", secret)
        .await
        .unwrap();
    assert!(replay.duplicate, "a closed request never comes back");
    assert!(sam.list().await.is_empty());
}

#[tokio::test]
async fn fifty_concurrent_claimers_one_winner() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let id = rid();
    officer.post(&id, Urgency::Now, b"c", "s").await.unwrap();
    let mut peers = Vec::new();
    for _ in 0..50 {
        peers.push(team.device().await);
    }
    let mut tasks = Vec::new();
    for (i, p) in peers.into_iter().enumerate() {
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            p.claim(&id, &format!("peer{i}")).await
        }));
    }
    let mut won = 0;
    let mut taken = 0;
    for t in tasks {
        match tokio::time::timeout(Duration::from_secs(30), t)
            .await
            .unwrap()
            .unwrap()
        {
            Ok(_) => won += 1,
            Err(e) => {
                assert_eq!(code_of(&e), (409, ErrorCode::AlreadyTaken));
                taken += 1;
            }
        }
    }
    assert_eq!((won, taken), (1, 49));
}

#[tokio::test]
async fn open_requests_survive_a_restart_and_nothing_duplicates() {
    let mut r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let id = rid();
    officer.post(&id, Urgency::Today, b"c", "s").await.unwrap();
    r.restart().await;
    let listed = peer.list().await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].request_id, id);
    assert!(
        officer
            .post(&id, Urgency::Today, b"c", "s")
            .await
            .unwrap()
            .duplicate
    );
    assert_eq!(peer.list().await.len(), 1);
    peer.claim(&id, "p").await.unwrap();
}

#[tokio::test]
async fn after_a_full_cycle_the_database_holds_nothing_of_the_request() {
    let mut r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let marker_ct = b"CIPHERTEXT-MARKER-9f2e";
    let marker_reply = b"REPLY-MARKER-71ab";
    let id = rid();
    officer
        .post(&id, Urgency::Now, marker_ct, "sec")
        .await
        .unwrap();
    peer.claim(&id, "p").await.unwrap();
    peer.reply(&id, marker_reply).await.unwrap();
    let _: serde_json::Value = RelayClient::anonymous(&r.url)
        .unwrap()
        .call::<(), _>(
            Method::DELETE,
            &ep::request(&id),
            None,
            &[(HEADER_STATUS_SECRET, "sec")],
        )
        .await
        .unwrap();
    r.stop().await;
    let needles = [&marker_ct[..], &marker_reply[..], id.as_bytes()];
    match &r.database {
        Database::Sqlite(_) => {
            for entry in std::fs::read_dir(r.dir.path()).unwrap() {
                let path = entry.unwrap().path();
                let bytes = std::fs::read(&path).unwrap();
                for needle in needles {
                    assert!(
                        !bytes.windows(needle.len()).any(|w| w == needle),
                        "{} still holds {:?}",
                        path.display(),
                        String::from_utf8_lossy(needle)
                    );
                }
            }
        }
        // What the relay can still read back. Dead row versions on disk are PostgreSQL's
        // to reclaim (autovacuum); SECURITY.md says how an operator deals with them.
        Database::Postgres(url) => {
            let rows = postgres_rows_as_text(url).await;
            for needle in needles {
                let hex: String = needle.iter().map(|b| format!("{b:02x}")).collect();
                let text = String::from_utf8_lossy(needle).into_owned();
                assert!(
                    !rows
                        .iter()
                        .any(|row| row.contains(&hex) || row.contains(&text)),
                    "a table still holds {text:?}"
                );
            }
        }
    }
}

async fn ws(
    url: &str,
    path: &str,
    headers: Vec<(&'static str, String)>,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let mut req = format!("{}{path}", url.replace("http://", "ws://"))
        .into_client_request()
        .unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(k, v.parse().unwrap());
    }
    tokio_tungstenite::connect_async(req).await.unwrap().0
}

#[tokio::test]
async fn a_peers_first_fetch_is_a_delivered_event_on_the_officers_request_socket() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let id = rid();
    officer.post(&id, Urgency::Now, b"x", "mine").await.unwrap();
    let mut officer_ws = ws(
        &r.url,
        &ep::request_events(&id),
        vec![(HEADER_STATUS_SECRET, "mine".into())],
    )
    .await;
    assert_eq!(peer.list().await.len(), 1);
    assert_eq!(
        next_event(&mut officer_ws).await,
        Event::Delivered {
            request_id: id.clone()
        }
    );
    assert!(status(&r.url, &id, "mine").await.unwrap().delivered);
    // Only the first fetch delivers: the next event is the claim, not another delivery.
    assert_eq!(peer.list().await.len(), 1);
    peer.claim(&id, "p").await.unwrap();
    assert_eq!(
        next_event(&mut officer_ws).await,
        Event::Claimed { request_id: id }
    );
}

#[tokio::test]
async fn websocket_events_are_content_free_and_scoped() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let path = ep::team_events(&team.team_id);
    let mut peer_ws = ws(&r.url, &path, peer.client().auth_headers("GET", &path, b"")).await;

    let other_id = rid();
    officer
        .post(&other_id, Urgency::Today, b"x", "other-secret")
        .await
        .unwrap();
    let id = rid();
    officer.post(&id, Urgency::Now, b"x", "mine").await.unwrap();
    assert_eq!(
        next_event(&mut peer_ws).await,
        Event::NewRequest {
            request_id: other_id.clone(),
            urgency: Urgency::Today
        }
    );
    assert_eq!(
        next_event(&mut peer_ws).await,
        Event::NewRequest {
            request_id: id.clone(),
            urgency: Urgency::Now
        }
    );

    let mut officer_ws = ws(
        &r.url,
        &ep::request_events(&id),
        vec![(HEADER_STATUS_SECRET, "mine".into())],
    )
    .await;
    peer.claim(&other_id, "p").await.unwrap();
    peer.claim(&id, "p").await.unwrap();
    peer.reply(&id, b"r").await.unwrap();
    assert_eq!(
        next_event(&mut officer_ws).await,
        Event::Claimed {
            request_id: id.clone()
        },
        "only its own request"
    );
    assert_eq!(
        next_event(&mut officer_ws).await,
        Event::Replied {
            request_id: id.clone()
        }
    );
    assert_eq!(
        next_event(&mut peer_ws).await,
        Event::Claimed {
            request_id: other_id
        }
    );

    // A device of another team cannot listen.
    let outsider = r.team(180).await.device().await;
    let mut req = peer.client().ws_url(&path).into_client_request().unwrap();
    for (k, v) in outsider.client().auth_headers("GET", &path, b"") {
        req.headers_mut().insert(k, v.parse().unwrap());
    }
    assert!(tokio_tungstenite::connect_async(req).await.is_err());
}

#[tokio::test]
async fn unclaimed_urgent_requests_escalate_once() {
    let r = TestRelay::start().await;
    let team = r.team(1).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let path = ep::team_events(&team.team_id);
    let mut peer_ws = ws(&r.url, &path, peer.client().auth_headers("GET", &path, b"")).await;
    let id = rid();
    let later = rid();
    officer.post(&id, Urgency::Now, b"x", "s").await.unwrap();
    officer
        .post(&later, Urgency::ThisWeek, b"x", "s2")
        .await
        .unwrap();
    assert!(matches!(
        next_event(&mut peer_ws).await,
        Event::NewRequest { .. }
    ));
    assert!(matches!(
        next_event(&mut peer_ws).await,
        Event::NewRequest { .. }
    ));
    assert_eq!(
        next_event(&mut peer_ws).await,
        Event::Escalated {
            request_id: id.clone()
        }
    );
    let s = status(&r.url, &id, "s").await.unwrap();
    assert!(s.escalated);
    assert!(
        !status(&r.url, &later, "s2").await.unwrap().escalated,
        "only urgent requests escalate"
    );
    // No second escalation event.
    let more = tokio::time::timeout(Duration::from_millis(1500), peer_ws.next()).await;
    assert!(
        more.is_err()
            || !matches!(
                more,
                Ok(Some(Ok(tokio_tungstenite::tungstenite::Message::Text(_))))
            )
    );
}

#[tokio::test]
async fn plain_http_on_a_reachable_address_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = peerline_relay::start(peerline_relay::ServeConfig {
        listen: "0.0.0.0:0".parse().unwrap(),
        database: dir.path().join("r.db").into(),
        admin_token: None,
        insecure_behind_proxy: false,
        tls: None,
        limits: Default::default(),
        push: Default::default(),
    })
    .await
    .err()
    .unwrap();
    assert!(err.to_string().contains("Refusing to serve plain HTTP"));
}

#[tokio::test]
async fn floods_are_rate_limited_per_device_and_per_address() {
    let r = TestRelay::start_limited(peerline_relay::Limits {
        per_signer_per_sec: 1,
        per_signer_burst: 3,
        per_ip_per_sec: 1,
        per_ip_burst: 12,
        ..Default::default()
    })
    .await;
    let team = r.team(180).await;
    let device = team.device().await;
    let path = ep::team_requests(&team.team_id);
    let mut codes = Vec::new();
    for _ in 0..5 {
        match device
            .client()
            .call::<(), Vec<OpenRequest>>(Method::GET, &path, None, &[])
            .await
        {
            Ok(_) => codes.push(None),
            Err(e) => codes.push(Some(code_of(&e).1)),
        }
    }
    assert_eq!(&codes[..3], [None, None, None]);
    assert_eq!(codes[3], Some(ErrorCode::RateLimited));
    // The address budget runs out too, for anything from it.
    let mut limited = false;
    for _ in 0..20 {
        if let Err(e) = r
            .anon()
            .call::<(), Health>(Method::GET, ep::HEALTH, None, &[])
            .await
        {
            assert_eq!(code_of(&e), (429, ErrorCode::RateLimited));
            limited = true;
            break;
        }
    }
    assert!(limited);
}

#[tokio::test]
async fn serves_https_when_given_a_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
    let (cert_pem, key_pem) = (cert.cert.pem(), cert.signing_key.serialize_pem());
    std::fs::write(dir.path().join("cert.pem"), &cert_pem).unwrap();
    std::fs::write(dir.path().join("key.pem"), &key_pem).unwrap();
    let relay = peerline_relay::start(peerline_relay::ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: dir.path().join("r.db").into(),
        admin_token: None,
        insecure_behind_proxy: false,
        tls: Some(peerline_relay::TlsFiles {
            cert: dir.path().join("cert.pem"),
            key: dir.path().join("key.pem"),
        }),
        limits: Default::default(),
        push: Default::default(),
    })
    .await
    .unwrap();
    let url = format!("https://localhost:{}/v1/health", relay.addr.port());
    let trusted = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert_pem.as_bytes()).unwrap())
        .resolve("localhost", relay.addr)
        .build()
        .unwrap();
    let h: Health = trusted
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(h.status, "ok");
    // A client that does not trust the certificate gets a certificate error, not data.
    let untrusting = reqwest::Client::builder()
        .resolve("localhost", relay.addr)
        .build()
        .unwrap();
    let err = untrusting.get(&url).send().await.unwrap_err();
    assert!(
        err.is_connect() || err.to_string().contains("certificate"),
        "{err}"
    );
    relay.stop().await;
}

#[tokio::test]
async fn serves_an_openapi_description_of_every_route() {
    let r = TestRelay::start().await;
    let doc: serde_json::Value = reqwest::get(format!("{}/v1/openapi.json", r.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    // Every endpoint, not only the ones listed when this test was written.
    for p in ep::ALL.iter().filter(|p| **p != ep::OPENAPI) {
        assert!(paths.contains_key(*p), "missing {p}");
    }
    assert!(doc["components"]["schemas"]["PostRequest"].is_object());
}

#[tokio::test]
async fn websocket_connections_are_capped() {
    let r = TestRelay::start_limited(peerline_relay::Limits {
        max_websockets: 1,
        ..Default::default()
    })
    .await;
    let team = r.team(180).await;
    let peer = team.device().await;
    let path = ep::team_events(&team.team_id);
    let _first = ws(&r.url, &path, peer.client().auth_headers("GET", &path, b"")).await;
    let mut req = peer.client().ws_url(&path).into_client_request().unwrap();
    for (k, v) in peer.client().auth_headers("GET", &path, b"") {
        req.headers_mut().insert(k, v.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 503),
        other => panic!("expected a 503 refusal, got {:?}", other.map(|_| ())),
    }
}

#[tokio::test]
async fn peers_go_on_and_off_duty() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let sam = team.device().await;
    let officer = team.device().await;
    let path = ep::team_duty(&team.team_id);
    let on: OnDuty = sam
        .client()
        .call(
            Method::PUT,
            &path,
            Some(&duty_body(&team.team_id, "sam", 60)),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(on.key_ids, vec!["sam".to_owned()]);
    let seen: OnDuty = officer
        .client()
        .call::<(), _>(Method::GET, &path, None, &[])
        .await
        .unwrap();
    assert_eq!(seen.key_ids, vec!["sam".to_owned()]);
    let off: OnDuty = sam
        .client()
        .call(
            Method::PUT,
            &path,
            Some(&duty_body(&team.team_id, "sam", 0)),
            &[],
        )
        .await
        .unwrap();
    assert!(off.key_ids.is_empty());
    let e = sam
        .client()
        .call::<_, OnDuty>(
            Method::PUT,
            &path,
            Some(&duty_body(&team.team_id, "sam", 5000)),
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).1, ErrorCode::InvalidInput);
    let outsider = r.team(180).await.device().await;
    let e = outsider
        .client()
        .call::<_, OnDuty>(
            Method::PUT,
            &path,
            Some(&duty_body(&team.team_id, "sam", 30)),
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (403, ErrorCode::Forbidden));
}

#[tokio::test]
async fn only_the_roster_peer_can_claim_or_set_duty_under_their_key() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let mallory = team.device().await;
    let id = rid();
    officer.post(&id, Urgency::Now, b"c", "s").await.unwrap();
    // Claims as "sam" but signs with "lee"'s key.
    let forged = ClaimRequest {
        key_id: "sam".into(),
        proof: claim_body(&team.team_id, &id, "lee").proof,
    };
    let e = mallory
        .client()
        .call::<_, serde_json::Value>(Method::POST, &ep::request_claim(&id), Some(&forged), &[])
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (403, ErrorCode::Forbidden));
    // A key not in the roster at all.
    let e = mallory.claim(&id, "nobody").await.unwrap_err();
    assert_eq!(code_of(&e).0, 403);
    // Duty for someone else.
    let forged_duty = SetDuty {
        key_id: "sam".into(),
        minutes: 0,
        proof: duty_body(&team.team_id, "lee", 0).proof,
    };
    let e = mallory
        .client()
        .call::<_, OnDuty>(
            Method::PUT,
            &ep::team_duty(&team.team_id),
            Some(&forged_duty),
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (403, ErrorCode::Forbidden));
    // Nothing was taken.
    assert!(status(&r.url, &id, "s").await.unwrap().state == RequestState::Open);
}

#[tokio::test]
async fn anonymous_tokens_post_once_and_are_capped_per_device() {
    let r = TestRelay::start_limited(peerline_relay::Limits {
        tokens_per_day: 6,
        ..Default::default()
    })
    .await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let path = ep::team_requests(&team.team_id);
    let anon = r.anon();
    let e = anon
        .call::<_, PostAccepted>(Method::POST, &path, Some(&anon_post(&rid(), None)), &[])
        .await
        .unwrap_err();
    assert_eq!(
        code_of(&e),
        (401, ErrorCode::Unauthorized),
        "no token, no signature: refused"
    );

    let mut tokens = tokens_for(&officer, 5).await.unwrap();
    let t = tokens.pop().unwrap();
    let id = rid();
    let ok: PostAccepted = anon
        .call(
            Method::POST,
            &path,
            Some(&anon_post(&id, Some(t.clone()))),
            &[],
        )
        .await
        .unwrap();
    assert!(!ok.duplicate);
    // The same post again (a retry): accepted as a duplicate, nothing spent twice.
    let again: PostAccepted = anon
        .call(
            Method::POST,
            &path,
            Some(&anon_post(&id, Some(t.clone()))),
            &[],
        )
        .await
        .unwrap();
    assert!(again.duplicate);
    // The same token on another request: double spend.
    let e = anon
        .call::<_, PostAccepted>(Method::POST, &path, Some(&anon_post(&rid(), Some(t))), &[])
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (409, ErrorCode::TokenSpent));
    // A forged token.
    let mut forged = tokens.pop().unwrap();
    forged.message = peerline_protocol::b64::encode(&[9u8; 32]);
    let e = anon
        .call::<_, PostAccepted>(
            Method::POST,
            &path,
            Some(&anon_post(&rid(), Some(forged))),
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).0, 403);
    // Another team's token is not valid here.
    let other = r.team(180).await;
    let other_token = tokens_for(&other.device().await, 1)
        .await
        .unwrap()
        .pop()
        .unwrap();
    let e = anon
        .call::<_, PostAccepted>(
            Method::POST,
            &path,
            Some(&anon_post(&rid(), Some(other_token))),
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).0, 403);
    // The daily cap: 5 issued, 6 allowed, so 2 more is over.
    let e = tokens_for(&officer, 2).await.unwrap_err();
    assert_eq!(code_of(&e), (429, ErrorCode::RateLimited));
    assert_eq!(tokens_for(&officer, 1).await.unwrap().len(), 1);
}

#[tokio::test]
async fn token_keys_rotate_and_old_tokens_are_honoured_until_their_key_expires() {
    let r = TestRelay::start().await;
    let team = r.team(180).await;
    let officer = team.device().await;
    let mut old = tokens_for(&officer, 2).await.unwrap();
    let old_key = old[0].key_id.clone();
    // Age the key past the rotation period, as a week would.
    run_sql(
        &r.database,
        "UPDATE token_keys SET created_at = created_at - 8 * 86400",
    )
    .await;
    let keys: Vec<TokenKey> = r
        .anon()
        .call::<(), _>(Method::GET, &ep::team_token_keys(&team.team_id), None, &[])
        .await
        .unwrap();
    assert_eq!(keys.len(), 2, "a new key, and the old one still listed");
    assert_ne!(keys[0].key_id, old_key, "the newest comes first");
    let new = tokens_for(&officer, 1).await.unwrap();
    assert_ne!(
        new[0].key_id, old_key,
        "new tokens are issued under the new key"
    );

    let path = ep::team_requests(&team.team_id);
    let grace: PostAccepted = r
        .anon()
        .call(
            Method::POST,
            &path,
            Some(&anon_post(&rid(), Some(old.pop().unwrap()))),
            &[],
        )
        .await
        .unwrap();
    assert!(
        !grace.duplicate,
        "an old-key token is honoured during the grace period"
    );
    assert!(old_key.bytes().all(|b| b.is_ascii_alphanumeric()));
    run_sql(
        &r.database,
        &format!("UPDATE token_keys SET expires_at = 1 WHERE key_id = '{old_key}'"),
    )
    .await;
    let e = r
        .anon()
        .call::<_, PostAccepted>(
            Method::POST,
            &path,
            Some(&anon_post(&rid(), Some(old.pop().unwrap()))),
            &[],
        )
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).0, 403, "after the grace period it is refused");
}

#[tokio::test]
async fn the_token_cap_is_a_team_setting() {
    let r = TestRelay::start().await;
    let key = peerline_client::generate_key();
    let created: TeamCreated = r
        .anon()
        .call(
            Method::POST,
            ep::TEAMS,
            Some(&CreateTeam {
                team_public_key: peerline_protocol::b64::encode(key.verifying_key().as_bytes()),
                escalation_secs: None,
                tokens_per_day: Some(3),
            }),
            &[("authorization", &format!("Bearer {ADMIN}"))],
        )
        .await
        .unwrap();
    let team = TestTeam {
        url: r.url.clone(),
        team_id: created.team_id,
        key,
    };
    team.publish_test_roster(1).await;
    let officer = team.device().await;
    assert_eq!(tokens_for(&officer, 3).await.unwrap().len(), 3);
    let e = tokens_for(&officer, 1).await.unwrap_err();
    assert_eq!(
        code_of(&e),
        (429, ErrorCode::RateLimited),
        "this team allows 3 a day"
    );
}

#[tokio::test]
async fn a_directory_of_several_mebibytes_publishes_and_one_past_what_phones_accept_does_not() {
    let mut r = TestRelay::start().await;
    let team = r.team(180).await;
    // About what a 10,000-entry directory weighs.
    let big = vec![b'x'; 3 * 1024 * 1024];
    team.publish(BlobKind::Directory, 1, &big).await.unwrap();
    let device = team.device().await;
    let blob = device
        .client()
        .fetch_blob(&team.team_id, BlobKind::Directory)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        peerline_protocol::b64::decode(&blob.payload).unwrap().len(),
        big.len()
    );
    let too_big = vec![b'x'; peerline_protocol::documents::MAX_DOCUMENT_BYTES + 1];
    assert!(
        team.publish(BlobKind::Directory, 2, &too_big)
            .await
            .is_err()
    );
    r.stop().await;
}
