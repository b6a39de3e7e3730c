//! Choosing privately who may read a request, end to end on loopback: the preferences
//! decide who can decrypt, the relay's list and the ciphertext's header do not tell them
//! apart, nobody matching says so and offers a way out, and escalation keeps to the
//! officer's exclusions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use peerline_core::talk::choose::{self, Fallback, PeerChoice, Preferences};
use peerline_core::talk::officer::{self, AskOutcome, NewRequest};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::{Phone, World, files_contain};
use peerline_protocol::documents::{Gender, RosterPeer};
use peerline_protocol::relay::Urgency;

const NOTE: &str = "choosing-note-7Qx not my sergeant please";

fn profile(key_id: &str, unit: &str, gender: Gender, languages: &[&str]) -> RosterPeer {
    RosterPeer {
        key_id: key_id.into(),
        display_name: key_id.to_uppercase(),
        unit: Some(unit.into()),
        gender: Some(gender),
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        ..RosterPeer::default()
    }
}

struct Team {
    w: World,
    officer: Phone,
    /// ana (Patrol North, woman, Spanish), ben (Patrol North, man), cat (Dispatch,
    /// woman), dan (Traffic, man, Spanish).
    peers: Vec<(&'static str, Phone)>,
}

impl Team {
    async fn new(escalation_secs: u32) -> Self {
        let w = World::new(escalation_secs).await;
        let officer = w.phone().await;
        let mut peers = Vec::new();
        for key in ["ana", "ben", "cat", "dan"] {
            peers.push((key, w.phone().await));
        }
        let profiles = [
            profile(
                "ana",
                "Patrol North",
                Gender::Woman,
                &["English", "Spanish"],
            ),
            profile("ben", "Patrol North", Gender::Man, &["English"]),
            profile("cat", "Dispatch", Gender::Woman, &["English"]),
            profile("dan", "Traffic", Gender::Man, &["English", "Spanish"]),
        ];
        let with_phones: Vec<(&Phone, RosterPeer)> = peers
            .iter()
            .zip(profiles)
            .map(|((_, phone), p)| (phone, p))
            .collect();
        w.publish_profiles(1, &with_phones).await;
        team::sync_roster(&officer.session).await.unwrap();
        for (_, p) in &peers {
            team::sync_roster(&p.session).await.unwrap();
        }
        Self { w, officer, peers }
    }

    fn peer(&self, key: &str) -> &Phone {
        &self.peers.iter().find(|(k, _)| *k == key).unwrap().1
    }

    async fn on_duty(&self, keys: &[&str]) {
        for k in keys {
            peer::set_duty(&self.peer(k).session, 60).await.unwrap();
        }
    }

    async fn ask(&self, preferences: Preferences, fallback: Fallback) -> AskOutcome {
        officer::ask_for_peer(
            &self.officer.session,
            NewRequest {
                urgency: Urgency::Now,
                contact: Contact::InApp,
                note: Some(NOTE.into()),
                choice: Some(PeerChoice {
                    preferences,
                    fallback,
                }),
            },
        )
        .await
        .unwrap()
    }

    /// Who can read request `id`: every peer's identity tried on it.
    async fn readers(&self, id: &str) -> Vec<&'static str> {
        let mut out = Vec::new();
        for (k, p) in &self.peers {
            let inbox = peer::inbox(&p.session).await.unwrap();
            if inbox.iter().any(|i| i.request_id == id) {
                assert_eq!(inbox[0].note.as_deref(), Some(NOTE));
                out.push(*k);
            }
        }
        out
    }

