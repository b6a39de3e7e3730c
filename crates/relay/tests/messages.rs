//! The conversation after a claim, on a real relay on 127.0.0.1: only the officer (status
//! secret) and the claiming peer's device take part; messages are numbered, deduplicated,
//! kept only until read; delivered and read marks; a hand-off releases the claim and
//! deletes the conversation; closing deletes everything. Runs on SQLite, and on
//! PostgreSQL with `PEERLINE_TEST_BACKEND=postgres`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_client::{ErrorCode, RelayClient};
use peerline_protocol::b64;
use peerline_protocol::relay::*;
use peerline_testkit::*;

struct Claimed {
    relay: TestRelay,
    team: TestTeam,
    peer: TestDevice,
    other: TestDevice,
    id: String,
    secret: String,
}

async fn claimed() -> Claimed {
    claimed_on(TestRelay::start().await).await
}

async fn claimed_on(relay: TestRelay) -> Claimed {
    let team = relay.team(120).await;
    let (peer, other) = (team.device().await, team.device().await);
    let (id, secret) = (peerline_relay_test_id(), peerline_relay_test_id());
    peer.post(&id, Urgency::Now, b"sealed", &secret)
        .await
        .unwrap();
    peer.claim(&id, &test_key_ids()[0]).await.unwrap();
    Claimed {
        relay,
        team,
        peer,
        other,
        id,
        secret,
    }
}

fn msg(text: &str) -> PostMessage {
    PostMessage {
        message_id: peerline_relay_test_id(),
        ciphertext: b64::encode(text.as_bytes()),
    }
}

#[tokio::test]
async fn both_sides_talk_in_order_once_and_read_messages_leave_the_relay() {
    let c = claimed().await;
    let officer = c.relay.anon();
    let peer = c.peer.client();
    let s = Some(c.secret.as_str());

    let first = msg("officer-1");
    let a = officer.post_message(&c.id, s, &first).await.unwrap();
    assert_eq!((a.seq, a.duplicate), (1, false));
    // A retry of the same message is the same message.
    let again = officer.post_message(&c.id, s, &first).await.unwrap();
    assert_eq!((again.seq, again.duplicate), (1, true));
    let b = peer
        .post_message(&c.id, None, &msg("peer-2"))
        .await
        .unwrap();
    assert_eq!(b.seq, 2);
    officer
        .post_message(&c.id, s, &msg("officer-3"))
        .await
        .unwrap();

    // Each side gets only the other's messages, in order.
    let at_peer = peer.messages(&c.id, None, 0).await.unwrap();
    let texts: Vec<_> = at_peer
        .messages
        .iter()
        .map(|m| (m.seq, b64::decode(&m.ciphertext).unwrap()))
        .collect();
    assert_eq!(
        texts,
        [(1, b"officer-1".to_vec()), (3, b"officer-3".to_vec())]
    );
    let at_officer = officer.messages(&c.id, s, 0).await.unwrap();
    assert_eq!(at_officer.messages.len(), 1);
    assert_eq!(at_officer.messages[0].seq, 2);
    // The officer's messages reached the peer's phone; nothing is read yet.
    assert_eq!((at_officer.delivered_upto, at_officer.read_upto), (3, 0));

    // The peer shows them: they leave the relay, and the officer sees "read".
    peer.mark_read(&c.id, None, 3).await.unwrap();
    assert!(
        peer.messages(&c.id, None, 0)
            .await
            .unwrap()
            .messages
            .is_empty()
    );
    assert_eq!(officer.messages(&c.id, s, 2).await.unwrap().read_upto, 3);
    // Read cannot run ahead of what was fetched.
    officer.mark_read(&c.id, s, 99).await.unwrap();
    assert_eq!(peer.messages(&c.id, None, 0).await.unwrap().read_upto, 2);
    assert_eq!(count_rows(&c.relay.database, "request_messages").await, 0);

    // Closing deletes the request and anything of its conversation.
    peer.post_message(&c.id, None, &msg("peer-4"))
        .await
        .unwrap();
    assert_eq!(count_rows(&c.relay.database, "request_messages").await, 1);
    officer.close_request(&c.id, s).await.unwrap();
    assert_eq!(count_rows(&c.relay.database, "request_messages").await, 0);
    let gone = officer.messages(&c.id, s, 0).await.unwrap_err();
    assert_eq!(gone.code(), Some(ErrorCode::UnknownRequest));
}

