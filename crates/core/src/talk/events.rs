//! Live, content-free events from the relay over a WebSocket: a peer's device listens to
//! its team (new request, claimed, replied, closed, escalated) and then fetches and
//! decrypts; the events themselves carry ids and states only.

use futures_util::StreamExt as _;
use peerline_protocol::relay::Event;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;

use super::VaultAccess;
use super::team::require_membership;
use crate::error::{Error, Result};

/// Listens to the team's events until the connection ends, calling `on_event` for each.
/// Returns `Ok` when the relay closes the stream (reconnect and re-list then).
pub async fn watch_team<A: VaultAccess>(
    vault: &A,
    mut on_event: impl FnMut(Event) + Send,
) -> Result<()> {
    // One process-wide crypto provider (ring); installing twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let m = vault.with_vault(|v| require_membership(v))?;
    let client = m.client()?;
    let path = format!("/v1/teams/{}/events", m.team_id);
    let mut request = client
        .ws_url(&path)
        .into_client_request()
        .map_err(|_| Error::RelayUnreachable("the relay address is not valid".into()))?;
    for (k, v) in client.auth_headers("GET", &path, b"") {
        let value = v
            .parse()
            .map_err(|_| Error::RelayUnreachable("could not build the request".into()))?;
        request.headers_mut().insert(k, value);
    }
    // Events are a few hundred bytes of ids and states; anything near these limits is a
    // broken or hostile relay, not news (tungstenite's defaults are 64 MiB / 16 MiB).
    let limits = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(64 * 1024))
        .max_frame_size(Some(64 * 1024));
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(request, Some(limits), false)
        .await
        .map_err(|e| {
            Error::RelayUnreachable(match e {
                tokio_tungstenite::tungstenite::Error::Http(res) => format!(
                    "the relay refused to stream events (HTTP {})",
                    res.status().as_u16()
                ),
                tokio_tungstenite::tungstenite::Error::Tls(t)
                    if super::client::is_certificate_error(&t) =>
                {
                    super::client::CERTIFICATE_PROBLEM.into()
                }
                _ => "no connection for live updates".into(),
            })
        })?;
    while let Some(msg) = ws.next().await {
        match msg {
            Ok(Message::Text(text)) => {
                if let Ok(event) = serde_json::from_str::<Event>(&text) {
                    on_event(event);
                }
            }
            Ok(Message::Close(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    Ok(())
}

/// The text of a system notification about a team event: never anything about who or why,
/// because notifications show on a locked screen.
pub fn notification_text(event: &Event) -> Option<&'static str> {
    match event {
        Event::NewRequest { .. } | Event::Escalated { .. } => Some("New peer request"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerline_protocol::relay::Urgency;

    #[test]
    fn notifications_say_nothing_private() {
        let e = Event::NewRequest {
            request_id: "abc".into(),
            urgency: Urgency::Now,
        };
        assert_eq!(notification_text(&e), Some("New peer request"));
        assert_eq!(
            notification_text(&Event::Escalated {
                request_id: "abc".into()
            }),
            Some("New peer request")
        );
        assert_eq!(
            notification_text(&Event::Claimed {
                request_id: "abc".into()
            }),
            None
        );
    }
}
