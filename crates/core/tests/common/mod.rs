//! Helpers for the vault tests: sessions on temp dirs, and re-running one test of this
//! binary in a child process inside a real environment (a private D-Bus session with
//! gnome-keyring, no credential store at all, or a tiny tmpfs) without touching the host.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use peerline_core::clock::ManualClock;
use peerline_core::session::{Session, SessionConfig};
use peerline_core::vault::wrap::KdfParams;

/// A session with no credential store (the passcode-wrap path) on `dir`.
pub fn passcode_session(dir: &Path, clock: Arc<ManualClock>) -> Session {
    Session::start_with_clock(
        SessionConfig {
            data_dir: dir.to_owned(),
            kdf: KdfParams::OWASP_MINIMUM,
            store: Err("no credential store in this test".into()),
        },
        clock,
    )
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(1_800_000_000, -5 * 3600))
}

/// Every byte of every file under `dir`, recursively.
pub fn all_file_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// How to run the child.
pub enum Env {
    /// Inside `dbus-run-session` with an unlocked gnome-keyring (a real Secret Service).
    SecretService,
    /// With the session bus pointed at nothing: no credential store works.
    NoStore,
    /// In a private mount namespace with a tmpfs of `size` mounted on the given dir.
    Tmpfs { dir: PathBuf, size: &'static str },
}

/// Runs the ignored test `name` of the current test binary in `env` and asserts it passed.
pub fn run_in(env: Env, name: &str) {
    let exe = std::env::current_exe().unwrap();
    let home = tempfile::tempdir().unwrap();
    let test_args = [
        "--exact",
        name,
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ];
    let mut cmd = match &env {
        Env::SecretService => {
            let mut c = Command::new("dbus-run-session");
            c.args([
                "--",
                "sh",
                "-c",
                "printf peerline-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null && exec \"$@\"",
                "sh",
            ]);
            c.arg(&exe);
            c
        }
        Env::NoStore => {
            let mut c = Command::new(&exe);
            c.env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/peerline-test-bus",
            )
            .env_remove("DISPLAY");
            c
        }
        Env::Tmpfs { dir, size } => {
            let mut c = Command::new("unshare");
            // As root a new mount namespace is enough; otherwise map ourselves to root in a
            // user namespace. Either way the mount vanishes with the child.
            if !is_root() {
                c.arg("-r");
            }
            c.args([
                "-m",
                "sh",
                "-c",
                "mount -t tmpfs -o size=\"$1\" tmpfs \"$2\" && shift 2 && exec \"$@\"",
                "sh",
                size,
            ]);
            c.arg(dir).arg(&exe);
            c.env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/peerline-test-bus",
            );
            c
        }
    };
    cmd.args(test_args)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_RUNTIME_DIR", home.path());
    let out = cmd.output().unwrap_or_else(|e| {
        panic!("could not start the child for {name} ({e}); the test command installs dbus, gnome-keyring and util-linux")
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child test {name} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}
