//! The relay's JSON API (`/v1`). Binary fields are base64 (no padding). Everything here is
//! either public (keys, ids, versions) or ciphertext the relay cannot read.

use serde::{Deserialize, Serialize};

/// `POST /v1/teams` (operator, with the admin token): register a team's public key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateTeam {
    /// The team's ed25519 signing public key, base64. The private half never leaves the
    /// coordinator's machine. 32 bytes that are not an ed25519 point are refused ("is not an
    /// ed25519 public key").
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{43}={0,1}$"))]
    pub team_public_key: String,
    /// Seconds an urgent ("now") request may stay unclaimed before it goes to every peer.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 86400))]
    #[serde(deserialize_with = "crate::wire_int::opt_u32")]
    pub escalation_secs: Option<u32>,
    /// Anonymous request tokens one device may get per day (the relay's default if absent).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    #[serde(deserialize_with = "crate::wire_int::opt_u32")]
    pub tokens_per_day: Option<u32>,
}

/// Answer to [`CreateTeam`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamCreated {
    /// The new team's id.
    pub team_id: String,
}

/// `GET /v1/teams/{team}` (coordinator): counts only, never who.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TeamStatus {
    /// The team.
    pub team_id: String,
    /// Registered devices.
    pub devices: u64,
    /// Requests not yet closed or expired.
    pub open_requests: u64,
    /// Invites that can still be redeemed.
    pub active_invites: u64,
    /// Latest roster version, if one was published.
    pub roster_version: Option<u64>,
    /// Latest directory version, if one was published.
    pub directory_version: Option<u64>,
    /// Escalation limit for urgent requests, seconds.
    pub escalation_secs: u32,
}

/// `POST /v1/teams/{team}/invites` (coordinator).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueInvite {
    /// Unix seconds after which the invite no longer works; refused when in the past by the
    /// relay's clock.
    #[serde(deserialize_with = "crate::wire_int::i64")]
    pub expires_at: i64,
    /// How many devices may join with it.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 10000))]
    #[serde(deserialize_with = "crate::wire_int::u32")]
    pub max_uses: u32,
    /// SHA-256 (hex) of the invite code. The coordinator's CLI makes the code; the relay
    /// only ever sees its hash.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{64}$"))]
    pub code_hash: String,
}

/// A new invite's id (its code never reaches the relay, only the code's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteIssued {
    /// Id for listing and revoking.
    pub invite_id: String,
}

/// An invite as the coordinator sees it in `invite list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteInfo {
    /// Id for revoking.
    pub invite_id: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Allowed uses.
    pub max_uses: u32,
    /// Uses so far.
    pub uses: u32,
    /// Revoked by the coordinator.
    pub revoked: bool,
}

/// `POST /v1/devices`: redeem an invite and register a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RegisterDevice {
    /// The team from the invite.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub team_id: String,
    /// The code from the invite.
    pub invite_code: String,
    /// The device's ed25519 public key (base64); it signs the device's requests. 32 bytes
    /// that are not an ed25519 point are refused ("is not an ed25519 public key").
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{43}={0,1}$"))]
    pub device_public_key: String,
    /// The team's public key as the invite gave it (base64). The relay refuses the
    /// registration, and keeps the invite unused, when it is not the team's key: a damaged
    /// or altered invite fails at join instead of later, at the first roster check.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{43}={0,1}$"))]
    pub team_public_key: String,
}

/// Answer to [`RegisterDevice`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeviceRegistered {
    /// A random pseudonymous id, unrelated to anything about the person.
    pub device_id: String,
}

/// Which signed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BlobKind {
    /// Peers: names, languages, hours, encryption keys.
    Roster,
    /// The agency's directory of professional help.
    Directory,
}

impl BlobKind {
    /// Path segment and signing label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Roster => "roster",
            Self::Directory => "directory",
        }
    }
}

/// A peer's key id in the team's roster (for the published schema: what a list of
/// recipients holds).
#[cfg(feature = "openapi")]
#[derive(utoipa::ToSchema)]
#[schema(pattern = "^[A-Za-z0-9_-]{1,64}$")]
pub struct RosterKeyId(pub String);

/// A roster or directory, signed by the team key. `PUT /v1/teams/{team}/{kind}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignedBlob {
    /// Strictly increasing; the relay and the app refuse anything older than they hold.
    #[serde(deserialize_with = "crate::wire_int::u64")]
    pub version: u64,
    /// The document (JSON), base64 (canonical: refused as "not base64" otherwise).
    pub payload: String,
    /// ed25519 signature (base64) over [`blob_signing_message`]; refused ("not signed by
    /// this team's key") unless it verifies.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{86}(==)?$"))]
    pub signature: String,
}