#[tokio::test]
async fn nobody_else_takes_part() {
    let c = claimed().await;
    // Another device of the team, even a peer's, is not the claimer.
    let other = c.other.client();
    let e = other
        .post_message(&c.id, None, &msg("intruder"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::Forbidden));
    assert_eq!(
        other.messages(&c.id, None, 0).await.unwrap_err().code(),
        Some(ErrorCode::Forbidden)
    );
    // A wrong secret: no such request. No credential at all: unauthorized.
    let anon = c.relay.anon();
    let wrong = anon
        .post_message(&c.id, Some("not-the-secret"), &msg("x"))
        .await
        .unwrap_err();
    assert_eq!(wrong.code(), Some(ErrorCode::UnknownRequest));
    assert!(anon.messages(&c.id, None, 0).await.is_err());
    // A device of another team learns nothing.
    let stranger = c.relay.team(120).await.device().await;
    let e = stranger
        .client()
        .messages(&c.id, None, 0)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::UnknownRequest));
    // Bad input is a clear error.
    let bad = PostMessage {
        message_id: "short".into(),
        ciphertext: b64::encode(b"x"),
    };
    let e = anon
        .post_message(&c.id, Some(&c.secret), &bad)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::InvalidInput));
    let huge = PostMessage {
        message_id: peerline_relay_test_id(),
        ciphertext: b64::encode(&vec![7u8; MAX_MESSAGE_BYTES + 1]),
    };
    let e = anon
        .post_message(&c.id, Some(&c.secret), &huge)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::TooLarge));
}

#[tokio::test]
async fn no_conversation_before_a_claim() {
    let relay = TestRelay::start().await;
    let team = relay.team(120).await;
    let device = team.device().await;
    let (id, secret) = (peerline_relay_test_id(), peerline_relay_test_id());
    device
        .post(&id, Urgency::Now, b"sealed", &secret)
        .await
        .unwrap();
    let e = relay
        .anon()
        .post_message(&id, Some(&secret), &msg("hello?"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::Forbidden));
}

