//! Two relay nodes on one PostgreSQL: events cross nodes, and everything that must happen
//! once (claim, dedup, invite use, escalation, expiry) happens once whichever node does it.
//! Needs the test command's throw-away PostgreSQL (`PEERLINE_TEST_POSTGRES`); in CI a
//! missing server fails these tests rather than skipping them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_protocol::endpoints as ep;
use std::time::Duration;

use futures_util::StreamExt as _;
use peerline_protocol::relay::*;
use peerline_relay::{Database, Limits, RunningRelay};
use peerline_testkit::*;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

struct Cluster {
    a: RunningRelay,
    b: RunningRelay,
}

impl Cluster {
    /// Two nodes on a fresh schema, or `None` (with a note) when no server is available
    /// outside CI.
    async fn start() -> Option<Self> {
        let Some(admin) = postgres_admin_url() else {
            eprintln!("SKIPPED: no PostgreSQL (set PEERLINE_TEST_POSTGRES; scripts/test.sh does)");
            return None;
        };
        let url = fresh_postgres(&admin).await;
        let db = Database::parse(&url).unwrap();
        let limits = Limits {
            per_signer_burst: 1_000,
            per_signer_per_sec: 1_000,
            ..Limits::default()
        };
        let a = start_with(db.clone(), "127.0.0.1:0", limits.clone()).await;
        let b = start_with(db, "127.0.0.1:0", limits).await;
        Some(Self { a, b })
    }

    /// Alternate nodes: even `i` on A, odd on B.
    fn node(&self, i: usize) -> String {
        if i.is_multiple_of(2) {
            self.a.url()
        } else {
            self.b.url()
        }
    }

    async fn stop(self) {
        self.a.stop().await;
        self.b.stop().await;
    }

    async fn team(&self, escalation_secs: u32) -> TestTeam {
        create_team(&self.a.url(), escalation_secs).await
    }
}

fn rid() -> String {
    peerline_relay_test_id()
}

/// The events that arrive within `wait`.
async fn events_within(s: &mut EventStream, wait: Duration) -> Vec<Event> {
    let mut out = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, s.next()).await {
        if let Message::Text(t) = msg {
            out.push(serde_json::from_str(&t).unwrap());
        }
    }
    out
}

/// Waits for the first event about `request_id`.
async fn event_about(s: &mut EventStream, request_id: &str) -> Event {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), s.next())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .unwrap();
        if let Message::Text(t) = msg {
            let e: Event = serde_json::from_str(&t).unwrap();
            if e.request_id() == request_id {
                return e;
            }
        }
    }
}

#[tokio::test]
async fn every_event_reaches_peers_on_the_other_node_once() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let on_a = peer.via(&c.a.url());
    let on_b = peer.via(&c.b.url());
    let mut ws_a = on_a.events().await;
    let mut ws_b = on_b.events().await;

    let id = rid();
    officer
        .post(&id, Urgency::Today, b"ct", "sec")
        .await
        .unwrap();
    for ws in [&mut ws_a, &mut ws_b] {
        assert_eq!(
            event_about(ws, &id).await,
            Event::NewRequest {
                request_id: id.clone(),
                urgency: Urgency::Today
            }
        );
    }
    // Claimed on B, replied on B, closed on A: every socket hears each, whichever node.
    on_b.claim(&id, "p").await.unwrap();
    on_b.reply(&id, b"reply").await.unwrap();
    let _: serde_json::Value = peerline_client::RelayClient::anonymous(&c.a.url())
        .unwrap()
        .call::<(), _>(
            reqwest::Method::DELETE,
            &ep::request(&id),
            None,
            &[(HEADER_STATUS_SECRET, "sec")],
        )
        .await
        .unwrap();
    let want = vec![
        Event::Claimed {
            request_id: id.clone(),
        },
        Event::Replied {
            request_id: id.clone(),
        },
        Event::Closed {
            request_id: id.clone(),
        },
    ];
    for ws in [&mut ws_a, &mut ws_b] {
        let got = events_within(ws, Duration::from_millis(1500)).await;
        assert_eq!(got, want, "each event once, in order, on both nodes");
    }
    c.stop().await;
}

