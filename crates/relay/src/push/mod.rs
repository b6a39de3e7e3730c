//! Wake-ups for phones whose app is not connected: standard Web Push (RFC 8030 delivery,
//! RFC 8291 message encryption, RFC 8292 VAPID), which UnifiedPush distributors and
//! browsers speak. Every payload is the fixed [`PUSH_WAKE_WORD`]: the app fetches and
//! decrypts what changed itself, so a push service learns nothing but "wake up".
//!
//! A wake is queued on the node that caused the event (the one that stored the post, won
//! the escalation or the claim), so each is sent once, by one node; the queue is bounded
//! and sending never holds up the request that caused it.
//!
//! [`PUSH_WAKE_WORD`]: peerline_protocol::relay::PUSH_WAKE_WORD

mod sender;
mod subscription;
mod vapid;

use std::time::Duration;

use peerline_protocol::relay::{Author, Event, Urgency};

pub use sender::WebPush;
pub use subscription::check_subscription;
pub use vapid::VapidKey;

/// A content-free wake-up channel.
pub trait Push: Send + Sync + 'static {
    /// Wakes whoever `event` concerns in the team; never waits on a push service.
    fn wake(&self, team_id: &str, event: &Event);
}

/// Sends nothing: for a relay built into the demo, or tests that do not look at pushes.
#[derive(Debug, Default)]
pub struct NoPush;

impl Push for NoPush {
    fn wake(&self, _team_id: &str, _event: &Event) {}
}

/// How the relay sends pushes.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// The operator's contact for push services (the VAPID `sub` claim): a `mailto:` or
    /// `https:` address. Services may refuse pushes without one.
    pub contact: String,
    /// Accept `http://127.0.0.1` (and `[::1]`, `localhost`) endpoints: tests, or a push
    /// distributor on the relay's own machine. Off in production: the relay would then
    /// make requests to its own machine at a client's word.
    pub allow_loopback_endpoints: bool,
    /// Wakes waiting to be sent before new ones are dropped (the WebSocket still carries
    /// the event to connected apps; a dropped wake is only a later notice).
    pub queue: usize,
    /// Pushes in flight at once.
    pub concurrency: usize,
    /// Longest wait for one push service answer.
    pub timeout: Duration,
    /// Tries per push when the service answers 429, 5xx or not at all.
    pub attempts: u32,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            contact: "mailto:operator@peerline.invalid".into(),
            allow_loopback_endpoints: false,
            queue: 4096,
            concurrency: 32,
            timeout: Duration::from_secs(10),
            attempts: 3,
        }
    }
}

/// Whose devices an event wakes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// The peers the request was encrypted to (every peer of the team when it names none).
    Recipients(String),
    /// Every peer with a subscription in the team.
    Team,
    /// The officer's subscription for this request.
    Officer(String),
    /// The devices of the peer who took this request.
    Claimer(String),
}

/// One wake to send: to whom, how urgent (RFC 8030 `Urgency`), how long a push service
/// may hold it (`TTL`, seconds), and whether the officer's subscription ends with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wake {
    /// The team.
    pub team_id: String,
    /// Whose devices.
    pub audience: Audience,
    /// RFC 8030 urgency.
    pub urgency: web_push::Urgency,
    /// RFC 8030 time to live, seconds.
    pub ttl: u32,
    /// The request is gone: forget the officer's subscription after this wake.
    pub last: bool,
}

/// An hour: a peer or officer woken later than that still finds the request (or learns it
/// closed), but a wake that old is noise.
const TTL: u32 = 3600;

impl Wake {
    /// What `event` wakes, if anything. Peers hear of new and escalated requests; the
    /// officer hears of their own request's progress (delivered, taken, answered, closed).
    pub fn for_event(team_id: &str, event: &Event) -> Self {
        use web_push::Urgency as U;
        let (audience, urgency, last) = match event {
            Event::NewRequest {
                request_id,
                urgency,
            } => (
                Audience::Recipients(request_id.clone()),
                if *urgency == Urgency::Now {
                    U::High
                } else {
                    U::Normal
                },
                false,
            ),
            Event::Escalated { .. } => (Audience::Team, U::High, false),
            Event::Claimed { request_id } | Event::Replied { request_id } => {
                (Audience::Officer(request_id.clone()), U::High, false)
            }
            Event::Delivered { request_id } => {
                (Audience::Officer(request_id.clone()), U::Normal, false)
            }
            Event::Closed { request_id } => (Audience::Officer(request_id.clone()), U::Low, true),
            Event::Conversation { request_id, to } => (
                match to {
                    Author::Officer => Audience::Officer(request_id.clone()),
                    Author::Peer => Audience::Claimer(request_id.clone()),
                },
                U::High,
                false,
            ),
            // Open again for other peers: wake them as for a new request.
            Event::HandedOff { request_id } => {
                (Audience::Recipients(request_id.clone()), U::High, false)
            }
        };
        Self {
            team_id: team_id.to_owned(),
            audience,
            urgency,
            ttl: TTL,
            last,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_hear_of_requests_and_officers_of_their_own() {
        let id = || "r1".to_string();
        let now = Wake::for_event(
            "t",
            &Event::NewRequest {
                request_id: id(),
                urgency: Urgency::Now,
            },
        );
        assert_eq!(now.audience, Audience::Recipients(id()));
        assert_eq!(now.urgency, web_push::Urgency::High);
        let later = Wake::for_event(
            "t",
            &Event::NewRequest {
                request_id: id(),
                urgency: Urgency::ThisWeek,
            },
        );
        assert_eq!(later.urgency, web_push::Urgency::Normal);
        let escalated = Wake::for_event("t", &Event::Escalated { request_id: id() });
        assert_eq!(escalated.audience, Audience::Team);
        let taken = Wake::for_event("t", &Event::Claimed { request_id: id() });
        assert_eq!(taken.audience, Audience::Officer(id()));
        assert!(!taken.last);
        let closed = Wake::for_event("t", &Event::Closed { request_id: id() });
        assert_eq!(closed.audience, Audience::Officer(id()));
        assert!(closed.last);
    }
}
