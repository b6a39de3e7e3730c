//! Live, content-free events from the relay over a WebSocket: a peer's device listens to
//! its team (new request, claimed, replied, closed, escalated) and then fetches and
//! decrypts; the events themselves carry ids and states only.

use peerline_protocol::relay::Event;

use super::VaultAccess;
use super::team::require_membership;
use crate::error::Result;

/// Listens to the team's events until the connection ends, calling `on_event` for each.
/// Returns `Ok` when the relay closes the stream (reconnect and re-list then).
pub async fn watch_team<A: VaultAccess>(
    vault: &A,
    mut on_event: impl FnMut(Event) + Send,
) -> Result<()> {
    let m = vault.with_vault(|v| require_membership(v))?;
    let mut events = m.client()?.team_events(&m.team_id).await?;
    while let Some(event) = events.next().await {
        on_event(event);
    }
    Ok(())
}

/// What a peer's notification says about a new request: nothing about who or why.
pub const NEW_REQUEST_TEXT: &str = "New peer request";

/// The text of a system notification about a team event: never anything about who or why,
/// because notifications show on a locked screen.
pub fn notification_text(event: &Event) -> Option<&'static str> {
    match event {
        Event::NewRequest { .. } | Event::Escalated { .. } | Event::HandedOff { .. } => {
            Some(NEW_REQUEST_TEXT)
        }
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