#[tokio::test]
async fn unread_messages_are_capped() {
    // Hundreds of posts from one address in a moment: above the per-address rate limit.
    let c = claimed_on(
        TestRelay::start_limited(peerline_relay::Limits {
            per_ip_per_sec: 10_000,
            per_ip_burst: 10_000,
            ..peerline_relay::Limits::default()
        })
        .await,
    )
    .await;
    let officer = c.relay.anon();
    let s = Some(c.secret.as_str());
    for i in 0..MAX_UNREAD_MESSAGES {
        officer
            .post_message(&c.id, s, &msg(&format!("m{i}")))
            .await
            .unwrap();
    }
    let e = officer
        .post_message(&c.id, s, &msg("one too many"))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(ErrorCode::ConversationFull));
    // Pages of MESSAGE_PAGE; once read, room again.
    let peer = c.peer.client();
    let mut after = 0;
    let mut seen = 0;
    for _ in 0..10 {
        let page = peer.messages(&c.id, None, after).await.unwrap();
        seen += page.messages.len();
        after = page.messages.last().map_or(after, |m| m.seq);
        if !page.more {
            break;
        }
    }
    assert_eq!(seen as u64, MAX_UNREAD_MESSAGES);
    peer.mark_read(&c.id, None, after).await.unwrap();
    officer
        .post_message(&c.id, s, &msg("room again"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_hand_off_reopens_the_request_for_others_and_clears_the_conversation() {
    let c = claimed().await;
    let officer = c.relay.anon();
    let s = Some(c.secret.as_str());
    c.peer
        .client()
        .post_message(&c.id, None, &msg("let me hand you to Lee"))
        .await
        .unwrap();
    // Only the officer consents: a peer's device cannot hand it off.
    let body = HandOff {
        recipient_key_ids: vec![test_key_ids()[1].clone()],
        ciphertext: b64::encode(b"sealed for lee"),
    };
    let mut events = c.other.events().await;
    officer.hand_off(&c.id, &c.secret, &body).await.unwrap();
    let e = next_event(&mut events).await;
    assert_eq!(
        e,
        Event::HandedOff {
            request_id: c.id.clone()
        }
    );
    assert_eq!(count_rows(&c.relay.database, "request_messages").await, 0);
    let open = c.other.list().await;
    let r = open.iter().find(|r| r.request_id == c.id).unwrap();
    assert_eq!(r.state, RequestState::Open);
    assert_eq!(b64::decode(&r.ciphertext).unwrap(), b"sealed for lee");
    // The old claimer is out of the conversation; the one it was handed to can claim.
    assert_eq!(
        c.peer
            .client()
            .post_message(&c.id, None, &msg("still here?"))
            .await
            .unwrap_err()
            .code(),
        Some(ErrorCode::Forbidden)
    );
    c.other.claim(&c.id, &test_key_ids()[1]).await.unwrap();
    // Handing off an unclaimed request is refused clearly.
    officer.hand_off(&c.id, &c.secret, &body).await.unwrap();
    let e = officer.hand_off(&c.id, &c.secret, &body).await.unwrap_err();
    // Where the request stands, not the body's shape: a conflict.
    assert_eq!(e.code(), Some(ErrorCode::Conflict));
    let _ = (s, &c.team);
}

#[tokio::test]
async fn every_change_is_one_content_free_event() {
    let c = claimed().await;
    let mut events = c.other.events().await;
    c.relay
        .anon()
        .post_message(&c.id, Some(&c.secret), &msg("secret words"))
        .await
        .unwrap();
    let e = next_event(&mut events).await;
    assert_eq!(
        e,
        Event::Conversation {
            request_id: c.id.clone(),
            to: Author::Peer,
        },
        "the officer wrote: the peer's side looks"
    );
    let text = serde_json::to_string(&e).unwrap();
    assert!(!text.contains("secret words"));
    // The peer's fetch is the officer's "delivered": one more event, for the officer.
    c.peer.client().messages(&c.id, None, 0).await.unwrap();
    assert_eq!(
        next_event(&mut events).await,
        Event::Conversation {
            request_id: c.id.clone(),
            to: Author::Officer,
        }
    );
    let _ = RelayClient::anonymous(&c.relay.url).unwrap();
}

/// 200 messages with the relay process SIGKILLed mid-way (one post's answer lost in the
/// kill), on SQLite or on the test PostgreSQL: every message is stored once, numbered in
/// order, and each author's messages come back in the order they were written.
#[tokio::test(flavor = "multi_thread")]
async fn a_conversation_survives_a_sigkilled_relay_without_loss_duplicate_or_reordering() {
    use peerline_testkit::load::Node;
    let dir = tempfile::tempdir().unwrap();
    let database = fresh_database(dir.path()).await;
    let mut node = Node::spawn(&database_arg(&database), dir.path());
    let team = create_team(&node.url, 120).await;
    let peer = team.device().await;
    let (id, secret) = (peerline_relay_test_id(), peerline_relay_test_id());
    peer.post(&id, Urgency::Now, b"sealed", &secret)
        .await
        .unwrap();
    peer.claim(&id, &test_key_ids()[0]).await.unwrap();

    let mut written: Vec<(Author, PostMessage)> = Vec::new();
    for i in 0..200 {
        let author = if i % 3 == 0 {
            Author::Peer
        } else {
            Author::Officer
        };
        let m = msg(&format!("{}-{i:03}", author.as_str()));
        written.push((author, m.clone()));
        let post = |url: String, m: PostMessage| {
            let (peer, secret, id) = (peer.via(&url), secret.clone(), id.clone());
            async move {
                match author {
                    Author::Officer => {
                        RelayClient::anonymous(&url)
                            .unwrap()
                            .post_message(&id, Some(&secret), &m)
                            .await
                    }
                    Author::Peer => peer.client().post_message(&id, None, &m).await,
                }
            }
        };
        if i == 100 {
            // The post leaves, and the relay dies before (or after) it commits.
            let in_flight = tokio::spawn(post(node.url.clone(), m.clone()));
            tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            node.kill();
            let _ = in_flight.await;
            node = Node::spawn(&database_arg(&database), dir.path());
        }
        // The phone retries with the same message id until the relay answers.
        let mut tries = 0;
        loop {
            match post(node.url.clone(), m.clone()).await {
                Ok(_) => break,
                Err(e) => {
                    tries += 1;
                    assert!(tries < 50, "message {i} never stored: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
            }
        }
    }

    let officer = RelayClient::anonymous(&node.url).unwrap();
    let peer_client = peer.via(&node.url).client();
    let fetch = |author: Author| {
        let (officer, peer_client, id, secret) = (&officer, &peer_client, &id, &secret);
        async move {
            let mut out: Vec<RelayMessage> = Vec::new();
            let mut after = 0;
            for _ in 0..10 {
                let page = match author {
                    // The officer reads the peer's, and the peer the officer's.
                    Author::Peer => officer.messages(id, Some(secret), after).await.unwrap(),
                    Author::Officer => peer_client.messages(id, None, after).await.unwrap(),
                };
                after = page.messages.last().map_or(after, |m| m.seq);
                out.extend(page.messages);
                if !page.more {
                    break;
                }
            }
            out
        }
    };
    for author in [Author::Officer, Author::Peer] {
        let got = fetch(author).await;
        let seqs: Vec<u64> = got.iter().map(|m| m.seq).collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "numbered in order");
        let texts: Vec<String> = got
            .iter()
            .map(|m| String::from_utf8(b64::decode(&m.ciphertext).unwrap()).unwrap())
            .collect();
        let expected: Vec<String> = written
            .iter()
            .filter(|(a, _)| *a == author)
            .map(|(_, m)| String::from_utf8(b64::decode(&m.ciphertext).unwrap()).unwrap())
            .collect();
        assert_eq!(texts, expected, "each once, in the order written");
    }
    node.kill();
}
