//! Wake-ups for phones whose app is not connected. Payloads carry ids only: the app fetches
//! and decrypts the request itself, so APNs, FCM or a UnifiedPush distributor learn nothing.

use peerline_protocol::relay::Event;

/// A content-free wake-up channel.
pub trait Push: Send + Sync + 'static {
    /// Wakes the team's devices about `event`.
    fn wake(&self, team_id: &str, event: &Event);
}

/// Logs the wake-up instead of sending it (until the platform push services are wired).
#[derive(Debug, Default)]
pub struct LogPush;

impl Push for LogPush {
    fn wake(&self, team_id: &str, event: &Event) {
        let kind = match event {
            Event::NewRequest { .. } => "new_request",
            Event::Claimed { .. } => "claimed",
            Event::Replied { .. } => "replied",
            Event::Closed { .. } => "closed",
            Event::Escalated { .. } => "escalated",
            Event::Delivered { .. } => "delivered",
        };
        tracing::debug!(team_id, kind, "push wake-up (log only)");
    }
}