#[tokio::test]
async fn claims_racing_on_both_nodes_have_one_winner() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    let officer = team.device().await;
    let mut peers = Vec::new();
    for i in 0..20 {
        let d = team.device().await;
        peers.push(d.via(&c.node(i)));
    }
    for round in 0..5 {
        let id = rid();
        officer.post(&id, Urgency::Now, b"ct", "s").await.unwrap();
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(peers.len()));
        let tasks: Vec<_> = peers
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let p = p.via(&p.url);
                let (id, barrier) = (id.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    p.claim(&id, &format!("peer{i}")).await.is_ok()
                })
            })
            .collect();
        let mut won = 0;
        for t in tasks {
            won += usize::from(t.await.unwrap());
        }
        assert_eq!(won, 1, "round {round}: exactly one winner across two nodes");
    }
    c.stop().await;
}

#[tokio::test]
async fn the_same_post_on_both_nodes_is_stored_once() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    let officer = team.device().await;
    let peer = team.device().await;
    for _ in 0..5 {
        let id = rid();
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let o = officer.via(&c.node(i));
                let id = id.clone();
                tokio::spawn(async move { o.post(&id, Urgency::Today, b"ct", "s").await })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            created += usize::from(!t.await.unwrap().unwrap().duplicate);
        }
        assert_eq!(created, 1, "one post stored; nine retries were duplicates");
    }
    assert_eq!(peer.list().await.len(), 5);
    c.stop().await;
}

#[tokio::test]
async fn a_single_use_invite_redeemed_on_both_nodes_registers_one_device() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    for _ in 0..5 {
        let (_, code) = team.invite(1, 3600).await;
        let tasks: Vec<_> = (0..8)
            .map(|i| {
                let t = team.via(&c.node(i));
                let code = code.clone();
                tokio::spawn(async move { t.redeem(&code).await.is_ok() })
            })
            .collect();
        let mut ok = 0;
        for t in tasks {
            ok += usize::from(t.await.unwrap());
        }
        assert_eq!(ok, 1);
    }
    c.stop().await;
}

#[tokio::test]
async fn an_unclaimed_urgent_request_escalates_once_with_both_nodes_running_the_timer() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(1).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let mut ws_a = peer.via(&c.a.url()).events().await;
    let mut ws_b = peer.via(&c.b.url()).events().await;
    let ids: Vec<String> = (0..10).map(|_| rid()).collect();
    for id in &ids {
        officer.post(id, Urgency::Now, b"ct", "s").await.unwrap();
    }
    for ws in [&mut ws_a, &mut ws_b] {
        let got = events_within(ws, Duration::from_secs(4)).await;
        for id in &ids {
            let escalations = got
                .iter()
                .filter(|e| matches!(e, Event::Escalated { request_id } if request_id == id))
                .count();
            assert_eq!(escalations, 1, "one escalation per request, per socket");
        }
    }
    let listed = peer.list().await;
    assert_eq!(listed.len(), 10);
    assert!(listed.iter().all(|r| r.escalated));
    c.stop().await;
}

#[tokio::test]
async fn expiry_on_two_nodes_deletes_once_and_both_hear_of_it() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let mut ws_a = peer.via(&c.a.url()).events().await;
    let mut ws_b = peer.via(&c.b.url()).events().await;
    let id = rid();
    officer
        .client()
        .call::<_, PostAccepted>(
            reqwest::Method::POST,
            &ep::team_requests(&team.team_id),
            Some(&PostRequest {
                request_id: id.clone(),
                urgency: Urgency::Today,
                recipient_key_ids: vec!["p".into()],
                expires_at: now() + 2,
                ciphertext: peerline_protocol::b64::encode(b"ct"),
                status_hash: peerline_protocol::auth::secret_hash_hex("s"),
                token: None,
            }),
            &[],
        )
        .await
        .unwrap();
    for ws in [&mut ws_a, &mut ws_b] {
        let got = events_within(ws, Duration::from_secs(5)).await;
        let closed = got
            .iter()
            .filter(|e| matches!(e, Event::Closed { request_id } if *request_id == id))
            .count();
        assert_eq!(closed, 1, "{got:?}");
    }
    assert!(peer.list().await.is_empty());
    c.stop().await;
}

