//! What the relay operator (or a subpoena of the server) could hold after a full session:
//! every byte that crossed the wire on the relay's side, everything it logged at the most
//! verbose level, and its database. None of it may hold a note, a contact detail or a reply,
//! and no request may carry anything that names the officer's device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write as _;

use peerline_core::talk::officer::{self, NewRequest};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::*;

const NOTE: &str = "NOTE-MARKER-a41 couldn't stop shaking after the crash";
const PHONE: &str = "+1 555 010 4242";
const REPLY: &str = "REPLY-MARKER-b52 calling you in five";

/// The header blocks of every request-post the client sent.
fn post_headers(stream: &[u8], team_id: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(stream);
    let marker = format!(
        "POST {} ",
        peerline_protocol::endpoints::team_requests(team_id)
    );
    text.match_indices(&marker)
        .map(|(i, _)| {
            let rest = &text[i..];
            rest[..rest.find("\r\n\r\n").unwrap_or(rest.len())].to_ascii_lowercase()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_relay_holds_no_content_and_nothing_that_ties_a_request_to_a_device() {
    let logs = Sink::default();
    let writer = logs.clone();
    tracing_subscriber::fmt()
        .with_env_filter("trace")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let mut w = World::new(180).await;
    let rec = recording_proxy(w.addr).await;
    let proxy = rec.url.clone();
    let officer_phone = w.phone_via(&proxy).await;
    let sam = w.phone_via(&proxy).await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    for p in [&officer_phone, &sam] {
        team::sync_roster(&p.session).await.unwrap();
    }
    peer::set_duty(&sam.session, 60).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = peerline_e2e::ask(
            &officer_phone.session,
            NewRequest {
                urgency: peerline_protocol::relay::Urgency::Now,
                contact: Contact::Text(PHONE.into()),
                note: Some(NOTE.into()),
                choice: None,
            },
        )
        .await
        .unwrap();
        ids.push(r.request_id);
    }
    assert_eq!(peer::inbox(&sam.session).await.unwrap().len(), 2);
    peer::claim(&sam.session, &ids[0]).await.unwrap();
    peer::reply(&sam.session, &ids[0], REPLY, 5).await.unwrap();
    let seen = officer::refresh(&officer_phone.session, &ids[0])
        .await
        .unwrap();
    assert_eq!(
        seen.reply_message.as_deref(),
        Some(REPLY),
        "the officer does get the reply"
    );
    officer::cancel(&officer_phone.session, &ids[0])
        .await
        .unwrap();
    officer::cancel(&officer_phone.session, &ids[1])
        .await
        .unwrap();
    w.stop_relay().await;
    std::io::stdout().flush().unwrap();

    let device_id = {
        let s = officer_phone.session.lock().unwrap();
        team::require_membership(s.vault().unwrap())
            .unwrap()
            .device_id
    };
    let up = rec.up();
    let down = rec.down();
    let logs = logs.0.lock().unwrap().clone();
    assert!(
        !up.is_empty() && !down.is_empty() && !logs.is_empty(),
        "the recordings are real"
    );
    for (what, bytes) in [
        ("traffic to the relay", &up),
        ("traffic from the relay", &down),
        ("relay logs", &logs),
    ] {
        for marker in [
            NOTE,
            PHONE,
            REPLY,
            "NOTE-MARKER",
            "REPLY-MARKER",
            "555 010 4242",
        ] {
            assert!(!contains(bytes, marker), "{what} holds {marker:?}");
        }
    }
    assert!(
        !contains(&logs, &device_id),
        "the relay's logs hold the device id"
    );
    for (what, bytes) in [("database", std::fs::read(w.relay_db()).unwrap())] {
        for marker in [NOTE, PHONE, REPLY, ids[0].as_str(), ids[1].as_str()] {
            assert!(!contains(&bytes, marker), "{what} holds {marker:?}");
        }
    }
    // The two posts: no device signature, no device id, nothing in common but the team.
    let posts = post_headers(&up, &w.team_id);
    assert_eq!(posts.len(), 2, "two posts crossed the wire");
    for p in &posts {
        assert!(
            !p.contains("x-peerline-signer") && !p.contains(&device_id),
            "a post names the device: {p}"
        );
    }
}
