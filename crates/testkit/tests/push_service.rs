//! The test kit's push service (tests/push-service) starts on 127.0.0.1, hands out
//! subscriptions, reports what an endpoint received, and answers as its mode says. A valid
//! encrypted, VAPID-signed push needs a Web Push sender: the relay's tests send those.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use peerline_testkit::push_service::{Mode, PushService, Received};

/// RFC 8292 §2.4's example application server key: a valid uncompressed P-256 point.
const VAPID_KEY: &str =
    "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic-dRuU_RCPCfA5aq9ojSwk5Y2EmClBPs";

fn is_base64url_no_pad(s: &str, bytes: usize) -> bool {
    s.len() == (bytes * 4).div_ceil(3)
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

async fn post(url: &str, headers: &[(&str, &str)], timeout: Duration) -> Result<u16, String> {
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    let mut request = client.post(url).timeout(timeout).body(vec![0u8; 100]);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request
        .send()
        .await
        .map(|r| r.status().as_u16())
        .map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn subscribes_reports_and_answers_as_its_mode_says() {
    let service = PushService::start().await;
    let url = service.url();
    assert!(
        url.starts_with("http://127.0.0.1:") && service.port() != 0,
        "{url}"
    );

    let s = service.subscribe(VAPID_KEY).await;
    assert_eq!(
        s.endpoint,
        format!("{url}/notify/{}", s.client_hash),
        "the endpoint is on the service's own origin"
    );
    assert!(is_base64url_no_pad(&s.p256dh, 65), "p256dh: {}", s.p256dh);
    assert!(
        s.p256dh.starts_with('B'),
        "p256dh is an uncompressed point: {}",
        s.p256dh
    );
    assert!(is_base64url_no_pad(&s.auth, 16), "auth: {}", s.auth);
    let other = service.subscribe(VAPID_KEY).await;
    assert_ne!(other.client_hash, s.client_hash);
    assert_ne!(other.p256dh, s.p256dh);

    let nothing = service.messages(&s).await;
    assert_eq!(
        nothing,
        Received {
            messages: vec![],
            attempts: 0
        }
    );

    // Ok: a push without a VAPID token is refused (400) and counted.
    let headers = [("content-encoding", "aes128gcm"), ("ttl", "60")];
    let status = post(&s.endpoint, &headers, Duration::from_secs(5)).await;
    assert_eq!(status, Ok(400));

    service.set_mode(&s, Mode::Gone).await;
    let status = post(&s.endpoint, &headers, Duration::from_secs(5)).await;
    assert_eq!(status, Ok(410), "gone answers 410");

    service.set_mode(&s, Mode::Hang).await;
    let status = post(&s.endpoint, &headers, Duration::from_millis(300)).await;
    assert!(
        status.as_ref().is_err_and(|e| e.contains("TimedOut")),
        "hang never answers: {status:?}"
    );

    let received = service
        .wait_for_attempts(&s, 3, Duration::from_secs(5))
        .await;
    assert_eq!(received.attempts, 3, "{received:?}");
    assert!(received.messages.is_empty(), "{received:?}");
    assert_eq!(
        service.messages(&other).await.attempts,
        0,
        "each endpoint counts its own"
    );

    service.set_mode(&s, Mode::Ok).await;
    let status = post(&s.endpoint, &headers, Duration::from_secs(5)).await;
    assert_eq!(status, Ok(400), "back to checking");
    assert_eq!(service.messages(&s).await.attempts, 4);
}

#[tokio::test]
async fn refuses_a_key_that_is_not_an_uncompressed_p256_point() {
    let service = PushService::start().await;
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    for key in [
        "",
        "AAAA",
        // Compressed form of a point: the Push API takes only the uncompressed one.
        "Aw1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxH",
        // Standard base64 alphabet.
        "BA1Hxzyi1RUM1b5wjxsn7nGxAszw2u61m164i3MrAIxHF6YK5h4SDYic+dRuU/RCPCfA5aq9ojSwk5Y2EmClBPs",
    ] {
        let response = client
            .post(format!("{}/subscribe", service.url()))
            .json(&serde_json::json!({ "applicationServerKey": key }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "{key:?}");
    }
}

#[tokio::test]
async fn waiting_for_messages_that_never_come_fails_with_what_arrived() {
    let service = PushService::start().await;
    let s = service.subscribe(VAPID_KEY).await;
    let service = std::sync::Arc::new(service);
    let waiting = {
        let service = std::sync::Arc::clone(&service);
        let s = s.clone();
        tokio::spawn(async move {
            service
                .wait_for_messages(&s, 1, Duration::from_millis(200))
                .await
        })
    };
    let panic = waiting
        .await
        .expect_err("no message came, so the wait fails");
    let message = panic
        .into_panic()
        .downcast::<String>()
        .map(|m| *m)
        .unwrap_or_default();
    assert!(
        message.contains("did not get 1 message(s)") && message.contains("attempts: 0"),
        "{message}"
    );
}
