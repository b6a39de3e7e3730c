//! Files generated from the Rust side and checked in for the UI (`bindings.ts`, the licence
//! list): a test compares each with what the code renders now, and rewrites it instead when
//! run with `PEERLINE_WRITE_BINDINGS=1`.

/// Fails when `relative` (from `src-tauri/`) differs from `want`; rewrites it on request.
pub fn check_fresh(relative: &str, want: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("PEERLINE_WRITE_BINDINGS").is_some() {
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, want));
        assert!(
            written.is_ok(),
            "could not write {}: {written:?}",
            path.display()
        );
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{relative} is stale: run `PEERLINE_WRITE_BINDINGS=1 cargo test -p peerline-app`"
    );
}
