//! The relay's endpoints: each path template exactly as the relay's router declares it, and
//! a builder that fills it in for a client. Both sides use these; nothing else spells a
//! `/v1/…` path.

/// Liveness and version.
pub const HEALTH: &str = "/v1/health";
/// The OpenAPI description.
pub const OPENAPI: &str = "/v1/openapi.json";
/// Create a team (operator's admin token).
pub const TEAMS: &str = "/v1/teams";
/// A team's status (team-signed).
pub const TEAM: &str = "/v1/teams/{team}";
/// Issue and list invites (team-signed).
pub const TEAM_INVITES: &str = "/v1/teams/{team}/invites";
/// Revoke one invite (team-signed).
pub const TEAM_INVITE: &str = "/v1/teams/{team}/invites/{invite}";
/// Register a device with an invite.
pub const DEVICES: &str = "/v1/devices";
/// Who is on duty (anyone) and set one's duty (device-signed).
pub const TEAM_DUTY: &str = "/v1/teams/{team}/duty";
/// The token keys that sign anonymous request tokens.
pub const TEAM_TOKEN_KEYS: &str = "/v1/teams/{team}/token-keys";
/// Blind-sign a batch of request tokens (device-signed).
pub const TEAM_TOKENS: &str = "/v1/teams/{team}/tokens";
/// The program's figures, aggregate only (team-signed).
pub const TEAM_FIGURES: &str = "/v1/teams/{team}/figures";
/// A signed document of the team (`{kind}` is a [`crate::relay::BlobKind`]).
pub const TEAM_BLOB: &str = "/v1/teams/{team}/{kind}";
/// Post a request (anonymous token) and list open ones (device-signed).
pub const TEAM_REQUESTS: &str = "/v1/teams/{team}/requests";
/// The team's live, content-free events (device-signed WebSocket).
pub const TEAM_EVENTS: &str = "/v1/teams/{team}/events";
/// One request's status (status secret) and closing it.
pub const REQUEST: &str = "/v1/requests/{id}";
/// Claim a request (device-signed).
pub const REQUEST_CLAIM: &str = "/v1/requests/{id}/claim";
/// Reply to the officer (the claimer, device-signed).
pub const REQUEST_REPLY: &str = "/v1/requests/{id}/reply";
/// Re-encrypt to every peer after escalation (status secret).
pub const REQUEST_WIDEN: &str = "/v1/requests/{id}/widen";
/// POST a message to the other side, GET theirs (the officer with the status secret, the
/// claiming peer's device signed).
pub const REQUEST_MESSAGES: &str = "/v1/requests/{id}/messages";
/// POST: the other side's messages up to a sequence were shown; the relay deletes them.
pub const REQUEST_MESSAGES_READ: &str = "/v1/requests/{id}/messages/read";
/// POST (status secret): the officer agrees to a hand-off; the request goes to other peers.
pub const REQUEST_HANDOFF: &str = "/v1/requests/{id}/handoff";
/// One request's live events (status secret WebSocket).
pub const REQUEST_EVENTS: &str = "/v1/requests/{id}/events";
/// GET: the relay's VAPID public key (RFC 8292), for push subscriptions.
pub const PUSH_KEY: &str = "/v1/push-key";
/// PUT, DELETE (signed by a peer's device): the device's push subscription.
pub const TEAM_PUSH: &str = "/v1/teams/{team}/push";
/// PUT, DELETE (with the status secret): the officer's push subscription for one request.
pub const REQUEST_PUSH: &str = "/v1/requests/{id}/push";
/// PUT (paid with an anonymous token), GET, DELETE (with the box secret): an officer's
/// sync box, which holds their own devices' encrypted records.
pub const SYNC_BOX: &str = "/v1/boxes/{box}";
/// POST (with the box secret): one more encrypted record.
pub const SYNC_BOX_RECORDS: &str = "/v1/boxes/{box}/records";
/// PUT (with the box secret): a snapshot that replaces every record up to its sequence.
pub const SYNC_BOX_SNAPSHOT: &str = "/v1/boxes/{box}/snapshot";

/// Every path template, for checks that the router and the description cover them all.
pub const ALL: &[&str] = &[
    HEALTH,
    OPENAPI,
    TEAMS,
    TEAM,
    TEAM_INVITES,
    TEAM_INVITE,
    DEVICES,
    TEAM_DUTY,
    TEAM_TOKEN_KEYS,
    TEAM_TOKENS,
    TEAM_FIGURES,
    TEAM_BLOB,
    TEAM_REQUESTS,
    TEAM_EVENTS,
    REQUEST,
    REQUEST_CLAIM,
    REQUEST_REPLY,
    REQUEST_WIDEN,
    REQUEST_MESSAGES,
    REQUEST_MESSAGES_READ,
    REQUEST_HANDOFF,
    REQUEST_EVENTS,
    PUSH_KEY,
    TEAM_PUSH,
    REQUEST_PUSH,
    SYNC_BOX,
    SYNC_BOX_RECORDS,
    SYNC_BOX_SNAPSHOT,
];

