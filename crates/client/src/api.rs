//! One typed method per endpoint of the relay's API.

use peerline_protocol::endpoints as ep;
use peerline_protocol::figures::TeamFigures;
use peerline_protocol::relay::{
    AppendRecord, Appended, BlobKind, BoxContents, BoxSnapshot, ClaimRequest, CreateBox,
    CreateTeam, DeviceRegistered, HEADER_BOX_SECRET, HEADER_STATUS_SECRET, Health, InviteInfo,
    InviteIssued, IssueInvite, IssueTokens, OnDuty, OpenRequest, PeerPush, PostAccepted, PostReply,
    PostRequest, PushKey, PushSubscription, RegisterDevice, RequestStatus, SetDuty, SignedBlob,
    TeamCreated, TeamStatus, TokenKey, TokensIssued, WidenRequest,
};
use peerline_protocol::relay::{HandOff, MarkRead, MessageAccepted, MessagePage, PostMessage};

use crate::error::ClientError;

/// The status-secret header when the officer speaks; none for a device-signed peer.
fn secret_header(status_secret: Option<&str>) -> Vec<(&'static str, &str)> {
    status_secret
        .map(|s| vec![(HEADER_STATUS_SECRET, s)])
        .unwrap_or_default()
}
use crate::http::{Method, RelayClient};

type Result<T> = std::result::Result<T, ClientError>;
/// Endpoints that answer with a small acknowledgement nobody reads.
type Ack = serde_json::Value;

impl RelayClient {
    /// Liveness and version.
    pub async fn health(&self) -> Result<Health> {
        self.call::<(), _>(Method::GET, ep::HEALTH, None, &[]).await
    }

    /// Creates a team with the operator's admin token (sent as a bearer token).
    pub async fn create_team(&self, admin_token: &str, body: &CreateTeam) -> Result<TeamCreated> {
        let bearer = format!("Bearer {}", admin_token.trim());
        self.call(
            Method::POST,
            ep::TEAMS,
            Some(body),
            &[("authorization", &bearer)],
        )
        .await
    }

    /// The team's status (signed by the team key).
    pub async fn team_status(&self, team: &str) -> Result<TeamStatus> {
        self.call::<(), _>(Method::GET, &ep::team(team), None, &[])
            .await
    }

    /// The program's figures (signed by the team key).
    pub async fn team_figures(&self, team: &str) -> Result<TeamFigures> {
        self.call::<(), _>(Method::GET, &ep::team_figures(team), None, &[])
            .await
    }

    /// Issues an invite (signed by the team key).
    pub async fn issue_invite(&self, team: &str, body: &IssueInvite) -> Result<InviteIssued> {
        self.call(Method::POST, &ep::team_invites(team), Some(body), &[])
            .await
    }

    /// Every invite of the team (signed by the team key).
    pub async fn list_invites(&self, team: &str) -> Result<Vec<InviteInfo>> {
        self.call::<(), _>(Method::GET, &ep::team_invites(team), None, &[])
            .await
    }

    /// Revokes an invite (signed by the team key).
    pub async fn revoke_invite(&self, team: &str, invite: &str) -> Result<()> {
        self.call::<(), Ack>(Method::DELETE, &ep::team_invite(team, invite), None, &[])
            .await
            .map(drop)
    }

    /// Registers a device with an invite code.
    pub async fn register_device(&self, body: &RegisterDevice) -> Result<DeviceRegistered> {
        self.call(Method::POST, ep::DEVICES, Some(body), &[]).await
    }

    /// The roster keys on duty now. Ask anonymously when the answer decides a request's
    /// recipients: a device signature would tie the lookup to the post that follows.
    pub async fn on_duty(&self, team: &str) -> Result<OnDuty> {
        self.call::<(), _>(Method::GET, &ep::team_duty(team), None, &[])
            .await
    }

    /// Sets this peer on (or off, with 0 minutes) duty (device-signed).
    pub async fn set_duty(&self, team: &str, body: &SetDuty) -> Result<OnDuty> {
        self.call(Method::PUT, &ep::team_duty(team), Some(body), &[])
            .await
    }

    /// The public keys that sign anonymous request tokens.
    pub async fn token_keys(&self, team: &str) -> Result<Vec<TokenKey>> {
        self.call::<(), _>(Method::GET, &ep::team_token_keys(team), None, &[])
            .await
    }