    /// What the relay stored: the recipient list, and the number of age stanzas.
    fn stored(&self, id: &str) -> (Vec<String>, usize) {
        let db = rusqlite::Connection::open(self.w.relay_db()).unwrap();
        let (list, ct): (String, Vec<u8>) = db
            .query_row(
                "SELECT recipient_key_ids, ciphertext FROM requests WHERE request_id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let header_end = ct.windows(4).position(|w| w == b"\n---").unwrap();
        let stanzas = ct[..header_end]
            .windows(10)
            .filter(|w| w == b"-> X25519 ")
            .count();
        (serde_json::from_str(&list).unwrap(), stanzas)
    }
}

fn sent(outcome: AskOutcome) -> String {
    match outcome {
        AskOutcome::Sent { request } => request.request_id,
        AskOutcome::NoMatch { options } => panic!("no match: {options:?}"),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn not_my_unit_never_encrypts_to_it_and_the_relay_cannot_tell() {
    let t = Team::new(600).await;
    t.on_duty(&["ana", "ben", "cat", "dan"]).await;
    let prefs = Preferences {
        not_units: vec!["Patrol North".into()],
        ..Preferences::default()
    };
    let id = sent(t.ask(prefs.clone(), Fallback::Ask).await);
    assert_eq!(t.readers(&id).await, ["cat", "dan"]);
    let (listed, stanzas) = t.stored(&id);
    assert_eq!(listed.len(), 4, "the relay is told every peer on duty");
    assert_eq!(stanzas, 4, "and the header has as many stanzas");
    // An excluded peer cannot claim what it cannot read, and would not be shown it.
    assert!(
        peer::inbox(&t.peer("ana").session)
            .await
            .unwrap()
            .is_empty()
    );
    // The preference itself went nowhere: no trace of it in the relay's files (the unit's
    // name is there, in the roster the coordinator published, but never the choice).
    for needle in [b"not_units".as_slice(), NOTE.as_bytes()] {
        assert!(files_contain(t.w.dir.path(), needle).is_empty());
    }
    // Remembered for next time, in the vault.
    let remembered =
        choose::remembered(t.officer.session.lock().unwrap().vault().unwrap()).unwrap();
    assert_eq!(remembered, prefs);
    // The one-tap path next time applies them.
    let again = peerline_e2e::ask(
        &t.officer.session,
        NewRequest {
            urgency: Urgency::Today,
            contact: Contact::InApp,
            note: Some(NOTE.into()),
            choice: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(t.readers(&again.request_id).await, ["cat", "dan"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_match_says_so_and_offers_any_peer_or_a_named_one() {
    let t = Team::new(600).await;
    t.on_duty(&["cat", "dan"]).await;
    let prefs = Preferences {
        not_units: vec!["Dispatch".into()],
        gender: Some(Gender::Woman),
        language: Some("Spanish".into()),
        ..Preferences::default()
    };
    let AskOutcome::NoMatch { options } = t.ask(prefs.clone(), Fallback::Ask).await else {
        panic!("Ana is the only match and she is off duty");
    };
    assert_eq!(options.others_on_duty, 1, "Dan, not Cat (Dispatch)");
    let offered: Vec<_> = options.off_duty.iter().map(|p| p.key_id.as_str()).collect();
    assert_eq!(offered, ["ana", "ben"]);
    let none_sent = t.officer.count("SELECT count(*) FROM peer_requests");
    assert_eq!(none_sent, 0, "nothing was sent or queued");

    // Widen: any peer on duty outside the exclusions.
    let id = sent(t.ask(prefs.clone(), Fallback::AnyOnDuty).await);
    assert_eq!(t.readers(&id).await, ["dan"]);
    officer::cancel(&t.officer.session, &id).await.unwrap();

    // A named off-duty peer gets it when they look, and only they can read it.
    let id = sent(t.ask(prefs, Fallback::Peer("ana".into())).await);
    assert_eq!(t.readers(&id).await, ["ana"]);
    let (listed, stanzas) = t.stored(&id);
    assert_eq!(listed, ["cat", "dan", "ana"]);
    assert_eq!(stanzas, 3);
    peer::claim(&t.peer("ana").session, &id).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn escalation_widens_within_the_exclusions_only() {
    let t = Team::new(1).await;
    t.on_duty(&["dan"]).await;
    let prefs = Preferences {
        not_units: vec!["Patrol North".into()],
        ..Preferences::default()
    };
    let id = sent(t.ask(prefs, Fallback::Ask).await);
    assert_eq!(t.readers(&id).await, ["dan"]);
    let mut escalated = false;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        if officer::refresh(&t.officer.session, &id)
            .await
            .unwrap()
            .escalated
        {
            escalated = true;
            break;
        }
    }
    assert!(escalated);
    // Every peer outside Patrol North can read it now; Ana and Ben never.
    assert_eq!(t.readers(&id).await, ["cat", "dan"]);
    let (listed, stanzas) = t.stored(&id);
    assert_eq!((listed.len(), stanzas), (4, 4));
}

/// Only a peer who can read a new request is notified of it: the peer kept out by the
/// officer's choice hears the content-free event (its inbox refreshes) but no notification.
#[tokio::test(flavor = "multi_thread")]
async fn only_the_peers_who_can_read_it_are_notified() {
    use peerline_core::engine::{CoreEvent, PeerEvent};
    let t = Team::new(600).await;
    t.on_duty(&["ana", "ben", "cat", "dan"]).await;
    let Team { w, officer, peers } = t;
    let mut live = Vec::new();
    for (key, phone) in peers {
        if key == "ana" || key == "cat" {
            live.push((key, phone.live()));
        }
    }
    let mut events: Vec<_> = live.iter().map(|(_, p)| p.engine.subscribe()).collect();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = officer::ask_for_peer(
        &officer.session,
        NewRequest {
            urgency: Urgency::Now,
            contact: Contact::InApp,
            note: Some(NOTE.into()),
            choice: Some(PeerChoice {
                preferences: Preferences {
                    not_units: vec!["Patrol North".into()],
                    ..Preferences::default()
                },
                fallback: Fallback::Ask,
            }),
        },
    )
    .await
    .unwrap();
    let id = sent(r);
    for ((key, phone), rx) in live.iter().zip(events.iter_mut()) {
        let id = id.clone();
        let e: PeerEvent = phone
            .wait_for(rx, Duration::from_secs(10), move |e| match e {
                CoreEvent::PeerEvent(p) if p.request_id.as_deref() == Some(id.as_str()) => {
                    Some(p.clone())
                }
                _ => None,
            })
            .await;
        let told = CoreEvent::PeerEvent(e).notification().is_some();
        assert_eq!(told, *key == "cat", "{key} notified: {told}");
    }
    drop(w);
}
