//! What the engine tells the app, as it happens. The shell forwards each event to the UI
//! under its [`CoreEvent::name`] and shows [`CoreEvent::notification`] as an OS
//! notification; neither ever carries private content.

use peerline_protocol::relay::Event;
use serde::Serialize;

use crate::session::VaultStatus;
use crate::talk::officer::RequestView;

/// A content-free change on the team, for a peer supporter's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeerEvent {
    /// The request it is about; `None` after a reconnect, when anything may have changed.
    pub request_id: Option<String>,
    /// Whether it is news a peer should be told about (a new or escalated request).
    pub new_request: bool,
}

/// Something changed in a request's conversation (on either role's phone): the screen
/// reads it again. Content-free like every event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationEvent {
    /// The request.
    pub request_id: String,
    /// How many new messages from the other side arrived (0: a mark moved, or one was sent).
    pub arrived: u32,
}

/// What a notification about a new message says: nothing of it.
pub const NEW_MESSAGE_TEXT: &str = "New message";

/// Whether this peer supporter is on duty, as this device last set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DutyStatus {
    /// On duty until then (Unix seconds); `None` when off duty (or not set from here).
    pub on_duty_until: Option<i64>,
}

/// Every event the engine emits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum CoreEvent {
    /// The vault locked, unlocked or changed state.
    VaultStatus(VaultStatus),
    /// One of the officer's requests changed (sent, delivered, accepted, closed, …).
    RequestUpdated(RequestView),
    /// Something changed on the team (peer role).
    PeerEvent(PeerEvent),
    /// The daily check-in reminder is due.
    ReminderDue,
    /// The peer went on or off duty (from the app, the tray, or the end of the stretch).
    Duty(DutyStatus),
    /// A request's conversation changed.
    Conversation(ConversationEvent),
    /// A device link moved on (a device used the link, it was linked, or it ended).
    Link(crate::sync::link::LinkView),
}

/// The IPC name of each event, with the TypeScript type of its payload: the source of the
/// UI's generated event map.
pub const EVENT_NAMES: &[(&str, &str)] = &[
    ("vault-status", "VaultStatus"),
    ("request-updated", "RequestView"),
    ("peer-event", "PeerEvent"),
    ("reminder-due", "null"),
    ("duty", "DutyStatus"),
    ("conversation", "ConversationEvent"),
    ("link", "LinkView"),
];

impl CoreEvent {
    /// The name the UI listens to.
    pub fn name(&self) -> &'static str {
        match self {
            Self::VaultStatus(_) => EVENT_NAMES[0].0,
            Self::RequestUpdated(_) => EVENT_NAMES[1].0,
            Self::PeerEvent(_) => EVENT_NAMES[2].0,
            Self::ReminderDue => EVENT_NAMES[3].0,
            Self::Duty(_) => EVENT_NAMES[4].0,
            Self::Conversation(_) => EVENT_NAMES[5].0,
            Self::Link(_) => EVENT_NAMES[6].0,
        }
    }

    /// The payload the UI receives, as JSON.
    pub fn payload(&self) -> serde_json::Value {
        let value = match self {
            Self::VaultStatus(s) => serde_json::to_value(s),
            Self::RequestUpdated(r) => serde_json::to_value(r),
            Self::PeerEvent(p) => serde_json::to_value(p),
            Self::ReminderDue => Ok(serde_json::Value::Null),
            Self::Duty(d) => serde_json::to_value(d),
            Self::Conversation(c) => serde_json::to_value(c),
            Self::Link(l) => serde_json::to_value(l),
        };
        value.unwrap_or(serde_json::Value::Null)
    }

    /// The OS notification for this event, as (title, text), when it warrants one. The
    /// words are fixed: a notification shows on a locked screen.
    pub fn notification(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::PeerEvent(PeerEvent {
                new_request: true, ..
            }) => Some(("Peerline", crate::talk::events::NEW_REQUEST_TEXT)),
            Self::ReminderDue => Some((crate::reminders::TITLE, crate::reminders::TEXT)),
            Self::Conversation(ConversationEvent { arrived, .. }) if *arrived > 0 => {
                Some(("Peerline", NEW_MESSAGE_TEXT))
            }
            _ => None,
        }
    }
}

impl PeerEvent {
    /// The inbox's view of a relay event.
    pub fn from_relay(event: &Event) -> Self {
        Self {
            request_id: Some(event.request_id().to_owned()),
            new_request: crate::talk::events::notification_text(event).is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use peerline_protocol::relay::Urgency;

    #[test]
    fn names_are_the_table_and_notifications_say_nothing_private() {
        let new = CoreEvent::PeerEvent(PeerEvent::from_relay(&Event::NewRequest {
            request_id: "r1".into(),
            urgency: Urgency::Now,
        }));
        assert_eq!(new.name(), "peer-event");
        assert_eq!(new.notification(), Some(("Peerline", "New peer request")));
        let claimed = CoreEvent::PeerEvent(PeerEvent::from_relay(&Event::Claimed {
            request_id: "r1".into(),
        }));
        assert_eq!(claimed.notification(), None);
        assert_eq!(
            CoreEvent::ReminderDue.notification(),
            Some(("Peerline", "Time for your check-in"))
        );
        assert_eq!(CoreEvent::ReminderDue.payload(), serde_json::Value::Null);
        let message = CoreEvent::Conversation(ConversationEvent {
            request_id: "r1".into(),
            arrived: 2,
        });
        assert_eq!(message.notification(), Some(("Peerline", "New message")));
        let mark = CoreEvent::Conversation(ConversationEvent {
            request_id: "r1".into(),
            arrived: 0,
        });
        assert_eq!(mark.notification(), None);
        // A link's code is for the screen, never for a notification.
        let link = CoreEvent::Link(crate::sync::link::LinkView {
            link: None,
            state: crate::sync::link::LinkState::Confirm {
                code: "4821".into(),
            },
            expires_at: 0,
        });
        assert_eq!(link.name(), "link");
        assert_eq!(link.notification(), None);
        let names: Vec<_> = EVENT_NAMES.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "vault-status",
                "request-updated",
                "peer-event",
                "reminder-due",
                "duty",
                "conversation",
                "link"
            ]
        );
    }
}