/// The exact bytes the team key signs for a roster or directory.
pub fn blob_signing_message(
    team_id: &str,
    kind: BlobKind,
    version: u64,
    payload: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(64 + payload.len());
    m.extend_from_slice(b"peerline-signed-blob-v1\0");
    m.extend_from_slice(kind.as_str().as_bytes());
    m.push(0);
    m.extend_from_slice(team_id.as_bytes());
    m.push(0);
    m.extend_from_slice(&version.to_be_bytes());
    m.extend_from_slice(payload);
    m
}

/// How soon the officer wants to talk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    /// Now: escalates to every peer after the team's limit.
    Now,
    /// Today.
    Today,
    /// This week.
    ThisWeek,
}

impl Urgency {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Now => "now",
            Self::Today => "today",
            Self::ThisWeek => "this_week",
        }
    }

    /// Parses the stored form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "now" => Some(Self::Now),
            "today" => Some(Self::Today),
            "this_week" => Some(Self::ThisWeek),
            _ => None,
        }
    }
}

/// `POST /v1/teams/{team}/requests`: ciphertext plus routing metadata only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostRequest {
    /// Random id chosen by the app; a repeat post with the same id changes nothing.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub request_id: String,
    /// How soon.
    pub urgency: Urgency,
    /// Roster key ids of the peers to notify first (the on-duty ones).
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<RosterKeyId>, min_items = 1, max_items = 500)
    )]
    pub recipient_key_ids: Vec<String>,
    /// Unix seconds after which the relay deletes it: in the future by the relay's clock,
    /// and within its longest request life (a week by default).
    #[serde(deserialize_with = "crate::wire_int::i64")]
    pub expires_at: i64,
    /// The age-encrypted request, base64 (canonical: refused as "not base64" otherwise).
    pub ciphertext: String,
    /// SHA-256 (hex) of the per-request status secret the officer keeps.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{64}$"))]
    pub status_hash: String,
    /// An anonymous one-time token: with it the post carries no device signature at all,
    /// so the relay cannot tell which device asked.
    #[serde(default)]
    pub token: Option<Token>,
}

/// Most tokens issued in one call.
pub const MAX_TOKENS_PER_BATCH: usize = 20;

/// A team's current token-signing public key (`GET /v1/teams/{team}/token-keys`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenKey {
    /// Key id.
    pub key_id: String,
    /// RSA public key, DER (SPKI), base64.
    pub public_key: String,
    /// Unix seconds after which tokens under this key are no longer accepted.
    pub expires_at: i64,
}

/// `POST /v1/teams/{team}/tokens` (a device): blinded messages to sign (RFC 9474,
/// RSABSSA-SHA384-PSS-Randomized).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IssueTokens {
    /// The key to sign with.
    pub key_id: String,
    /// Blinded messages, base64, each valid for the key named ("is not valid for this key"
    /// otherwise).
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 20))]
    pub blinded: Vec<String>,
}

/// Answer to [`IssueTokens`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokensIssued {
    /// Blind signatures, base64, in order.
    pub blind_signatures: Vec<String>,
}

/// A finalized one-time token, spent once on a post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Token {
    /// The key it was signed under.
    pub key_id: String,
    /// The random message (32 bytes), base64.
    pub message: String,
    /// The message randomizer (32 bytes), base64.
    pub randomizer: String,
    /// The unblinded signature, base64.
    pub signature: String,
}

/// Answer to [`PostRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostAccepted {
    /// The request.
    pub request_id: String,
    /// True when the relay already had it (a retry); nothing changed.
    pub duplicate: bool,
}

/// Where a request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestState {
    /// Waiting for a peer.
    Open,
    /// A peer took it.
    Claimed,
    /// The peer answered.
    Replied,
}

/// An open request as a peer's app lists it (`GET /v1/teams/{team}/requests`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenRequest {
    /// The request.
    pub request_id: String,
    /// How soon.
    pub urgency: Urgency,
    /// Unix seconds the relay received it.
    pub created_at: i64,
    /// Unix seconds it expires.
    pub expires_at: i64,
    /// Sent to every peer after going unclaimed.
    pub escalated: bool,
    /// Where it stands.
    pub state: RequestState,
    /// The roster key id of the peer who claimed it, if any.
    pub claimed_by: Option<String>,
    /// The encrypted request, base64.
    pub ciphertext: String,
}

