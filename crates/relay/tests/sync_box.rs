//! Sync boxes on a real relay on 127.0.0.1: created with an anonymous token, opened by their
//! secret alone, records in sequence, a snapshot that compacts, a quota, deletion that leaves
//! nothing. Runs on SQLite, and on PostgreSQL with `PEERLINE_TEST_BACKEND=postgres`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_client::{BoxKey, ErrorCode, RelayClient};
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::*;
use peerline_testkit::*;

/// A box created on `team`'s token by an officer's device; its (id, secret).
async fn new_box(relay: &TestRelay, team: &TestTeam) -> (String, String) {
    let device = team.device().await;
    let token = tokens_for(&device, 1).await.unwrap().remove(0);
    let (id, secret) = (peerline_relay_test_id(), peerline_relay_test_id());
    relay
        .anon()
        .create_box(
            &id,
            &CreateBox {
                team_id: team.team_id.clone(),
                token,
                secret_hash: secret_hash_hex(&secret),
            },
        )
        .await
        .unwrap();
    (id, secret)
}

fn append(data: &[u8]) -> AppendRecord {
    AppendRecord {
        data: b64::encode(data),
    }
}

#[tokio::test]
async fn records_come_back_in_order_and_a_snapshot_replaces_what_it_covers() {
    let relay = TestRelay::start().await;
    let team = relay.team(120).await;
    let (id, secret) = new_box(&relay, &team).await;
    let b = BoxKey {
        id: &id,
        secret: &secret,
    };
    let anon = relay.anon();
    for i in 1..=5u8 {
        let a = anon.append_record(&b, &append(&[i; 100])).await.unwrap();
        assert_eq!(a.seq, u64::from(i));
    }
    let all = anon.read_box(&b, 0).await.unwrap();
    assert_eq!(all.snapshot, None);
    assert_eq!(
        all.records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    assert_eq!(all.used_bytes, 500);
    let later = anon.read_box(&b, 3).await.unwrap();
    assert_eq!(
        later.records.iter().map(|r| r.seq).collect::<Vec<_>>(),
        [4, 5]
    );

    // Compaction: records 1..=4 become one snapshot; 5 stays.
    anon.put_snapshot(
        &b,
        &BoxSnapshot {
            upto_seq: 4,
            data: b64::encode(&[9u8; 150]),
        },
    )
    .await
    .unwrap();
    let fresh = anon.read_box(&b, 0).await.unwrap();
    let snap = fresh.snapshot.unwrap();
    assert_eq!(snap.upto_seq, 4);
    assert_eq!(b64::decode(&snap.data).unwrap(), vec![9u8; 150]);
    assert_eq!(fresh.records.iter().map(|r| r.seq).collect::<Vec<_>>(), [5]);
    assert_eq!(fresh.used_bytes, 250, "the snapshot plus record 5");
    // A device that already had record 4 gets no snapshot, only what is new.
    let caught_up = anon.read_box(&b, 4).await.unwrap();
    assert_eq!(caught_up.snapshot, None);
    assert_eq!(caught_up.records.len(), 1);
    // Sequence numbers go on from where they were.
    assert_eq!(anon.append_record(&b, &append(b"x")).await.unwrap().seq, 6);
    // A snapshot must cover records the box has, past the one it holds.
    for upto in [3, 4, 99] {
        let e = anon
            .put_snapshot(
                &b,
                &BoxSnapshot {
                    upto_seq: upto,
                    data: b64::encode(b"s"),
                },
            )
            .await
            .unwrap_err();
        // A state reason (where the box stands), not a shape one: read the box again.
        assert_eq!(code_of(&e), (409, ErrorCode::Conflict), "upto {upto}");
    }
}

#[tokio::test]
async fn a_box_opens_with_its_secret_only_and_costs_a_token() {
    let relay = TestRelay::start().await;
    let team = relay.team(120).await;
    let (id, secret) = new_box(&relay, &team).await;
    let anon = relay.anon();
    let wrong = BoxKey {
        id: &id,
        secret: "not-the-secret",
    };
    let e = anon.read_box(&wrong, 0).await.unwrap_err();
    assert_eq!(code_of(&e), (404, ErrorCode::UnknownBox));
    let e = anon.append_record(&wrong, &append(b"x")).await.unwrap_err();
    assert_eq!(code_of(&e), (404, ErrorCode::UnknownBox));
    let nowhere = BoxKey {
        id: &peerline_relay_test_id(),
        secret: &secret,
    };
    let e = anon.read_box(&nowhere, 0).await.unwrap_err();
    assert_eq!(
        code_of(&e),
        (404, ErrorCode::UnknownBox),
        "same as a wrong secret"
    );

    // Creating again with the same secret is a retry (the token is not spent twice);
    // another secret for the same id is refused.
    let device = team.device().await;
    let mut tokens = tokens_for(&device, 2).await.unwrap();
    let retry = CreateBox {
        team_id: team.team_id.clone(),
        token: tokens.remove(0),
        secret_hash: secret_hash_hex(&secret),
    };
    anon.create_box(&id, &retry).await.unwrap();
    let mut other = retry.clone();
    other.secret_hash = secret_hash_hex("another");
    other.token = tokens.remove(0);
    let e = anon.create_box(&id, &other).await.unwrap_err();
    assert_eq!(code_of(&e), (409, ErrorCode::Conflict));

    // A token pays for one box only.
    let spent = tokens_for(&device, 1).await.unwrap().remove(0);
    let make = |token: Token| CreateBox {
        team_id: team.team_id.clone(),
        token,
        secret_hash: secret_hash_hex("s"),
    };
    anon.create_box(&peerline_relay_test_id(), &make(spent.clone()))
        .await
        .unwrap();
    let e = anon
        .create_box(&peerline_relay_test_id(), &make(spent))
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), (409, ErrorCode::TokenSpent));
}