#[tokio::test]
async fn a_node_reaches_postgres_over_verified_tls_and_refuses_an_unknown_certificate() {
    let Some(admin) = postgres_admin_url() else {
        eprintln!("SKIPPED: no PostgreSQL");
        return;
    };
    let ca = std::env::var("PEERLINE_TEST_POSTGRES_CA")
        .expect("scripts/postgres.sh exports the server's certificate");
    let url = fresh_postgres(&admin).await;

    let relay = start_with(
        Database::parse(&format!("{url}&sslmode=verify-full&sslrootcert={ca}")).unwrap(),
        "127.0.0.1:0",
        Limits::default(),
    )
    .await;
    create_team(&relay.url(), 60).await;
    {
        use sqlx_core::connection::Connection as _;
        use sqlx_core::row::Row as _;
        let mut conn = sqlx_postgres::PgConnection::connect(&admin).await.unwrap();
        let rows = sqlx_core::query::query::<sqlx_postgres::Postgres>(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
             WHERE a.application_name LIKE 'peerline-relay-%'",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        // The server also accepts TLS from other tests' nodes (sqlx prefers it), so this
        // shows the link is encrypted; the refusal below shows verify-full is in force.
        assert!(!rows.is_empty());
        assert!(rows.iter().all(|r| r.try_get::<bool, _>(0).unwrap()));
    }
    relay.stop().await;

    // Without the agency's CA the server's certificate is unknown: the node does not start,
    // and says why without printing the URL.
    let err = peerline_relay::start(peerline_relay::ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        database: Database::parse(&format!("{url}&sslmode=verify-full")).unwrap(),
        admin_token: None,
        insecure_behind_proxy: false,
        tls: None,
        limits: Limits::default(),
        push: Default::default(),
    })
    .await
    .err()
    .expect("an unknown certificate is refused")
    .to_string();
    assert!(
        err.contains("PostgreSQL") && err.contains("certificate"),
        "{err}"
    );
    assert!(!err.contains("search_path"), "the URL is not echoed: {err}");
}

#[tokio::test]
async fn an_anonymous_post_retried_on_both_nodes_is_one_request_and_never_token_spent() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let path = ep::team_requests(&team.team_id);
    for round in 0..10 {
        // The app's retry: the same request, with the same token, sent again (here, to
        // both nodes at once) because the first answer did not arrive.
        let token = tokens_for(&officer, 1).await.unwrap().remove(0);
        let body = anon_post(&rid(), Some(token));
        let tasks: Vec<_> = (0..6)
            .map(|i| {
                let url = c.node(i);
                let (body, path) = (body.clone(), path.clone());
                tokio::spawn(async move {
                    peerline_client::RelayClient::anonymous(&url)
                        .unwrap()
                        .call::<_, PostAccepted>(reqwest::Method::POST, &path, Some(&body), &[])
                        .await
                })
            })
            .collect();
        let mut created = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(a) => created += usize::from(!a.duplicate),
                Err(e) => panic!("round {round}: a retry was refused: {e}"),
            }
        }
        assert_eq!(created, 1, "round {round}");
    }
    assert_eq!(peer.list().await.len(), 10);
    c.stop().await;
}

#[tokio::test]
async fn a_delivery_through_one_node_reaches_the_officer_on_the_other() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let id = rid();
    officer.post(&id, Urgency::Now, b"ct", "sec").await.unwrap();
    // The officer follows the request on A; the peer's phone fetches through B.
    let path = ep::request_events(&id);
    let mut req = officer
        .via(&c.a.url())
        .client()
        .ws_url(&path)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert(HEADER_STATUS_SECRET, "sec".parse().unwrap());
    let mut on_a = tokio_tungstenite::connect_async(req).await.unwrap().0;
    assert_eq!(peer.via(&c.b.url()).list().await.len(), 1);
    assert_eq!(
        event_about(&mut on_a, &id).await,
        Event::Delivered {
            request_id: id.clone()
        }
    );
    c.stop().await;
}