    /// Blind-signs a batch of tokens (device-signed: that is how the relay caps a device).
    pub async fn issue_tokens(&self, team: &str, body: &IssueTokens) -> Result<TokensIssued> {
        self.call(Method::POST, &ep::team_tokens(team), Some(body), &[])
            .await
    }

    /// The team's signed roster or directory; `None` when none has been published yet.
    pub async fn fetch_blob(&self, team: &str, kind: BlobKind) -> Result<Option<SignedBlob>> {
        match self
            .call::<(), SignedBlob>(Method::GET, &ep::team_blob(team, kind), None, &[])
            .await
        {
            Ok(blob) => Ok(Some(blob)),
            // "Nothing published yet" (relays before NOT_PUBLISHED said invalid input).
            Err(e)
                if matches!(
                    e.code(),
                    Some(crate::ErrorCode::NotPublished | crate::ErrorCode::InvalidInput)
                ) =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Publishes a signed roster or directory (signed by the team key).
    pub async fn publish_blob(&self, team: &str, kind: BlobKind, blob: &SignedBlob) -> Result<()> {
        self.call::<_, Ack>(Method::PUT, &ep::team_blob(team, kind), Some(blob), &[])
            .await
            .map(drop)
    }

    /// Posts a request. Send it from an anonymous client with a token: the relay learns a
    /// member asked, not which one.
    pub async fn post_request(&self, team: &str, body: &PostRequest) -> Result<PostAccepted> {
        self.call(Method::POST, &ep::team_requests(team), Some(body), &[])
            .await
    }

    /// The team's open requests addressed to this device's peer keys (device-signed).
    pub async fn open_requests(&self, team: &str) -> Result<Vec<OpenRequest>> {
        self.call::<(), _>(Method::GET, &ep::team_requests(team), None, &[])
            .await
    }

    /// A request's status, followed with its secret and never with a device id.
    pub async fn request_status(&self, id: &str, status_secret: &str) -> Result<RequestStatus> {
        self.call::<(), _>(
            Method::GET,
            &ep::request(id),
            None,
            &[(HEADER_STATUS_SECRET, status_secret)],
        )
        .await
    }

    /// Closes a request: the officer with its status secret (pass it), the claiming peer
    /// with its device signature (pass `None` on a device-signed client).
    pub async fn close_request(&self, id: &str, status_secret: Option<&str>) -> Result<()> {
        let headers = secret_header(status_secret);
        self.call::<(), Ack>(Method::DELETE, &ep::request(id), None, &headers)
            .await
            .map(drop)
    }

    /// Claims a request (device-signed; first claim wins).
    pub async fn claim(&self, id: &str, body: &ClaimRequest) -> Result<()> {
        self.call::<_, Ack>(Method::POST, &ep::request_claim(id), Some(body), &[])
            .await
            .map(drop)
    }

    /// Sends the claiming peer's encrypted reply (device-signed).
    pub async fn reply(&self, id: &str, body: &PostReply) -> Result<()> {
        self.call::<_, Ack>(Method::POST, &ep::request_reply(id), Some(body), &[])
            .await
            .map(drop)
    }

    /// Posts one message of a request's conversation: the officer passes the status
    /// secret, the peer who took it passes `None` on its device-signed client.
    pub async fn post_message(
        &self,
        id: &str,
        status_secret: Option<&str>,
        body: &PostMessage,
    ) -> Result<MessageAccepted> {
        let headers = secret_header(status_secret);
        self.call(
            Method::POST,
            &ep::request_messages(id),
            Some(body),
            &headers,
        )
        .await
    }

    /// The other side's messages after `after`, and how far ours have got.
    pub async fn messages(
        &self,
        id: &str,
        status_secret: Option<&str>,
        after: u64,
    ) -> Result<MessagePage> {
        let headers = secret_header(status_secret);
        self.call::<(), _>(
            Method::GET,
            &format!("{}?after={after}", ep::request_messages(id)),
            None,
            &headers,
        )
        .await
    }

    /// The other side's messages up to `upto` were shown here; the relay deletes them.
    pub async fn mark_read(&self, id: &str, status_secret: Option<&str>, upto: u64) -> Result<()> {
        let headers = secret_header(status_secret);
        self.call::<_, Ack>(
            Method::POST,
            &ep::request_messages_read(id),
            Some(&MarkRead { upto }),
            &headers,
        )
        .await
        .map(drop)
    }

    /// The officer agrees to a hand-off: the request, re-encrypted, goes to other peers.
    pub async fn hand_off(&self, id: &str, status_secret: &str, body: &HandOff) -> Result<()> {
        self.call::<_, Ack>(
            Method::POST,
            &ep::request_handoff(id),
            Some(body),
            &[(HEADER_STATUS_SECRET, status_secret)],
        )
        .await
        .map(drop)
    }

    /// Re-addresses an escalated request to every peer (status secret).
    pub async fn widen(&self, id: &str, status_secret: &str, body: &WidenRequest) -> Result<()> {
        self.call::<_, Ack>(
            Method::POST,
            &ep::request_widen(id),
            Some(body),
            &[(HEADER_STATUS_SECRET, status_secret)],
        )
        .await
        .map(drop)
    }

    /// The relay's VAPID public key, which push subscriptions are made for.
    pub async fn push_key(&self) -> Result<PushKey> {
        self.call::<(), _>(Method::GET, ep::PUSH_KEY, None, &[])
            .await
    }

    /// Wakes this peer device for requests to its roster key (device-signed).
    pub async fn set_peer_push(&self, team: &str, body: &PeerPush) -> Result<()> {
        let bytes = to_json(body)?;
        self.send(Method::PUT, &ep::team_push(team), bytes, &[])
            .await
            .map(drop)
    }

    /// Stops waking this peer device (device-signed).
    pub async fn delete_peer_push(&self, team: &str) -> Result<()> {
        self.send(Method::DELETE, &ep::team_push(team), Vec::new(), &[])
            .await
            .map(drop)
    }

    /// Wakes the officer's phone as this one request moves (status secret only).
    pub async fn set_request_push(
        &self,
        id: &str,
        status_secret: &str,
        subscription: &PushSubscription,
    ) -> Result<()> {
        let bytes = to_json(subscription)?;
        self.send(
            Method::PUT,
            &ep::request_push(id),
            bytes,
            &[(HEADER_STATUS_SECRET, status_secret)],
        )
        .await
        .map(drop)
    }

    /// Stops waking the officer's phone for this request.
    pub async fn delete_request_push(&self, id: &str, status_secret: &str) -> Result<()> {
        self.send(
            Method::DELETE,
            &ep::request_push(id),
            Vec::new(),
            &[(HEADER_STATUS_SECRET, status_secret)],
        )
        .await
        .map(drop)
    }
}

/// A sync box's id and secret: the only way to it (anonymous client, no signature).
#[derive(Clone)]
pub struct BoxKey<'a> {
    /// The box id (32 hex digits).
    pub id: &'a str,
    /// The box secret.
    pub secret: &'a str,
}

impl RelayClient {
    /// Creates a sync box paid with one anonymous token (idempotent with the same secret).
    pub async fn create_box(&self, id: &str, body: &CreateBox) -> Result<()> {
        let bytes = to_json(body)?;
        self.send(Method::PUT, &ep::sync_box(id), bytes, &[])
            .await
            .map(drop)
    }