#[tokio::test]
async fn a_full_box_says_so_and_a_snapshot_makes_room() {
    let relay = TestRelay::start().await;
    let team = relay.team(120).await;
    let (id, secret) = new_box(&relay, &team).await;
    let b = BoxKey {
        id: &id,
        secret: &secret,
    };
    let anon = relay.anon();
    // 150 KiB records (200 KiB in base64, under the relay's body limit) until the 16 MiB
    // quota is reached.
    let chunk = vec![7u8; 150 * 1024];
    let mut last = 0;
    let full = loop {
        match anon.append_record(&b, &append(&chunk)).await {
            Ok(a) => last = a.seq,
            Err(e) => break e,
        }
        assert!(last < 200, "the quota holds");
    };
    assert_eq!(code_of(&full), (507, ErrorCode::BoxFull));
    let status = anon.read_box(&b, last).await.unwrap();
    assert!(status.used_bytes <= status.quota_bytes);
    anon.put_snapshot(
        &b,
        &BoxSnapshot {
            upto_seq: last,
            data: b64::encode(&[1u8; 1024]),
        },
    )
    .await
    .unwrap();
    anon.append_record(&b, &append(&chunk)).await.unwrap();
}

#[tokio::test]
async fn deleting_a_box_leaves_nothing_of_it() {
    let relay = TestRelay::start().await;
    let team = relay.team(120).await;
    let (id, secret) = new_box(&relay, &team).await;
    let b = BoxKey {
        id: &id,
        secret: &secret,
    };
    let anon = RelayClient::anonymous(&relay.url).unwrap();
    for _ in 0..3 {
        anon.append_record(&b, &append(b"private-marker"))
            .await
            .unwrap();
    }
    anon.put_snapshot(
        &b,
        &BoxSnapshot {
            upto_seq: 2,
            data: b64::encode(b"snapshot"),
        },
    )
    .await
    .unwrap();
    anon.delete_box(&b).await.unwrap();
    assert_eq!(count_rows(&relay.database, "sync_boxes").await, 0);
    assert_eq!(count_rows(&relay.database, "sync_records").await, 0);
    let e = anon.read_box(&b, 0).await.unwrap_err();
    assert_eq!(code_of(&e), (404, ErrorCode::UnknownBox));
}

#[tokio::test]
async fn nothing_in_a_box_names_a_device() {
    let relay = TestRelay::start().await;
    let team = relay.team(120).await;
    let device = team.device().await;
    let (id, secret) = new_box(&relay, &team).await;
    let b = BoxKey {
        id: &id,
        secret: &secret,
    };
    relay.anon().append_record(&b, &append(b"x")).await.unwrap();
    // The boxes' tables have no column for a device, and no value equal to a device id.
    for table in ["sync_boxes", "sync_records"] {
        let rows = table_text(&relay.database, table).await;
        assert!(!rows.is_empty(), "{table} has rows");
        for row in rows {
            assert!(!row.contains(&device.device_id), "{table}: {row}");
            assert!(
                !row.to_ascii_lowercase().contains("device"),
                "{table}: {row}"
            );
        }
    }
}
