//! The coordinator's console, end to end on a real relay on 127.0.0.1: a coordinator's app
//! creates a team, adds two peers from the keys their apps show, publishes the roster and
//! a directory imported from CSV, issues and revokes invites, publishes an older version
//! again, and reads figures that never show fewer than five requests. The peers' and
//! officers' apps see what was published.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_core::coordinator::documents::{self, DirectoryFormat, DocumentKind};
use peerline_core::coordinator::{self, InviteState, NewTeam, figures};
use peerline_core::directory;
use peerline_core::talk::officer::{self, NewRequest};
use peerline_core::talk::payload::Contact;
use peerline_core::talk::{peer, team};
use peerline_e2e::*;
use peerline_protocol::relay::Urgency;

fn keys_shown_by(phone: &Phone, key_id: &str) -> String {
    let s = phone.session.lock().unwrap();
    peer::ensure_identity(s.vault().unwrap(), Some(key_id))
        .unwrap()
        .roster_entry
}

fn with<T>(phone: &Phone, f: impl FnOnce(&peerline_core::vault::Vault) -> T) -> T {
    let s = phone.session.lock().unwrap();
    f(s.vault().unwrap())
}

#[tokio::test]
async fn a_coordinator_runs_a_team_from_the_app() {
    let world = World::new(180).await;
    let coord = Phone::new();
    let c = &coord.session;

    // A wrong admin token is refused and nothing is kept.
    let wrong = coordinator::create_team(
        c,
        NewTeam {
            relay_url: world.url(),
            admin_token: "not-the-token".into(),
            ..NewTeam::default()
        },
    )
    .await
    .unwrap_err();
    let said = wrong.to_body().message;
    assert!(said.contains("admin token"), "{said}");
    assert_eq!(with(&coord, |v| coordinator::team(v).unwrap()), None);

    let team = coordinator::create_team(
        c,
        NewTeam {
            relay_url: format!("{}/", world.url()),
            admin_token: ADMIN.into(),
            escalation_secs: Some(120),
            tokens_per_day: None,
        },
    )
    .await
    .unwrap();
    assert_eq!(team.relay_url, world.url());

    // Invites: one for the two peers, one for an officer.
    let for_peers = coordinator::issue_invite(c, 2, 7).await.unwrap();
    assert!(for_peers.link.starts_with("peerline://join?"));
    let for_officer = coordinator::issue_invite(c, 1, 1).await.unwrap();
    assert!(coordinator::issue_invite(c, 0, 7).await.is_err());
    assert!(coordinator::issue_invite(c, 1, 400).await.is_err());
    let sam = Phone::new();
    let lee = Phone::new();
    let officer = Phone::new();
    team::join(&sam.session, &for_peers.link).await.unwrap();
    team::join(&lee.session, &for_peers.link).await.unwrap();
    team::join(&officer.session, &for_officer.link)
        .await
        .unwrap();
    let list = coordinator::invites(c).await.unwrap();
    let peers_invite = list
        .iter()
        .find(|i| i.invite_id == for_peers.invite.invite_id)
        .unwrap();
    assert_eq!(
        (peers_invite.uses, peers_invite.state),
        (2, InviteState::UsedUp)
    );

    // A revoked invite lets nobody in.
    let spare = coordinator::issue_invite(c, 5, 7).await.unwrap();
    let list = coordinator::revoke_invite(c, &spare.invite.invite_id)
        .await
        .unwrap();
    assert!(
        list.iter()
            .any(|i| i.invite_id == spare.invite.invite_id && i.state == InviteState::Revoked)
    );
    assert!(
        team::join(&Phone::new().session, &spare.link)
            .await
            .is_err()
    );

    // The roster, from the keys each peer's app shows.
    with(&coord, |v| {
        documents::add_peer(v, &keys_shown_by(&sam, "sam"), "Sam R.").unwrap();
        let mut d = documents::add_peer(v, &keys_shown_by(&lee, "lee"), "Lee K.").unwrap();
        d.roster.peers[0].unit = Some("Patrol North".into());
        d.roster.peers[0].schedule = vec!["mon 18-06".into()];
        let d = documents::save_roster(v, d.roster).unwrap();
        assert!(d.problems.is_empty(), "{:?}", d.problems);
        assert_eq!(d.uncovered_hours, 168 - 12);
        assert_eq!(d.published_version, None);
    });
    let published = documents::publish(c, DocumentKind::Roster).await.unwrap();
    assert_eq!(published.version, 1);
    for phone in [&sam, &lee, &officer] {
        team::sync_roster(&phone.session).await.unwrap();
        let info = with(phone, |v| team::team_info(v).unwrap().unwrap());
        let names: Vec<&str> = info.peers.iter().map(|p| p.display_name.as_str()).collect();
        assert_eq!(names, ["Sam R.", "Lee K."]);
        assert_eq!(info.peers[0].unit.as_deref(), Some("Patrol North"));
    }

    // A draft with a problem is kept but not published.
    with(&coord, |v| {
        let mut d = documents::roster_draft(v).unwrap();
        d.roster.peers[1].display_name = String::new();
        documents::save_roster(v, d.roster).unwrap();
    });
    let e = documents::publish(c, DocumentKind::Roster)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("peer 2, name"), "{e}");
    with(&coord, |v| {
        let mut d = documents::roster_draft(v).unwrap();
        d.roster.peers[1].display_name = "Lee Kim".into();
        documents::save_roster(v, d.roster).unwrap();
    });
    assert_eq!(
        documents::publish(c, DocumentKind::Roster)
            .await
            .unwrap()
            .version,
        2
    );
    // Publish version 1 again: it goes out as version 3.
    with(&coord, |v| {
        let history = documents::history(v, DocumentKind::Roster).unwrap();
        assert_eq!(
            history.iter().map(|h| h.version).collect::<Vec<_>>(),
            [2, 1]
        );
        documents::reopen(v, DocumentKind::Roster, 1).unwrap();
    });
    assert_eq!(
        documents::publish(c, DocumentKind::Roster)
            .await
            .unwrap()
            .version,
        3
    );
    team::sync_roster(&officer.session).await.unwrap();
    let info = with(&officer, |v| team::team_info(v).unwrap().unwrap());
    assert_eq!(info.roster_version, Some(3));
    assert_eq!(info.peers[1].display_name, "Lee K.");

    // The directory, from a spreadsheet; a link a phone would refuse is refused first.
    with(&coord, |v| {
        let d = documents::import_directory(
            v,
            "name,kind,phone,web\nCity EAP,eap,+1 555 010 2000,http://eap.example\n",
            DirectoryFormat::Csv,
        )
        .unwrap();
        assert_eq!(d.problems[0].field, "web");
    });
    assert!(
        documents::publish(c, DocumentKind::Directory)
            .await
            .is_err()
    );
    with(&coord, |v| {
        let d = documents::import_directory(
            v,
            "name,kind,phone,web,first_responder_competent\n\
             City EAP,eap,+1 555 010 2000,https://eap.example,yes\n",
            DirectoryFormat::Csv,
        )
        .unwrap();
        assert!(d.problems.is_empty(), "{:?}", d.problems);
    });
    documents::publish(c, DocumentKind::Directory)
        .await
        .unwrap();
    let agency = directory::sync_directory(&officer.session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(agency.entries, 1);

    // Figures: one closed request is never shown on its own, five are.
    let status = coordinator::status(c).await.unwrap();
    assert_eq!(status.devices, 3);
    for _ in 0..5 {
        let r = ask(
            &officer.session,
            NewRequest {
                urgency: Urgency::Today,
                contact: Contact::InApp,
                note: None,
                choice: None,
            },
        )
        .await
        .unwrap();
        officer::cancel(&officer.session, &r.request_id)
            .await
            .unwrap();
    }
    let now = figures::load(c, 0).await.unwrap();
    assert!(now.periods.is_empty(), "the week under way was shown");
    // Two weeks later (a week is shown a day after it ends; the counters moved back):
    peerline_testkit::run_sql(&world.database, "UPDATE team_weeks SET week = week - 2").await;
    let later = figures::load(c, 0).await.unwrap();
    let shown = later
        .periods
        .iter()
        .find_map(|p| p.summary.as_ref())
        .unwrap();
    assert_eq!((shown.requests, shown.claimed), (5, 0));
    assert!(later.rule.contains("fewer than 5"));

    // A second coordinator: the key, sealed to a passphrase, opens only with it.
    let sealed = with(&coord, |v| {
        coordinator::export_key(v, "a long passphrase").unwrap()
    });
    let second = Phone::new();
    with(&second, |v| {
        assert!(coordinator::import_key(v, &sealed, Some("wrong passphrase")).is_err());
        coordinator::import_key(v, &sealed, Some("a long passphrase")).unwrap();
    });
    assert_eq!(
        coordinator::status(&second.session)
            .await
            .unwrap()
            .roster_version,
        Some(3)
    );
}
