//! Demo mode (`PEERLINE_DEMO=1`, the default of `scripts/run.sh`): an embedded relay on
//! 127.0.0.1, a demo team whose coordinator key and three demo peers live in a throw-away
//! folder, and demo peers that take requests and answer, so every flow can be tried on one
//! machine. Nothing here runs unless asked for.

use std::sync::Mutex;

use peerline_client::{Coordinator, TeamSettings};
use peerline_core::engine::{CoreEvent, Engine};
use peerline_core::session::{Session, SessionConfig};
use peerline_core::talk::conversation::{self, Said};
use peerline_core::talk::{peer, team};
use peerline_core::vault::wrap::KdfParams;
use peerline_protocol::documents::{
    Directory, Gender, RankGroup, Roster, RosterPeer, ServiceYears,
};
use peerline_protocol::relay::BlobKind;

/// The demo's peers: key id, name, unit, gender, languages. Varied, so choosing (not my
/// unit, a woman, Spanish) has something to choose from.
const PEERS: [(&str, &str, &str, Gender, &[&str]); 3] = [
    (
        "sam",
        "Sam (demo)",
        "Patrol North",
        Gender::Man,
        &["English"],
    ),
    (
        "lee",
        "Lee (demo)",
        "Dispatch",
        Gender::Woman,
        &["English", "Spanish"],
    ),
    ("kim", "Kim (demo)", "Traffic", Gender::Woman, &["English"]),
];

/// The running demo.
pub struct Demo {
    /// An invite for this app to join the demo team.
    pub invite: String,
    /// The embedded relay; it stops when this is dropped.
    pub relay: peerline_relay::RunningRelay,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Starts the relay, the team and its demo peers. Runs on the async runtime for the life
/// of the app.
pub async fn start() -> Result<Demo, String> {
    let dir = std::env::temp_dir().join(format!("peerline-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let admin = peerline_core::random_id();
    let relay = peerline_relay::start(peerline_relay::ServeConfig {
        listen: "127.0.0.1:0"
            .parse()
            .map_err(|_| "bad address".to_owned())?,
        database: dir.join("relay.db").into(),
        admin_token: Some(admin.clone()),
        insecure_behind_proxy: false,
        tls: None,
        limits: Default::default(),
        push: Default::default(),
    })
    .await
    .map_err(|e| e.to_string())?;
    let url = relay.url();

    let coordinator = Coordinator::create_team(
        &url,
        &admin,
        TeamSettings {
            escalation_secs: Some(120),
            tokens_per_day: None,
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    let issue = |uses: u32| {
        let coordinator = &coordinator;
        async move {
            coordinator
                .issue_invite(uses, now() + 7 * 86_400)
                .await
                .map(|issued| issued.invite.to_link())
                .map_err(|e| e.to_string())
        }
    };

    let mut peers = Vec::new();
    let mut roster = Vec::new();
    for (key_id, name, unit, gender, languages) in PEERS {
        let mut s = Session::start(SessionConfig {
            data_dir: dir.join(key_id),
            kdf: KdfParams::OWASP_MINIMUM,
            store: Err("demo peer".into()),
        });
        s.create(Some(&peerline_core::random_id()))
            .map_err(|e| e.to_string())?;
        let session = Mutex::new(s);
        team::join(&session, &issue(1).await?)
            .await
            .map_err(|e| e.to_string())?;
        let keys = {
            let s = session.lock().map_err(|_| "poisoned".to_owned())?;
            peer::ensure_identity(s.vault().map_err(|e| e.to_string())?, Some(key_id))
                .map_err(|e| e.to_string())?
        };
        roster.push(RosterPeer {
            key_id: keys.key_id,
            display_name: name.into(),
            languages: languages.iter().map(|l| (*l).to_owned()).collect(),
            specialties: vec!["critical incident".into()],
            on_duty_hours: Some("Always (demo)".into()),
            age_recipient: keys.age_recipient,
            signing_key: keys.signing_key,
            unit: Some(unit.into()),
            gender: Some(gender),
            rank_group: Some(RankGroup::Sworn),
            service_years: Some(ServiceYears::From5To14),
            schedule: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
                .iter()
                .map(|d| format!("{d} 00-24"))
                .collect(),
        });
        peers.push((name, session));
    }
    let publish = |kind: BlobKind, payload: Vec<u8>| {
        let coordinator = &coordinator;
        async move {
            coordinator
                .publish(kind, &payload, Some(1))
                .await
                .map(drop)
                .map_err(|e| e.to_string())
        }
    };
    let roster = serde_json::to_vec(&Roster { peers: roster }).map_err(|e| e.to_string())?;
    publish(BlobKind::Roster, roster).await?;
    publish(BlobKind::Directory, demo_directory()?).await?;
    for (name, session) in peers {
        let _ = team::sync_roster(&session).await;
        let _ = peer::set_duty(&session, 24 * 60).await;
        let engine = Engine::new(session.into_inner().unwrap_or_else(|p| p.into_inner()));
        tauri::async_runtime::spawn(answer_forever(name, engine));
    }
    let link = issue(10).await?;
    tracing::info!("demo team ready on the embedded relay");
    Ok(Demo {
        invite: link,
        relay,
    })
}

/// The demo agency's directory: made-up counselors, EAP, chaplain and programs with
/// numbers from the 555-01xx range reserved for fiction.
fn demo_directory() -> Result<Vec<u8>, String> {
    let doc: Directory = serde_json::from_str(include_str!("../data/demo_directory.json"))
        .map_err(|e| format!("demo directory: {e}"))?;
    doc.validate().map_err(|e| format!("demo directory: {e}"))?;
    serde_json::to_vec(&doc).map_err(|e| e.to_string())
}

/// A demo peer: its own engine keeps it on its team's live events; on each, it takes any
/// open request it can read and answers with an ETA.
async fn answer_forever(name: &'static str, engine: Engine) {
    let first = name.split(' ').next().unwrap_or(name);
    let mut events = engine.subscribe();
    let driver = engine.clone();
    tauri::async_runtime::spawn(async move { driver.run().await });
    loop {
        match events.recv().await {
            Ok(CoreEvent::PeerEvent(_))
            | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {
                answer_open(&engine, first).await;
            }
            Ok(CoreEvent::Conversation(c)) if c.arrived > 0 => {
                answer_message(&engine, first, &c.request_id).await;
            }
            Ok(_) => {}
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        }
    }
}

/// A demo peer reads what the officer wrote and answers, so the conversation can be tried.
async fn answer_message(engine: &Engine, first: &str, id: &str) {
    let id = id.to_owned();
    let read = id.clone();
    let _ = engine
        .flow(|s| async move { conversation::mark_read(&*s, &read).await })
        .await;
    let text = format!("{first} (demo) here. I read your message; take your time.");
    let _ = engine
        .flow(|s| async move { conversation::send(&*s, &id, Said::Text { text }).await })
        .await;
}

async fn answer_open(engine: &Engine, first: &str) {
    let Ok(items) = engine.flow(|s| async move { peer::inbox(&*s).await }).await else {
        return;
    };
    for item in items.into_iter().filter(|i| i.open) {
        let id = item.request_id;
        let claimed = engine
            .flow(|s| {
                let id = id.clone();
                async move { peer::claim(&*s, &id).await }
            })
            .await;
        if claimed.is_ok() {
            let message = format!("This is {first}, a demo peer. I'll call you in 10 minutes.");
            let _ = engine
                .flow(|s| async move { peer::reply(&*s, &id, &message, 10).await })
                .await;
        }
    }
}
