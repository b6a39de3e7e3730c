//! The engine's live connections to the relay: each a task that listens until the
//! connection ends and then reports back, so the engine can reconnect after a backoff.

use peerline_client::ErrorCode;
use peerline_protocol::relay::{Author, Event};

use super::{CoreEvent, Engine, Live, PeerEvent};
use crate::talk::VaultAccess as _;
use crate::talk::team::require_membership;

/// Starts the connection `key` on the current async runtime.
pub(super) fn spawn(
    engine: Engine,
    key: Live,
    generation: u64,
    secret: Option<String>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        match (&key, secret) {
            (Live::Team, _) => team(&engine, &key).await,
            (Live::Request(id), Some(secret)) => request(&engine, &key, id, &secret).await,
            (Live::Request(_), None) => {}
        }
        engine.live_ended(&key, generation);
    })
}

/// A peer supporter's team events: each becomes a content-free `PeerEvent` (the UI
/// re-reads the inbox; a new request raises the fixed notification).
async fn team(engine: &Engine, key: &Live) {
    // From the engine, not the vault: this connection carries on while the vault is locked.
    let Some(m) = engine.team_membership() else {
        return;
    };
    let Ok(client) = m.client() else { return };
    let mut events = match client.team_events(&m.team_id).await {
        Ok(events) => events,
        Err(e) => {
            tracing::debug!(error = %e, "team events: no connection");
            return;
        }
    };
    engine.live_connected(key);
    // Anything may have changed while it was down: the inbox reads everything again.
    engine.emit(CoreEvent::PeerEvent(PeerEvent {
        request_id: None,
        new_request: false,
    }));
    // And this peer's conversations: what arrived meanwhile, and what waited to go.
    engine.peer_conversations().await;
    while let Some(event) = events.next().await {
        match &event {
            Event::Conversation {
                request_id,
                to: Author::Peer,
            } => engine.peer_conversation(request_id).await,
            // The officer's side of a conversation: nothing for a peer's phone.
            Event::Conversation { .. } => {}
            _ => {
                let mut e = PeerEvent::from_relay(&event);
                if e.new_request {
                    e.new_request = engine.worth_telling(event.request_id()).await;
                }
                engine.emit(CoreEvent::PeerEvent(e));
            }
        }
    }
}

/// One of the officer's requests: on connecting and on each event, its status is read once
/// (replies verified, escalation widened) and the app told what changed.
async fn request(engine: &Engine, key: &Live, id: &str, secret: &str) {
    let session = engine.session();
    let Ok(m) = session.with_vault(|v| require_membership(v)) else {
        return;
    };
    // Anonymous: the request is followed with its secret, never with the device id.
    let client = match peerline_client::RelayClient::anonymous(&m.relay_url) {
        Ok(c) => c,
        Err(_) => return,
    };
    let mut events = match client.request_events(id, secret).await {
        Ok(events) => events,
        Err(e) => {
            // Gone from the relay (closed, expired): reading its status closes it here too,
            // and the engine stops following it.
            let gone = e.code() == Some(ErrorCode::UnknownRequest)
                || matches!(e, peerline_client::ClientError::Refused { status: 404, .. });
            if gone {
                engine.refresh_request(id).await;
            }
            tracing::debug!(error = %e, "request events: no connection");
            return;
        }
    };
    engine.live_connected(key);
    // Catch up on anything that happened before (or while) the connection was down.
    engine.refresh_request(id).await;
    while let Some(event) = events.next().await {
        match event {
            Event::Conversation {
                to: Author::Officer,
                ..
            } => engine.conversation(id).await,
            Event::Conversation { .. } => {}
            _ => engine.refresh_request(id).await,
        }
        if matches!(event, Event::Closed { .. }) {
            break;
        }
    }
}

/// A uniformly random whole number of seconds in `lo..=hi`.
pub(super) fn random_between(lo: i64, hi: i64) -> i64 {
    use chacha20poly1305::aead::{OsRng, rand_core::RngCore as _};
    let span = u64::try_from(hi.saturating_sub(lo).max(0)).unwrap_or(0) + 1;
    lo + i64::try_from(OsRng.next_u64() % span).unwrap_or(0)
}