/// Fills a template's `{…}` segments in order with `values`. Ids on this API are hex or
/// base64url, so they are put in as they are; a value with a `/` would be a caller's bug.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 32 * values.len());
    let mut values = values.iter();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        out.push_str(values.next().copied().unwrap_or_default());
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

/// `/v1/requests/{id}/messages`.
pub fn request_messages(id: &str) -> String {
    fill(REQUEST_MESSAGES, &[id])
}

/// `/v1/requests/{id}/messages/read`.
pub fn request_messages_read(id: &str) -> String {
    fill(REQUEST_MESSAGES_READ, &[id])
}

/// `/v1/requests/{id}/handoff`.
pub fn request_handoff(id: &str) -> String {
    fill(REQUEST_HANDOFF, &[id])
}

/// `/v1/teams/{team}`.
pub fn team(team: &str) -> String {
    fill(TEAM, &[team])
}
/// `/v1/teams/{team}/figures`.
pub fn team_figures(team: &str) -> String {
    fill(TEAM_FIGURES, &[team])
}
/// `/v1/teams/{team}/invites`.
pub fn team_invites(team: &str) -> String {
    fill(TEAM_INVITES, &[team])
}
/// `/v1/teams/{team}/invites/{invite}`.
pub fn team_invite(team: &str, invite: &str) -> String {
    fill(TEAM_INVITE, &[team, invite])
}
/// `/v1/teams/{team}/duty`.
pub fn team_duty(team: &str) -> String {
    fill(TEAM_DUTY, &[team])
}
/// `/v1/teams/{team}/token-keys`.
pub fn team_token_keys(team: &str) -> String {
    fill(TEAM_TOKEN_KEYS, &[team])
}
/// `/v1/teams/{team}/tokens`.
pub fn team_tokens(team: &str) -> String {
    fill(TEAM_TOKENS, &[team])
}
/// `/v1/teams/{team}/{kind}`.
pub fn team_blob(team: &str, kind: crate::relay::BlobKind) -> String {
    fill(TEAM_BLOB, &[team, kind.as_str()])
}
/// `/v1/teams/{team}/requests`.
pub fn team_requests(team: &str) -> String {
    fill(TEAM_REQUESTS, &[team])
}
/// `/v1/teams/{team}/events`.
pub fn team_events(team: &str) -> String {
    fill(TEAM_EVENTS, &[team])
}
/// `/v1/requests/{id}`.
pub fn request(id: &str) -> String {
    fill(REQUEST, &[id])
}
/// `/v1/requests/{id}/claim`.
pub fn request_claim(id: &str) -> String {
    fill(REQUEST_CLAIM, &[id])
}
/// `/v1/requests/{id}/reply`.
pub fn request_reply(id: &str) -> String {
    fill(REQUEST_REPLY, &[id])
}
/// `/v1/requests/{id}/widen`.
pub fn request_widen(id: &str) -> String {
    fill(REQUEST_WIDEN, &[id])
}
/// `/v1/requests/{id}/events`.
pub fn request_events(id: &str) -> String {
    fill(REQUEST_EVENTS, &[id])
}
/// `/v1/teams/{team}/push`.
pub fn team_push(team: &str) -> String {
    fill(TEAM_PUSH, &[team])
}
/// `/v1/requests/{id}/push`.
pub fn request_push(id: &str) -> String {
    fill(REQUEST_PUSH, &[id])
}
/// `/v1/boxes/{box}`.
pub fn sync_box(id: &str) -> String {
    fill(SYNC_BOX, &[id])
}
/// `/v1/boxes/{box}/records`.
pub fn sync_box_records(id: &str) -> String {
    fill(SYNC_BOX_RECORDS, &[id])
}
/// `/v1/boxes/{box}/snapshot`.
pub fn sync_box_snapshot(id: &str) -> String {
    fill(SYNC_BOX_SNAPSHOT, &[id])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::relay::BlobKind;

    #[test]
    fn templates_fill_in_order() {
        assert_eq!(team_invite("t1", "i2"), "/v1/teams/t1/invites/i2");
        assert_eq!(team_blob("t1", BlobKind::Roster), "/v1/teams/t1/roster");
        assert_eq!(request_events("r9"), "/v1/requests/r9/events");
        assert_eq!(fill(HEALTH, &[]), HEALTH);
    }

    #[test]
    fn every_template_is_versioned_and_balanced() {
        for t in ALL {
            assert!(t.starts_with("/v1/"), "{t}");
            assert_eq!(t.matches('{').count(), t.matches('}').count(), "{t}");
        }
    }
}
