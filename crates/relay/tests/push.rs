//! Web Push wake-ups against a real RFC 8030 push service on loopback (`tests/push-service`,
//! built on the npm `web-push-testing` package): it checks each VAPID JWT (ES256 signature,
//! `aud`, `exp`, `sub`) and decrypts the RFC 8291 payload with an independent
//! implementation (`http_ece`). Runs on SQLite, and on PostgreSQL with
//! `PEERLINE_TEST_BACKEND=postgres`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use peerline_client::ErrorCode;
use peerline_protocol::relay::*;
use peerline_testkit::push_service::{Mode, PushService};
use peerline_testkit::*;

/// Longest wait for a wake-up to arrive (they take milliseconds; CI machines can stall).
const ARRIVES: Duration = Duration::from_secs(20);

async fn push_key(url: &str) -> String {
    peerline_client::RelayClient::anonymous(url)
        .unwrap()
        .push_key()
        .await
        .unwrap()
        .vapid_public_key
}

#[tokio::test]
async fn the_relay_has_one_vapid_key_that_survives_a_restart() {
    let mut relay = TestRelay::start().await;
    let key = push_key(&relay.url).await;
    let raw = peerline_protocol::b64::decode_url(&key).unwrap();
    assert_eq!((raw.len(), raw[0]), (65, 4), "an uncompressed P-256 point");
    relay.restart().await;
    assert_eq!(push_key(&relay.url).await, key);
}

#[tokio::test]
async fn an_addressed_peer_is_woken_with_the_wake_word_and_nothing_else() {
    let relay = TestRelay::start().await;
    let service = PushService::start().await;
    let team = relay.team(120).await;
    let sam = team.device().await;
    let lee = team.device().await;
    let key = push_key(&relay.url).await;
    let sam_sub = service.subscribe(&key).await;
    let lee_sub = service.subscribe(&key).await;
    sam.client()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "sam", &sam_sub))
        .await
        .unwrap();
    lee.client()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "lee", &lee_sub))
        .await
        .unwrap();

    let officer = team.device().await;
    let mut post = anon_post(&peerline_relay_test_id(), None);
    post.recipient_key_ids = vec!["sam".into()];
    officer
        .client()
        .post_request(&team.team_id, &post)
        .await
        .unwrap();

    let got = service.wait_for_messages(&sam_sub, 1, ARRIVES).await;
    let m = &got.messages[0];
    assert_eq!(m.text, PUSH_WAKE_WORD);
    assert_eq!(m.urgency.as_deref(), Some("high"), "an urgent request");
    assert_eq!(m.ttl.as_deref(), Some("3600"));
    assert_eq!(m.encoding.as_deref(), Some("aes128gcm"));
    assert_eq!(m.topic.as_deref(), Some("peerline-wake"));

    // A later request to lee alone: lee's wake arriving means sam's would have too.
    let mut post = anon_post(&peerline_relay_test_id(), None);
    post.recipient_key_ids = vec!["lee".into()];
    post.urgency = Urgency::ThisWeek;
    officer
        .client()
        .post_request(&team.team_id, &post)
        .await
        .unwrap();
    let got = service.wait_for_messages(&lee_sub, 1, ARRIVES).await;
    assert_eq!(got.messages[0].urgency.as_deref(), Some("normal"));
    assert_eq!(
        service.messages(&sam_sub).await.attempts,
        1,
        "sam was not among the recipients of the second request"
    );
    assert_eq!(
        service.messages(&lee_sub).await.attempts,
        1,
        "lee was not among the recipients of the first"
    );
}

#[tokio::test]
async fn the_officer_is_woken_as_their_request_moves_and_forgotten_at_close() {
    let relay = TestRelay::start().await;
    let service = PushService::start().await;
    let team = relay.team(120).await;
    let peer = team.device().await;
    let officer = team.device().await;
    let id = peerline_relay_test_id();
    officer
        .post(&id, Urgency::Now, b"ct", "status-secret")
        .await
        .unwrap();
    let sub = service.subscribe(&push_key(&relay.url).await).await;
    let anon = relay.anon();
    let wrong = anon
        .set_request_push(&id, "not-the-secret", &wire(&sub))
        .await
        .unwrap_err();
    assert_eq!(code_of(&wrong), (404, ErrorCode::UnknownRequest));
    anon.set_request_push(&id, "status-secret", &wire(&sub))
        .await
        .unwrap();

    peer.list().await; // "delivered"
    service.wait_for_messages(&sub, 1, ARRIVES).await;
    peer.claim(&id, "sam").await.unwrap();
    let got = service.wait_for_messages(&sub, 2, ARRIVES).await;
    assert_eq!(got.messages[1].urgency.as_deref(), Some("high"));
    peer.reply(&id, b"reply").await.unwrap();
    service.wait_for_messages(&sub, 3, ARRIVES).await;
    peer.client().close_request(&id, None).await.unwrap();
    let got = service.wait_for_messages(&sub, 4, ARRIVES).await;
    assert!(got.messages.iter().all(|m| m.text == PUSH_WAKE_WORD));
    assert_eq!(got.messages[3].urgency.as_deref(), Some("low"));
    // The subscription went with the request.
    let rows = count_rows(&relay, "request_push").await;
    assert_eq!(rows, 0, "the officer's subscription outlived the request");
}

