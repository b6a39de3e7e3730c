//! A coordinator, a real relay on 127.0.0.1 and app cores, as in the field.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_core::clock::ManualClock;
use peerline_core::session::{Session, SessionConfig};
use peerline_core::talk::{peer, team};
use peerline_core::vault::wrap::KdfParams;
use peerline_protocol::auth::{Signer, secret_hash_hex};
use peerline_protocol::b64;
use peerline_protocol::documents::{Directory, DirectoryEntry, Roster, RosterPeer};
use peerline_protocol::invite::Invite;
use peerline_protocol::relay::*;
use peerline_relay::client::{SignedClient, generate_key};
use peerline_relay::{Limits, RunningRelay, ServeConfig};
use reqwest::Method;

pub const ADMIN: &str = "e2e-admin-token-0123456789";

pub struct World {
    pub relay: Option<RunningRelay>,
    pub dir: tempfile::TempDir,
    pub addr: std::net::SocketAddr,
    pub team_id: String,
    pub team_key: SigningKey,
}

pub async fn start_relay(db: PathBuf, addr: &str) -> RunningRelay {
    peerline_relay::start(ServeConfig {
        listen: addr.parse().unwrap(),
        database: db,
        admin_token: Some(ADMIN.into()),
        insecure_behind_proxy: false,
        tls: None,
        limits: Limits::default(),
    })
    .await
    .unwrap()
}

impl World {
    pub async fn new(escalation_secs: u32) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let relay = start_relay(dir.path().join("relay.db"), "127.0.0.1:0").await;
        let addr = relay.addr;
        let team_key = generate_key();
        let created: TeamCreated = SignedClient::anonymous(&relay.url())
            .call(
                Method::POST,
                "/v1/teams",
                Some(&CreateTeam {
                    team_public_key: b64::encode(team_key.verifying_key().as_bytes()),
                    escalation_secs: Some(escalation_secs),
                    tokens_per_day: None,
                }),
                &[("authorization", &format!("Bearer {ADMIN}"))],
            )
            .await
            .unwrap();
        Self {
            relay: Some(relay),
            dir,
            addr,
            team_id: created.team_id,
            team_key,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn relay_db(&self) -> PathBuf {
        self.dir.path().join("relay.db")
    }

    pub async fn stop_relay(&mut self) {
        if let Some(r) = self.relay.take() {
            r.stop().await;
        }
    }

    pub async fn start_relay_again(&mut self) {
        self.relay = Some(start_relay(self.relay_db(), &self.addr.to_string()).await);
    }

    fn coordinator(&self) -> SignedClient {
        SignedClient::signed(
            &self.url(),
            Signer::Team(self.team_id.clone()),
            self.team_key.clone(),
        )
    }

    /// A one-use invite link, as `peerline-relay invite issue` prints it.
    pub async fn invite(&self) -> String {
        self.invite_to(&self.url()).await
    }

    /// A one-use invite naming `relay_url` (e.g. a recording proxy in front of the relay).
    pub async fn invite_to(&self, relay_url: &str) -> String {
        let code = format!("code{}", peerline_core::random_id());
        let _: serde_json::Value = self
            .coordinator()
            .call(
                Method::POST,
                &format!("/v1/teams/{}/invites", self.team_id),
                Some(&IssueInvite {
                    expires_at: now() + 3600,
                    max_uses: 1,
                    code_hash: secret_hash_hex(&code),
                }),
                &[],
            )
            .await
            .unwrap();
        Invite {
            relay_url: relay_url.to_owned(),
            team_id: self.team_id.clone(),
            team_public_key: self.team_key.verifying_key().to_bytes(),
            code,
        }
        .to_link()
    }

    /// A phone with a vault, joined to the team.
    pub async fn phone(&self) -> Phone {
        self.phone_via(&self.url()).await
    }

    /// A phone that reaches the relay at `relay_url`.
    pub async fn phone_via(&self, relay_url: &str) -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Session::start_with_clock(
            SessionConfig {
                data_dir: dir.path().join("vault"),
                kdf: KdfParams::OWASP_MINIMUM,
                store: Err("e2e: passcode custody".into()),
            },
            Arc::new(ManualClock::new(now(), 0)),
        );
        s.create(Some("e2e-passcode")).unwrap();
        let phone = Phone {
            session: Mutex::new(s),
            _dir: dir,
        };
        team::join(&phone.session, &self.invite_to(relay_url).await)
            .await
            .unwrap();
        phone
    }

    /// Signs and publishes a roster of these peers (display names given).
    pub async fn publish_roster(&self, version: u64, peers: &[(&Phone, &str, &str)]) {
        let roster = Roster {
            peers: peers
                .iter()
                .map(|(phone, key_id, name)| {
                    let keys = phone
                        .session
                        .lock()
                        .unwrap()
                        .vault()
                        .map(|v| peer::ensure_identity(v, Some(key_id)))
                        .unwrap()
                        .unwrap();
                    RosterPeer {
                        key_id: keys.key_id,
                        display_name: (*name).to_owned(),
                        languages: vec!["en".into()],
                        specialties: vec![],
                        on_duty_hours: None,
                        age_recipient: keys.age_recipient,
                        signing_key: keys.signing_key,
                    }
                })
                .collect(),
        };
        self.publish(
            BlobKind::Roster,
            version,
            serde_json::to_vec(&roster).unwrap(),
        )
        .await;
    }

    /// Signs and publishes the agency's directory, as `peerline-relay directory
    /// sign-publish` does.
    pub async fn publish_directory(&self, version: u64, entries: Vec<DirectoryEntry>) {
        let doc = Directory { entries };
        doc.validate().unwrap();
        self.publish(
            BlobKind::Directory,
            version,
            serde_json::to_vec(&doc).unwrap(),
        )
        .await;
    }

    /// A blob signed with the team key, exactly as the coordinator's tool makes it.
    pub fn signed_blob(&self, kind: BlobKind, version: u64, payload: &[u8]) -> SignedBlob {
        let sig = self
            .team_key
            .sign(&blob_signing_message(&self.team_id, kind, version, payload));
        SignedBlob {
            version,
            payload: b64::encode(payload),
            signature: b64::encode(&sig.to_bytes()),
        }
    }

    async fn publish(&self, kind: BlobKind, version: u64, payload: Vec<u8>) {
        let _: serde_json::Value = self
            .coordinator()
            .call(
                Method::PUT,
                &format!("/v1/teams/{}/{}", self.team_id, kind.as_str()),
                Some(&self.signed_blob(kind, version, &payload)),
                &[],
            )
            .await
            .unwrap();
    }
}

pub struct Phone {
    pub session: Mutex<Session>,
    _dir: tempfile::TempDir,
}

impl Phone {
    /// Runs one statement on this phone's vault (tests reach under the API to stage a case).
    pub fn sql(&self, statement: &str, params: impl rusqlite::Params) -> usize {
        self.session
            .lock()
            .unwrap()
            .vault()
            .unwrap()
            .conn()
            .execute(statement, params)
            .unwrap()
    }

    /// One integer from this phone's vault.
    pub fn count(&self, query: &str) -> i64 {
        self.session
            .lock()
            .unwrap()
            .vault()
            .unwrap()
            .conn()
            .query_row(query, [], |r| r.get(0))
            .unwrap()
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Every byte of every file under `dir`.
pub fn files_contain(dir: &std::path::Path, needle: &[u8]) -> Vec<PathBuf> {
    let mut hits = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_file()
            && std::fs::read(&p)
                .unwrap()
                .windows(needle.len())
                .any(|w| w == needle)
        {
            hits.push(p);
        }
    }
    hits
}
