//! The coordinator CLI against a real relay on 127.0.0.1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use peerline_protocol::endpoints as ep;
use std::process::{Command, Output};

use peerline_protocol::b64;
use peerline_protocol::invite::Invite;
use peerline_protocol::relay::{DeviceRegistered, RegisterDevice};
use peerline_testkit::*;
use reqwest::Method;

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_peerline-relay"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const PEER: &str = r#"
[[peers]]
key_id = "sam"
display_name = "Sam R."
languages = ["en", "es"]
age_recipient = "age1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
signing_key = "AQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQE"
"#;

#[tokio::test(flavor = "multi_thread")]
async fn a_coordinator_creates_a_team_invites_and_publishes() {
    let r = TestRelay::start().await;
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("admin-token");
    std::fs::write(&token, format!("{ADMIN}\n")).unwrap();
    let key = dir.path().join("team.key");
    let (url, token_s, key_s) = (
        r.url.clone(),
        token.display().to_string(),
        key.display().to_string(),
    );

    let out = cli(&[
        "team",
        "create",
        "--relay",
        &url,
        "--admin-token-file",
        &token_s,
        "--key-file",
        &key_s,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let team_id = text(&out.stdout).trim().to_owned();
    assert_eq!(team_id.len(), 32);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let again = cli(&[
        "team",
        "create",
        "--relay",
        &url,
        "--admin-token-file",
        &token_s,
        "--key-file",
        &key_s,
    ]);
    assert!(!again.status.success());
    assert!(text(&again.stderr).contains("refusing to overwrite"));

    // An invite link that the app can parse, and that registers one device.
    let out = cli(&["invite", "issue", "--key-file", &key_s, "--uses", "1"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let invite = Invite::parse(&text(&out.stdout)).unwrap();
    assert_eq!(invite.team_id, team_id);
    assert_eq!(invite.relay_url, url);
    let reg: DeviceRegistered = r
        .anon()
        .call(
            Method::POST,
            ep::DEVICES,
            Some(&RegisterDevice {
                team_id: team_id.clone(),
                invite_code: invite.code.clone(),
                device_public_key: b64::encode(
                    peerline_client::generate_key().verifying_key().as_bytes(),
                ),
                team_public_key: b64::encode(&invite.team_public_key),
            }),
            &[],
        )
        .await
        .unwrap();
    assert_eq!(reg.device_id.len(), 32);
    let list = text(&cli(&["invite", "list", "--key-file", &key_s]).stdout);
    assert!(list.contains("used up"), "{list}");
    let invite_id = list.split_whitespace().next().unwrap().to_owned();
    let out = cli(&["invite", "revoke", &invite_id, "--key-file", &key_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&cli(&["invite", "list", "--key-file", &key_s]).stdout).contains("revoked"));

    // A roster with a mistake: the error names the entry and the field.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, PEER.replace("age1qqqq", "age9qqqq")).unwrap();
    let out = cli(&[
        "roster",
        "sign-publish",
        &bad.display().to_string(),
        "--key-file",
        &key_s,
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("peers[0] (sam).age_recipient"),
        "{}",
        text(&out.stderr)
    );
    let typo = dir.path().join("typo.toml");
    std::fs::write(&typo, PEER.replace("display_name", "dispaly_name")).unwrap();
    let out = cli(&[
        "roster",
        "sign-publish",
        &typo.display().to_string(),
        "--key-file",
        &key_s,
    ]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("line") && err.contains("dispaly_name"),
        "{err}"
    );

    let good = dir.path().join("roster.toml");
    std::fs::write(&good, PEER).unwrap();
    for expected in ["version 1", "version 2"] {
        let out = cli(&[
            "roster",
            "sign-publish",
            &good.display().to_string(),
            "--key-file",
            &key_s,
        ]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(expected));
    }
    let out = cli(&[
        "roster",
        "sign-publish",
        &good.display().to_string(),
        "--key-file",
        &key_s,
        "--version",
        "1",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("already has version 2"),
        "{}",
        text(&out.stderr)
    );

    let dir_json = dir.path().join("directory.json");
    std::fs::write(
        &dir_json,
        r#"{"entries":[{"name":"Agency EAP","kind":"eap","phone":"+1 555 010 0000","first_responder_competent":true}]}"#,
    )
    .unwrap();
    let out = cli(&[
        "directory",
        "sign-publish",
        &dir_json.display().to_string(),
        "--key-file",
        &key_s,
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = cli(&["team", "status", "--key-file", &key_s]);
    let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["roster_version"], 2);
    assert_eq!(status["directory_version"], 1);
    assert_eq!(status["devices"], 1);

    let out = cli(&["team", "figures", "--key-file", &key_s]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let figures: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(figures["periods"], serde_json::json!([]));
    assert!(figures["last_week"].as_i64().unwrap() > 2_900);
}

#[test]
fn unreachable_relay_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("t");
    std::fs::write(&token, "x").unwrap();
    // Port 9 on loopback: nothing listens there.
    let out = cli(&[
        "team",
        "create",
        "--relay",
        "http://127.0.0.1:9",
        "--admin-token-file",
        &token.display().to_string(),
        "--key-file",
        &dir.path().join("k").display().to_string(),
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("Could not reach the relay"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("k").exists(), "no key file is left behind");
}
