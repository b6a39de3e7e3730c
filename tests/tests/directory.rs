//! The agency's directory, end to end: the coordinator signs and publishes it to a real
//! relay on 127.0.0.1, a phone fetches, verifies and searches it, and a relay operator who
//! swaps or rolls back the stored blob changes nothing the officer sees.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_core::directory::{self, ActionKind, Kind, Origin, Query};
use peerline_e2e::*;
use peerline_protocol::documents::{DirectoryEntry, EntryKind};
use peerline_protocol::relay::BlobKind;

fn entry(name: &str, kind: EntryKind, specialties: &[&str]) -> DirectoryEntry {
    DirectoryEntry {
        name: name.into(),
        kind,
        specialties: specialties.iter().map(|s| (*s).to_owned()).collect(),
        first_responder_competent: true,
        telehealth: false,
        languages: vec!["en".into()],
        cost: Some("eap_covered".into()),
        always_open: false,
        hours: Some("Mon-Fri 8-18".into()),
        region: Some("Travis County".into()),
        phone: Some("(512) 555-0142".into()),
        sms: None,
        sms_body: None,
        web: Some("https://example.org/help".into()),
        notes: None,
    }
}

fn search(p: &Phone, text: &str, kinds: Vec<Kind>) -> Vec<String> {
    let s = p.session.lock().unwrap();
    let q = Query {
        text: text.into(),
        kinds,
        origin: Some(Origin::Agency),
        ..Query::default()
    };
    directory::search(s.vault().unwrap(), &q)
        .unwrap()
        .into_iter()
        .map(|h| h.entry.name)
        .collect()
}

/// What a relay operator can do to the stored blob: replace it with anything.
fn swap_stored_directory(w: &World, version: u64, payload: &str, signature: &str) {
    let db = rusqlite::Connection::open(w.relay_db()).unwrap();
    let changed = db
        .execute(
            "UPDATE blobs SET version = ?1, payload = ?2, signature = ?3
             WHERE team_id = ?4 AND kind = 'directory'",
            rusqlite::params![version as i64, payload, signature, w.team_id],
        )
        .unwrap();
    assert_eq!(changed, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agency_directory_reaches_the_phone_and_a_swapped_or_older_copy_is_refused() {
    let mut w = World::new(180).await;
    let phone = w.phone().await;

    // Nothing published yet: not an error, just no agency list.
    let info = directory::sync_directory(&phone.session).await.unwrap();
    assert!(
        info.as_ref().is_none_or(|i| i.version.is_none()),
        "{info:?}"
    );

    let v1 = vec![
        entry(
            "Dr. Ana Ruiz",
            EntryKind::Counselor,
            &["trauma", "critical incident"],
        ),
        entry("County EAP", EntryKind::Eap, &["substance use"]),
    ];
    w.publish_directory(1, v1.clone()).await;
    let info = directory::sync_directory(&phone.session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.version, info.entries), (Some(1), 2));
    assert_eq!(search(&phone, "counsel", vec![]), ["Dr. Ana Ruiz"]);
    // "coun" is a prefix of both "counselor" and "County".
    assert_eq!(search(&phone, "coun", vec![]).len(), 2);
    assert_eq!(search(&phone, "", vec![Kind::Eap]), ["County EAP"]);
    // The actions are built from the signed entry, with the number in E.164.
    let hits = {
        let s = phone.session.lock().unwrap();
        directory::search(
            s.vault().unwrap(),
            &Query {
                text: "Ruiz".into(),
                ..Query::default()
            },
        )
        .unwrap()
    };
    let call = hits[0]
        .actions
        .iter()
        .find(|a| a.kind == ActionKind::Call)
        .unwrap();
    assert_eq!(call.uri.as_deref(), Some("tel:+15125550142"));

    // The relay operator swaps in a list of their own under a newer version: refused,
    // recorded, and the signed list stays in use.
    let forged = serde_json::to_vec(&peerline_protocol::documents::Directory {
        entries: vec![entry("Call this number instead", EntryKind::Counselor, &[])],
    })
    .unwrap();
    let genuine_sig = w.signed_blob(BlobKind::Directory, 1, b"x").signature;
    swap_stored_directory(
        &w,
        2,
        &peerline_protocol::b64::encode(&forged),
        &genuine_sig,
    );
    let e = directory::sync_directory(&phone.session).await.unwrap_err();
    assert_eq!(e.code(), "DIRECTORY_REFUSED");
    let info = {
        let s = phone.session.lock().unwrap();
        directory::agency_info(s.vault().unwrap()).unwrap().unwrap()
    };
    assert_eq!(info.version, Some(1));
    assert_eq!(info.refused.as_ref().map(|r| r.version), Some(2));
    assert!(search(&phone, "instead", vec![]).is_empty());
    assert_eq!(search(&phone, "Ruiz", vec![]), ["Dr. Ana Ruiz"]);

    // The coordinator publishes a real update: installed, and the refusal is history.
    let mut v3 = v1.clone();
    v3.push(entry("Chaplain Tom", EntryKind::Chaplain, &["grief"]));
    w.publish_directory(3, v3).await;
    let info = directory::sync_directory(&phone.session)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((info.version, info.entries), (Some(3), 3));
    assert!(info.refused.is_none(), "{info:?}");
    assert_eq!(search(&phone, "chaplin", vec![]), ["Chaplain Tom"]);

    // Rollback: the operator serves the genuine, correctly signed version 1 again.
    let old = w.signed_blob(
        BlobKind::Directory,
        1,
        &serde_json::to_vec(&peerline_protocol::documents::Directory { entries: v1 }).unwrap(),
    );
    swap_stored_directory(&w, 1, &old.payload, &old.signature);
    let e = directory::sync_directory(&phone.session).await.unwrap_err();
    assert_eq!(e.code(), "DIRECTORY_REFUSED");
    assert_eq!(search(&phone, "Tom", vec![]), ["Chaplain Tom"]);

    // The relay is down: the sync says so, and search works offline.
    w.stop_relay().await;
    let e = directory::sync_directory(&phone.session).await.unwrap_err();
    assert_ne!(e.code(), "DIRECTORY_REFUSED");
    assert!(!e.to_string().is_empty());
    assert_eq!(search(&phone, "ruiz", vec![]), ["Dr. Ana Ruiz"]);
}