/// `POST /v1/requests/{id}/claim` (a peer's device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClaimRequest {
    /// The claiming peer's roster key id.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
    pub key_id: String,
    /// ed25519 signature (base64) by that peer's roster signing key over
    /// [`claim_proof_message`]: only the peer named in the roster can claim as them.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{86}(==)?$"))]
    pub proof: String,
}

/// The bytes a peer signs to claim a request.
pub fn claim_proof_message(team_id: &str, request_id: &str, key_id: &str) -> Vec<u8> {
    proof_message(b"peerline-claim-v1", &[team_id, request_id, key_id])
}

/// The bytes a peer signs to go on or off duty.
pub fn duty_proof_message(team_id: &str, key_id: &str, minutes: u32) -> Vec<u8> {
    proof_message(
        b"peerline-duty-v1",
        &[team_id, key_id, &minutes.to_string()],
    )
}

fn proof_message(label: &[u8], parts: &[&str]) -> Vec<u8> {
    let mut m = label.to_vec();
    for p in parts {
        m.push(0);
        m.extend_from_slice(&(p.len() as u32).to_be_bytes());
        m.extend_from_slice(p.as_bytes());
    }
    m
}

/// `POST /v1/requests/{id}/reply` (the claiming peer's device).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostReply {
    /// The reply, encrypted to the request's reply key and signed inside by the peer.
    pub ciphertext: String,
}

/// `POST /v1/requests/{id}/widen` with the status secret: after escalation the officer's
/// app re-encrypts the request to every peer and replaces the ciphertext (unclaimed only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct WidenRequest {
    /// Roster key ids of every peer now addressed.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<RosterKeyId>, min_items = 1, max_items = 500)
    )]
    pub recipient_key_ids: Vec<String>,
    /// The request encrypted to all of them, base64.
    pub ciphertext: String,
}

/// `GET /v1/requests/{id}` with the status secret: what the officer sees.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestStatus {
    /// The request.
    pub request_id: String,
    /// Where it stands.
    pub state: RequestState,
    /// It has reached at least one peer's phone.
    #[serde(default)]
    pub delivered: bool,
    /// Sent to every peer after going unclaimed.
    pub escalated: bool,
    /// The encrypted reply, once there is one.
    pub reply: Option<String>,
}

/// Who wrote a message in a request's conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Author {
    /// The officer who asked.
    Officer,
    /// The peer who took the request.
    Peer,
}

impl Author {
    /// Stored form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Officer => "officer",
            Self::Peer => "peer",
        }
    }

    /// The other side.
    pub fn other(self) -> Self {
        match self {
            Self::Officer => Self::Peer,
            Self::Peer => Self::Officer,
        }
    }
}

/// Largest message ciphertext the relay stores, bytes (decoded).
pub const MAX_MESSAGE_BYTES: usize = 16 * 1024;
/// Most messages one side may have waiting, unread, on the relay.
pub const MAX_UNREAD_MESSAGES: u64 = 500;
/// Most messages one fetch returns.
pub const MESSAGE_PAGE: usize = 100;

/// `POST /v1/requests/{id}/messages`: one end-to-end encrypted message of the conversation
/// after a claim. The officer posts with the status secret, the claiming peer's device
/// signs; the relay stores it only until the other side has read it, or the request ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PostMessage {
    /// Random id chosen by the sender (32 hex digits): a retried post changes nothing.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub message_id: String,
    /// The message, encrypted to the other side's per-request key, base64.
    pub ciphertext: String,
}

/// Answer to [`PostMessage`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageAccepted {
    /// Its place in the conversation (the relay's order, from 1).
    pub seq: u64,
    /// The relay already had it (a retry).
    pub duplicate: bool,
}

/// One message as the other side fetches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RelayMessage {
    /// Its place in the conversation.
    pub seq: u64,
    /// The encrypted message, base64.
    pub ciphertext: String,
}

/// `GET /v1/requests/{id}/messages?after=N`: the other side's messages after `N` (at most
/// [`MESSAGE_PAGE`]), and how far the other side has fetched and read this side's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagePage {
    /// The other side's messages, in order.
    pub messages: Vec<RelayMessage>,
    /// More wait after these.
    pub more: bool,
    /// This side's messages up to this sequence have reached the other side's phone.
    pub delivered_upto: u64,
    /// This side's messages up to this sequence were shown there (and deleted here).
    pub read_upto: u64,
}

/// `POST /v1/requests/{id}/messages/read`: the other side's messages up to `upto` were
/// shown on this side; the relay deletes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MarkRead {
    /// The highest sequence shown.
    #[serde(deserialize_with = "crate::wire_int::u64")]
    pub upto: u64,
}