    /// The snapshot (when `after` is below it) and a page of records after `after`.
    pub async fn read_box(&self, b: &BoxKey<'_>, after: u64) -> Result<BoxContents> {
        self.call::<(), _>(
            Method::GET,
            &format!("{}?after={after}", ep::sync_box(b.id)),
            None,
            &[(HEADER_BOX_SECRET, b.secret)],
        )
        .await
    }

    /// Appends one record; its sequence number.
    pub async fn append_record(&self, b: &BoxKey<'_>, body: &AppendRecord) -> Result<Appended> {
        self.call(
            Method::POST,
            &ep::sync_box_records(b.id),
            Some(body),
            &[(HEADER_BOX_SECRET, b.secret)],
        )
        .await
    }

    /// Replaces every record up to `body.upto_seq` with one snapshot.
    pub async fn put_snapshot(&self, b: &BoxKey<'_>, body: &BoxSnapshot) -> Result<()> {
        let bytes = to_json(body)?;
        self.send(
            Method::PUT,
            &ep::sync_box_snapshot(b.id),
            bytes,
            &[(HEADER_BOX_SECRET, b.secret)],
        )
        .await
        .map(drop)
    }

    /// Deletes the box and everything in it.
    pub async fn delete_box(&self, b: &BoxKey<'_>) -> Result<()> {
        self.send(
            Method::DELETE,
            &ep::sync_box(b.id),
            Vec::new(),
            &[(HEADER_BOX_SECRET, b.secret)],
        )
        .await
        .map(drop)
    }
}

fn to_json<T: serde::Serialize>(body: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(body).map_err(|e| ClientError::BadAnswer(e.to_string()))
}
