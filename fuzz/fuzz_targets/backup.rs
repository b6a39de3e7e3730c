//! Backup files an officer picks to restore. Odd first byte: the bytes are the file itself
//! (age header and payload). Even: the bytes are the database image inside a correctly
//! encrypted file, which reaches the SQLite checks and the migration of a hostile image.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use peerline_core::backup::{RestoreMode, restore_bytes};
use peerline_core::vault::{Vault, VaultKey};

const PASS: &str = "fuzzing-passphrase";

fn vault() -> &'static Mutex<(tempfile::TempDir, Vault)> {
    static V: OnceLock<Mutex<(tempfile::TempDir, Vault)>> = OnceLock::new();
    V.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let v = Vault::create(&dir.path().join("fuzz.db"), &VaultKey::generate()).expect("vault");
        Mutex::new((dir, v))
    })
}

fn encrypt(image: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut r = age::scrypt::Recipient::new(PASS.to_owned().into());
    // The lowest work factor: this target is about what is inside, not the KDF.
    r.set_work_factor(1);
    let enc = age::Encryptor::with_recipients(std::iter::once(&r as &dyn age::Recipient))
        .expect("encryptor");
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).expect("wrap");
    w.write_all(image).expect("write");
    w.finish().expect("finish");
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode % 2 == 1 { rest.to_vec() } else { encrypt(rest) };
    let mut guard = vault().lock().unwrap_or_else(|p| p.into_inner());
    // Ask never writes into a vault that has records; Add writes only valid rows.
    let m = if mode % 4 < 2 { RestoreMode::Ask } else { RestoreMode::Add };
    let _ = restore_bytes(&mut guard.1, &bytes, PASS, m);
});