#[tokio::test]
async fn a_message_through_one_node_reaches_the_officer_on_the_other_once_and_in_order() {
    let Some(c) = Cluster::start().await else {
        return;
    };
    let team = c.team(3600).await;
    let officer = team.device().await;
    let peer = team.device().await;
    let id = rid();
    officer.post(&id, Urgency::Now, b"ct", "sec").await.unwrap();
    peer.claim(&id, &test_key_ids()[0]).await.unwrap();
    let path = ep::request_events(&id);
    let mut req = officer
        .via(&c.a.url())
        .client()
        .ws_url(&path)
        .into_client_request()
        .unwrap();
    req.headers_mut()
        .insert(HEADER_STATUS_SECRET, "sec".parse().unwrap());
    let mut on_a = tokio_tungstenite::connect_async(req).await.unwrap().0;
    // The peer writes through B, alternating nodes; every post is numbered in order.
    let mut seqs = Vec::new();
    for i in 0..6 {
        let m = PostMessage {
            message_id: rid(),
            ciphertext: peerline_protocol::b64::encode(format!("m{i}").as_bytes()),
        };
        let a = peer
            .via(&c.node(i + 1))
            .client()
            .post_message(&id, None, &m)
            .await
            .unwrap();
        seqs.push(a.seq);
    }
    assert_eq!(seqs, [1, 2, 3, 4, 5, 6]);
    assert_eq!(
        event_about(&mut on_a, &id).await,
        Event::Conversation {
            request_id: id.clone(),
            to: Author::Officer,
        }
    );
    // Six posts, six events on the officer's socket: none lost, none doubled.
    let rest = events_within(&mut on_a, Duration::from_millis(800)).await;
    assert_eq!(rest.len(), 5, "{rest:?}");
    let page = officer
        .via(&c.a.url())
        .client()
        .messages(&id, Some("sec"), 0)
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 6);
    c.stop().await;
}

/// A wake is sent by the node where the change happened and by no other (the other node
/// hears the event through PostgreSQL but does not push it), and a node stopped while a push
/// hangs sends nothing more of it: its queue is in memory, so a wake is lost, never doubled.
#[tokio::test]
async fn a_wake_is_sent_once_by_one_node_and_a_stopped_node_sends_no_more() {
    use peerline_testkit::push_service::{Mode, PushService};
    let Some(c) = Cluster::start().await else {
        return;
    };
    let service = PushService::start().await;
    let team = c.team(3600).await;
    let sam = team.device().await;
    let lee = team.device().await;
    let key = peerline_client::RelayClient::anonymous(&c.a.url())
        .unwrap()
        .push_key()
        .await
        .unwrap()
        .vapid_public_key;
    let key_b = peerline_client::RelayClient::anonymous(&c.b.url())
        .unwrap()
        .push_key()
        .await
        .unwrap()
        .vapid_public_key;
    assert_eq!(key, key_b, "one VAPID key for the whole cluster");
    let wire = |s: &peerline_testkit::push_service::PushSubscription| PushSubscription {
        endpoint: s.endpoint.clone(),
        p256dh: s.p256dh.clone(),
        auth: s.auth.clone(),
    };
    let sam_sub = service.subscribe(&key).await;
    let lee_sub = service.subscribe(&key).await;
    sam.client()
        .set_peer_push(
            &team.team_id,
            &push_body(&team.team_id, "sam", wire(&sam_sub)),
        )
        .await
        .unwrap();
    lee.via(&c.b.url())
        .client()
        .set_peer_push(
            &team.team_id,
            &push_body(&team.team_id, "lee", wire(&lee_sub)),
        )
        .await
        .unwrap();
    let officer = team.device().await;
    let to = |key: &str| {
        let mut p = anon_post(&rid(), None);
        p.recipient_key_ids = vec![key.into()];
        p
    };

    // Posted on A: exactly one wake, though B hears the event too.
    officer
        .client()
        .post_request(&team.team_id, &to("sam"))
        .await
        .unwrap();
    service
        .wait_for_messages(&sam_sub, 1, Duration::from_secs(20))
        .await;

    // A push from A hangs; A stops mid-send.
    service.set_mode(&sam_sub, Mode::Hang).await;
    officer
        .client()
        .post_request(&team.team_id, &to("sam"))
        .await
        .unwrap();
    service
        .wait_for_attempts(&sam_sub, 2, Duration::from_secs(20))
        .await;
    service.set_mode(&sam_sub, Mode::Ok).await;
    c.a.stop().await;

    // B goes on: a wake it causes arrives, and by then nothing more came of A's.
    officer
        .via(&c.b.url())
        .client()
        .post_request(&team.team_id, &to("lee"))
        .await
        .unwrap();
    service
        .wait_for_messages(&lee_sub, 1, Duration::from_secs(20))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let sam_got = service.messages(&sam_sub).await;
    assert_eq!(sam_got.messages.len(), 1, "the first wake, once");
    assert_eq!(sam_got.attempts, 2, "the hung push was not sent again");
    assert_eq!(
        service.messages(&lee_sub).await.attempts,
        1,
        "lee was woken once, by B"
    );
    c.b.stop().await;
}
