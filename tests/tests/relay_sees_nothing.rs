//! What the relay operator (or a subpoena of the server) could hold after a full session:
//! every byte that crossed the wire on the relay's side, everything it logged at the most
//! verbose level, and its database. None of it may hold a note, a contact detail or a reply,
//! and no request may carry anything that names the officer's device.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use common::*;
use peerline_core::talk::officer::{self, NewRequest};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const NOTE: &str = "NOTE-MARKER-a41 couldn't stop shaking after the crash";
const PHONE: &str = "+1 555 010 4242";
const REPLY: &str = "REPLY-MARKER-b52 calling you in five";

#[derive(Clone, Default)]
struct Sink(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A TCP forwarder on 127.0.0.1 that records every byte in both directions: what a relay
/// operator could capture at their network edge.
async fn recording_proxy(
    upstream: std::net::SocketAddr,
) -> (String, Arc<Mutex<Vec<u8>>>, Arc<Mutex<Vec<u8>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (up, down) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    );
    let (up2, down2) = (up.clone(), down.clone());
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let (up, down) = (up2.clone(), down2.clone());
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else {
                    return;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                let a = tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = cr.read(&mut buf).await {
                        if n == 0 || sw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        up.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                });
                let b = tokio::spawn(async move {
                    let mut buf = vec![0u8; 16 * 1024];
                    while let Ok(n) = sr.read(&mut buf).await {
                        if n == 0 || cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        down.lock().unwrap().extend_from_slice(&buf[..n]);
                    }
                });
                let _ = tokio::join!(a, b);
            });
        }
    });
    (format!("http://{addr}"), up, down)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// The header blocks of every request-post the client sent.
fn post_headers(stream: &[u8], team_id: &str) -> Vec<String> {
    let text = String::from_utf8_lossy(stream);
    let marker = format!("POST /v1/teams/{team_id}/requests ");
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
    let (proxy, up, down) = recording_proxy(w.addr).await;
    let officer_phone = w.phone_via(&proxy).await;
    let sam = w.phone_via(&proxy).await;
    w.publish_roster(1, &[(&sam, "sam", "Sam R.")]).await;
    for p in [&officer_phone, &sam] {
        team::sync_roster(&p.session).await.unwrap();
    }
    peer::set_duty(&sam.session, 60).await.unwrap();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let r = officer::ask_for_peer(
            &officer_phone.session,
            NewRequest {
                urgency: "now".into(),
                contact: Contact::Text(PHONE.into()),
                note: Some(NOTE.into()),
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
    let up = up.lock().unwrap().clone();
    let down = down.lock().unwrap().clone();
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