/// `POST /v1/requests/{id}/handoff` with the status secret: the officer agreed that the
/// peer who has the request hands it on. The officer's app re-encrypts it for the new peer
/// (or the pool); the relay releases the claim, replaces the ciphertext and deletes the
/// conversation so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct HandOff {
    /// Roster key ids now addressed.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<RosterKeyId>, min_items = 1, max_items = 500)
    )]
    pub recipient_key_ids: Vec<String>,
    /// The request encrypted to them, base64.
    pub ciphertext: String,
}

/// Header carrying the per-request status secret.
pub const HEADER_STATUS_SECRET: &str = "x-peerline-status-secret";

/// A content-free event on the WebSocket: ids and states only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// A request was posted.
    NewRequest {
        /// The request.
        request_id: String,
        /// How soon.
        urgency: Urgency,
    },
    /// A peer claimed it.
    Claimed {
        /// The request.
        request_id: String,
    },
    /// The claiming peer replied.
    Replied {
        /// The request.
        request_id: String,
    },
    /// Closed (and deleted) or expired.
    Closed {
        /// The request.
        request_id: String,
    },
    /// Unclaimed past the limit: now for every peer.
    Escalated {
        /// The request.
        request_id: String,
    },
    /// First fetched by a peer's phone (the officer's "delivered").
    Delivered {
        /// The request.
        request_id: String,
    },
    /// Something changed in the request's conversation for one side: a message for it,
    /// or its own messages fetched or read by the other side. That side fetches to learn
    /// what; the other ignores it.
    Conversation {
        /// The request.
        request_id: String,
        /// The side that should look.
        to: Author,
    },
    /// The officer agreed to a hand-off: the request is open again, for other peers.
    HandedOff {
        /// The request.
        request_id: String,
    },
}

impl Event {
    /// The request the event is about.
    pub fn request_id(&self) -> &str {
        match self {
            Self::NewRequest { request_id, .. }
            | Self::Claimed { request_id }
            | Self::Replied { request_id }
            | Self::Closed { request_id }
            | Self::Escalated { request_id }
            | Self::Delivered { request_id }
            | Self::Conversation { request_id, .. }
            | Self::HandedOff { request_id } => request_id,
        }
    }
}

/// `PUT /v1/teams/{team}/duty` (a peer's device): on or off duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetDuty {
    /// The peer's roster key id.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
    pub key_id: String,
    /// On duty for this many minutes from now; 0 goes off duty.
    #[cfg_attr(feature = "openapi", schema(maximum = 1440))]
    #[serde(deserialize_with = "crate::wire_int::u32")]
    pub minutes: u32,
    /// ed25519 signature (base64) by the peer's roster signing key over
    /// [`duty_proof_message`].
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{86}(==)?$"))]
    pub proof: String,
}

/// `GET /v1/teams/{team}/duty`: who takes urgent requests now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnDuty {
    /// Roster key ids of the peers on duty.
    pub key_ids: Vec<String>,
}

/// A Web Push subscription (RFC 8030 endpoint, RFC 8291 keys) as a browser or a
/// UnifiedPush distributor hands it to the app. The relay sends it only the fixed
/// [`PUSH_WAKE_WORD`], encrypted to these keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushSubscription {
    /// The push service's URL for this subscription (`https://`).
    #[cfg_attr(feature = "openapi", schema(max_length = 1024))]
    pub endpoint: String,
    /// The receiver's P-256 public key, uncompressed (65 bytes), base64url.
    #[cfg_attr(feature = "openapi", schema(min_length = 86, max_length = 88))]
    pub p256dh: String,
    /// The receiver's 16-byte authentication secret, base64url.
    #[cfg_attr(feature = "openapi", schema(min_length = 22, max_length = 24))]
    pub auth: String,
}

/// `PUT /v1/teams/{team}/push` (a peer's device): wake this device for new requests and
/// escalations addressed to its roster key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PeerPush {
    /// The peer's roster key id.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9_-]{1,64}$"))]
    pub key_id: String,
    /// Where to send wake-ups.
    pub subscription: PushSubscription,
    /// ed25519 signature (base64) by the peer's roster signing key over
    /// [`push_proof_message`]: a member's device cannot have another peer's wake-ups.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Za-z0-9+/]{86}(==)?$"))]
    pub proof: String,
}

/// What a peer's roster key signs to register a push subscription.
pub fn push_proof_message(team_id: &str, key_id: &str, endpoint: &str) -> Vec<u8> {
    proof_message(b"peerline-push-v1", &[team_id, key_id, endpoint])
}