#[tokio::test]
async fn a_gone_endpoint_is_removed_and_never_tried_again() {
    let relay = TestRelay::start().await;
    let service = PushService::start().await;
    let team = relay.team(120).await;
    let sam = team.device().await;
    let lee = team.device().await;
    let key = push_key(&relay.url).await;
    let gone = service.subscribe(&key).await;
    let live = service.subscribe(&key).await;
    service.set_mode(&gone, Mode::Gone).await;
    sam.client()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "sam", &gone))
        .await
        .unwrap();
    lee.client()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "lee", &live))
        .await
        .unwrap();
    let officer = team.device().await;
    officer
        .post(&peerline_relay_test_id(), Urgency::Now, b"ct", "s1")
        .await
        .unwrap();
    service.wait_for_attempts(&gone, 1, ARRIVES).await;
    service.wait_for_messages(&live, 1, ARRIVES).await;
    assert_eq!(count_rows(&relay, "peer_push").await, 1, "410 removes it");

    service.set_mode(&gone, Mode::Ok).await;
    officer
        .post(&peerline_relay_test_id(), Urgency::Now, b"ct", "s2")
        .await
        .unwrap();
    service.wait_for_messages(&live, 2, ARRIVES).await;
    assert_eq!(service.messages(&gone).await.attempts, 1);
}

#[tokio::test]
async fn a_hanging_push_service_holds_up_no_post() {
    let relay = TestRelay::start().await;
    let service = PushService::start().await;
    let team = relay.team(120).await;
    let sam = team.device().await;
    let sub = service.subscribe(&push_key(&relay.url).await).await;
    service.set_mode(&sub, Mode::Hang).await;
    sam.client()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "sam", &sub))
        .await
        .unwrap();
    let officer = team.device().await;
    // Each post returns while the push service still holds the pushes it caused
    // unanswered (the relay waits 10 s for an answer): nothing on the post path waits on it.
    for i in 0..5 {
        officer
            .post(&peerline_relay_test_id(), Urgency::Now, b"ct", "s")
            .await
            .unwrap();
        service.wait_for_attempts(&sub, i + 1, ARRIVES).await;
        assert!(
            service.messages(&sub).await.messages.is_empty(),
            "a hanging endpoint accepted nothing"
        );
    }
}

#[tokio::test]
async fn subscriptions_are_checked_before_they_are_kept() {
    let relay = TestRelay::start().await;
    let service = PushService::start().await;
    let team = relay.team(120).await;
    let sam = team.device().await;
    let sub = service.subscribe(&push_key(&relay.url).await).await;

    // Another peer's key id, signed with sam's key: refused.
    let mut body = push_body(&team.team_id, "sam", &sub);
    body.key_id = "lee".into();
    let e = sam
        .client()
        .set_peer_push(&team.team_id, &body)
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (403, ErrorCode::Forbidden));

    // An endpoint the relay would reach its own network through: refused.
    let mut inward = sub.clone();
    inward.endpoint = "http://10.0.0.7/notify/x".into();
    let e = sam
        .client()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "sam", &inward))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (400, ErrorCode::InvalidInput));

    // Not signed by a member: refused.
    let e = relay
        .anon()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "sam", &sub))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e).0, 401);

    // Removing it works, twice.
    sam.client()
        .set_peer_push(&team.team_id, &push_body(&team.team_id, "sam", &sub))
        .await
        .unwrap();
    sam.client().delete_peer_push(&team.team_id).await.unwrap();
    sam.client().delete_peer_push(&team.team_id).await.unwrap();
    assert_eq!(count_rows(&relay, "peer_push").await, 0);
}

fn wire(s: &peerline_testkit::push_service::PushSubscription) -> PushSubscription {
    PushSubscription {
        endpoint: s.endpoint.clone(),
        p256dh: s.p256dh.clone(),
        auth: s.auth.clone(),
    }
}

fn push_body(
    team_id: &str,
    key_id: &str,
    s: &peerline_testkit::push_service::PushSubscription,
) -> PeerPush {
    peerline_testkit::push_body(team_id, key_id, wire(s))
}

async fn count_rows(relay: &TestRelay, table: &str) -> usize {
    peerline_testkit::count_rows(&relay.database, table).await
}
