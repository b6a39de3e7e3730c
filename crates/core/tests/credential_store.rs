//! Both key custodies for real: a Secret Service (gnome-keyring in a private D-Bus session)
//! and no credential store at all (the key wrapped under the passcode).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::fs;

use common::*;
use peerline_core::checkins::{self, QuickCheckIn};
use peerline_core::random_id;
use peerline_core::session::{LockReason, Session, SessionConfig, VaultStatus};
use peerline_core::vault::keystore::{CredentialStore, StoreError};
use peerline_core::vault::meta::{Custody, Meta};
use peerline_core::vault::wrap::KdfParams;

fn store_session(dir: &std::path::Path, store: &CredentialStore) -> Session {
    Session::start_with_clock(
        SessionConfig {
            data_dir: dir.to_owned(),
            kdf: KdfParams::DEFAULT,
            store: Ok(store.clone()),
        },
        clock(),
    )
}

#[test]
fn secret_service_custody() {
    run_in(Env::SecretService, "child_secret_service_custody");
}

#[test]
#[ignore = "runs inside secret_service_custody"]
fn child_secret_service_custody() {
    let service = format!("peerline-test-{}", random_id());
    let store = CredentialStore::probe(&service).expect("gnome-keyring answers the self-test");
    let dir = tempfile::tempdir().unwrap();

    // No passcode: the key lives only in the store, and the vault opens by itself.
    let mut s = store_session(dir.path(), &store);
    assert_eq!(
        s.status(),
        VaultStatus::New {
            credential_store: true,
            min_passcode_len: 6
        }
    );
    s.create(None).unwrap();
    let entry = QuickCheckIn {
        note: Some("kept".into()),
        ..Default::default()
    };
    let id = checkins::save(s.vault().unwrap(), &entry, s.clock().now_local())
        .unwrap()
        .id;
    assert_eq!(
        s.lock().unwrap_err().code(),
        "PASSCODE_REQUIRED",
        "no app lock without a passcode"
    );
    drop(s);
    let s = store_session(dir.path(), &store);
    assert!(matches!(
        s.status(),
        VaultStatus::Unlocked {
            custody: Custody::CredentialStore,
            app_lock: false,
            ..
        }
    ));
    assert!(checkins::get(s.vault().unwrap(), &id).unwrap().is_some());
    let meta = Meta::load(&dir.path().join("vault.json")).unwrap().unwrap();
    assert!(meta.wrapped_key.is_none(), "no key material on disk at all");
    drop(s);

    // The key deleted behind our back, no passcode copy: a clear error, nothing replaced.
    store.delete_key(&meta.vault_id).unwrap();
    let before = all_file_bytes(dir.path());
    let mut s = store_session(dir.path(), &store);
    match s.status() {
        VaultStatus::KeyMissing { message } => {
            assert!(message.contains("Nothing has been deleted"))
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(s.create(None).unwrap_err().code(), "VAULT_EXISTS");
    assert_eq!(
        all_file_bytes(dir.path()),
        before,
        "the old vault is left exactly as it was"
    );
    s.erase_everything().unwrap();

    // With a passcode (app lock) the wrapped copy recovers a key deleted from the store.
    let mut s = store_session(dir.path(), &store);
    s.create(Some("steady-hands")).unwrap();
    let id = checkins::save(
        s.vault().unwrap(),
        &QuickCheckIn::default(),
        s.clock().now_local(),
    )
    .unwrap()
    .id;
    let vault_id = Meta::load(&dir.path().join("vault.json"))
        .unwrap()
        .unwrap()
        .vault_id;
    drop(s);
    store.delete_key(&vault_id).unwrap();
    let mut s = store_session(dir.path(), &store);
    assert!(matches!(
        s.status(),
        VaultStatus::Locked {
            reason: LockReason::AppLock,
            ..
        }
    ));
    s.unlock("steady-hands").unwrap();
    assert!(checkins::get(s.vault().unwrap(), &id).unwrap().is_some());
    assert!(
        store.load_key(&vault_id).is_ok(),
        "the key is put back in the store"
    );

    // Someone with the files deletes the passcode copy to drop the app lock: refused.
    drop(s);
    let meta_path = dir.path().join("vault.json");
    let original = fs::read_to_string(&meta_path).unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&original).unwrap();
    json["wrapped_key"] = serde_json::Value::Null;
    fs::write(&meta_path, serde_json::to_string(&json).unwrap()).unwrap();
    let tampered = store_session(dir.path(), &store);
    assert!(
        matches!(tampered.status(), VaultStatus::Damaged { .. }),
        "{:?}",
        tampered.status()
    );
    drop(tampered);
    fs::write(&meta_path, original).unwrap();
    let mut s = store_session(dir.path(), &store);
    s.unlock("steady-hands").unwrap();

    // Turning the app lock off removes the wrapped copy; erase removes the key everywhere.
    s.remove_passcode("steady-hands").unwrap();
    assert!(
        Meta::load(&dir.path().join("vault.json"))
            .unwrap()
            .unwrap()
            .wrapped_key
            .is_none()
    );
    s.erase_everything().unwrap();
    assert!(matches!(
        store.load_key(&vault_id),
        Err(StoreError::NoEntry)
    ));
    assert!(all_file_bytes(dir.path()).is_empty());
}

#[test]
fn no_credential_store_custody() {
    run_in(Env::NoStore, "child_no_credential_store_custody");
}

#[test]
#[ignore = "runs inside no_credential_store_custody"]
fn child_no_credential_store_custody() {
    let why = CredentialStore::probe(&format!("peerline-test-{}", random_id()))
        .expect_err("no session bus, so no credential store");
    assert!(!why.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::start_with_clock(SessionConfig::probe(dir.path()), clock());
    assert_eq!(
        s.status(),
        VaultStatus::New {
            credential_store: false,
            min_passcode_len: 6
        }
    );
    assert_eq!(s.create(None).unwrap_err().code(), "PASSCODE_REQUIRED");
    s.create(Some("night-shift-42")).unwrap();
    assert!(matches!(
        s.status(),
        VaultStatus::Unlocked {
            custody: Custody::Passcode,
            app_lock: true,
            ..
        }
    ));
    drop(s);

    // Never plaintext, never memory-only: the key is on disk only wrapped, and a restart
    // needs the passcode.
    let meta_json = fs::read_to_string(dir.path().join("vault.json")).unwrap();
    assert!(meta_json.contains("\"custody\": \"passcode\""));
    assert!(meta_json.contains("ciphertext"));
    let mut s = Session::start_with_clock(SessionConfig::probe(dir.path()), clock());
    assert!(matches!(
        s.status(),
        VaultStatus::Locked {
            reason: LockReason::PasscodeCustody,
            ..
        }
    ));
    assert_eq!(
        s.unlock("night-shift-41").unwrap_err().code(),
        "WRONG_PASSCODE"
    );
    s.unlock("night-shift-42").unwrap();
    assert_eq!(
        s.remove_passcode("night-shift-42").unwrap_err().code(),
        "PASSCODE_REQUIRED"
    );
}