/// `GET /v1/push-key`: the relay's VAPID public key (RFC 8292), which a push subscription
/// is created for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKey {
    /// Uncompressed P-256 public key (65 bytes), base64url without padding, as the Push
    /// API's `applicationServerKey` takes it.
    pub vapid_public_key: String,
}

/// The whole payload of every push the relay sends: a fixed word, so a push service
/// (Google, Apple, a distributor) learns nothing but "wake up"; the app fetches what
/// changed itself.
pub const PUSH_WAKE_WORD: &str = "wake";

/// Header carrying a sync box's secret: the only thing that opens a box (no device id, no
/// signature), so a box cannot be joined to a device.
pub const HEADER_BOX_SECRET: &str = "x-peerline-box-secret";

/// `PUT /v1/boxes/{box}`: creates an officer's sync box, paid with one anonymous token of
/// their team (so boxes cannot be made without limit, nor tied to the device that asked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBox {
    /// The team whose token pays for it.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-f]{32}$"))]
    pub team_id: String,
    /// An unspent anonymous token of that team.
    pub token: Token,
    /// SHA-256 (hex) of the box secret the app will present.
    #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9a-fA-F]{64}$"))]
    pub secret_hash: String,
}

/// One encrypted record in a box, by its sequence number (assigned by the relay, from 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoxRecord {
    /// Sequence number in the box.
    pub seq: u64,
    /// Ciphertext, base64.
    pub data: String,
}

/// `POST /v1/boxes/{box}/records`: one more record (ciphertext, padded by the app).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AppendRecord {
    /// Ciphertext, base64.
    pub data: String,
}

/// Answer to [`AppendRecord`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Appended {
    /// The record's sequence number.
    pub seq: u64,
}

/// `PUT /v1/boxes/{box}/snapshot`: everything up to `upto_seq` in one ciphertext; the relay
/// then deletes those records (compaction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BoxSnapshot {
    /// The last record the snapshot includes.
    #[serde(deserialize_with = "crate::wire_int::u64")]
    pub upto_seq: u64,
    /// Ciphertext, base64.
    pub data: String,
}

/// `GET /v1/boxes/{box}?after=N`: the snapshot (when `after` is below it) and the records
/// after `after`, oldest first, at most a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BoxContents {
    /// The snapshot, when the caller is behind it.
    pub snapshot: Option<BoxSnapshot>,
    /// Records after `after` (or after the snapshot), oldest first.
    pub records: Vec<BoxRecord>,
    /// More records wait after these: ask again after the last one.
    pub more: bool,
    /// Bytes the box holds, and its quota.
    pub used_bytes: u64,
    /// The most the box may hold.
    pub quota_bytes: u64,
}

/// `GET /v1/health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// "ok" when the storage answers.
    pub status: String,
    /// Relay version.
    pub version: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_ids_and_states_only() {
        let e = Event::NewRequest {
            request_id: "r1".into(),
            urgency: Urgency::Now,
        };
        let json = serde_json::to_string(&e).unwrap();
        assert_eq!(
            json,
            r#"{"type":"new_request","request_id":"r1","urgency":"now"}"#
        );
        assert_eq!(serde_json::from_str::<Event>(&json).unwrap(), e);
        assert_eq!(e.request_id(), "r1");
    }

    #[test]
    fn unknown_fields_are_refused_on_posts() {
        let bad = r#"{"request_id":"r","urgency":"now","recipient_key_ids":[],"expires_at":1,
            "ciphertext":"","status_hash":"","name":"Officer Smith"}"#;
        assert!(serde_json::from_str::<PostRequest>(bad).is_err());
    }

    #[test]
    fn blob_message_binds_team_kind_and_version() {
        let a = blob_signing_message("t", BlobKind::Roster, 2, b"x");
        assert_ne!(a, blob_signing_message("u", BlobKind::Roster, 2, b"x"));
        assert_ne!(a, blob_signing_message("t", BlobKind::Directory, 2, b"x"));
        assert_ne!(a, blob_signing_message("t", BlobKind::Roster, 3, b"x"));
        assert_ne!(a, blob_signing_message("t", BlobKind::Roster, 2, b"y"));
    }

    #[test]
    fn urgency_round_trips() {
        for u in [Urgency::Now, Urgency::Today, Urgency::ThisWeek] {
            assert_eq!(Urgency::parse(u.as_str()), Some(u));
        }
        assert_eq!(Urgency::parse("later"), None);
    }
}
