//! Storage behind a trait, so the relay runs on one embedded SQLite file by default and on
//! a shared PostgreSQL when an agency outgrows one machine. Every operation that must be
//! atomic (dedup, claim, invite use, version check) is one statement or one transaction in
//! the database, never a check-then-act in memory, so it holds across relay nodes.

mod known;
#[cfg(feature = "postgres")]
mod postgres;
mod sqlite;
mod writer;

#[cfg(feature = "postgres")]
pub use postgres::PostgresStorage;
pub use sqlite::SqliteStorage;

use std::collections::BTreeMap;
use std::sync::Arc;

use tokio::task::JoinHandle;

use crate::hub::Hub;

use async_trait::async_trait;
use peerline_protocol::figures::{self, RequestFigures};
use peerline_protocol::relay::{
    Author, BlobKind, InviteInfo, PushSubscription, RequestState, SignedBlob, TeamStatus, Urgency,
};

use crate::error::RelayError;

/// Result with the relay error.
pub type Result<T> = std::result::Result<T, RelayError>;

/// A team as stored.
#[derive(Debug, Clone)]
pub struct Team {
    /// Id.
    pub team_id: String,
    /// ed25519 public key.
    pub public_key: [u8; 32],
    /// Escalation limit for urgent requests.
    pub escalation_secs: u32,
    /// Anonymous tokens one device may get per day.
    pub tokens_per_day: u32,
}

/// A registered device.
#[derive(Debug, Clone)]
pub struct Device {
    /// Pseudonymous id.
    pub device_id: String,
    /// Its team.
    pub team_id: String,
    /// ed25519 public key.
    pub public_key: [u8; 32],
}

/// A new invite.
#[derive(Debug, Clone)]
pub struct NewInvite {
    /// Id.
    pub invite_id: String,
    /// Team.
    pub team_id: String,
    /// SHA-256 hex of the code.
    pub code_hash: String,
    /// Unix seconds.
    pub expires_at: i64,
    /// Allowed uses.
    pub max_uses: u32,
}

/// Why an invite could not be redeemed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InviteRefusal {
    /// No such code for that team.
    Unknown,
    /// Past its expiry.
    Expired,
    /// Revoked by the coordinator.
    Revoked,
    /// All uses taken.
    UsedUp,
}

/// A request as stored: routing metadata and ciphertext.
#[derive(Debug, Clone)]
pub struct StoredRequest {
    /// Id.
    pub request_id: String,
    /// Team.
    pub team_id: String,
    /// How soon.
    pub urgency: Urgency,
    /// Peers to notify first.
    pub recipient_key_ids: Vec<String>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    /// Unix seconds at which it escalates, if urgent.
    pub escalate_at: Option<i64>,
    /// Already escalated.
    pub escalated: bool,
    /// Ciphertext.
    pub ciphertext: Vec<u8>,
    /// SHA-256 hex of the status secret.
    pub status_hash: String,
    /// Claiming peer's roster key id.
    pub claimed_by_key: Option<String>,
    /// Claiming device.
    pub claimed_by_device: Option<String>,
    /// Encrypted reply.
    pub reply: Option<Vec<u8>>,
    /// A member's device has listed it.
    pub delivered: bool,
}

impl StoredRequest {
    /// Where it stands.
    pub fn state(&self) -> RequestState {
        match (&self.claimed_by_key, &self.reply) {
            (_, Some(_)) => RequestState::Replied,
            (Some(_), None) => RequestState::Claimed,
            _ => RequestState::Open,
        }
    }
}

/// Outcome of a post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostOutcome {
    /// Stored now.
    Created,
    /// Already had it (or had it and closed it): nothing changed.
    Duplicate,
    /// The token was spent before.
    TokenSpent,
    /// The signed post's nonce was used before (a replay): nothing changed.
    Replay,
    /// No such team.
    UnknownTeam,
}

/// A request to store, with what its post spends, all written in one transaction.
#[derive(Debug, Clone)]
pub struct NewPost {
    /// The request. Its `escalate_at` is set by the storage from the team's delay when it
    /// is urgent (`Urgency::Now`), in the same transaction, so a post reads the team once.
    pub request: StoredRequest,
    /// An anonymous post's token: its hash and when it may be forgotten.
    pub token: Option<(String, i64)>,
    /// A signed post's nonce, recorded with the request (a replay changes nothing).
    pub nonce: Option<crate::auth::Nonce>,
}

impl NewPost {
    /// `request`, posted with neither token nor signature (tools and tests).
    pub fn plain(request: StoredRequest) -> Self {
        Self {
            request,
            token: None,
            nonce: None,
        }
    }
}

/// A token-signing key as stored.
#[derive(Debug, Clone)]
pub struct StoredTokenKey {
    /// Id.
    pub key_id: String,
    /// RSA private key, PKCS#8 DER.
    pub secret_der: Vec<u8>,
    /// RSA public key, SPKI DER.
    pub public_der: Vec<u8>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
}

/// Outcome of a claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// This claim won.
    Won,
    /// The same peer had already claimed it (a retry).
    AlreadyYours,
    /// Another peer was first.
    Taken,
    /// No such open request in that team.
    NotFound,
}

/// Outcome of creating a sync box.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxCreated {
    /// Made now (the token is spent).
    Created,
    /// It existed with the same secret: a retry, nothing spent.
    Exists,
    /// A box with that id and another secret exists.
    Conflict,
    /// The token was spent before.
    TokenSpent,
}

/// A sync box's bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncBox {
    /// SHA-256 (hex) of its secret.
    pub secret_hash: String,
    /// Bytes of ciphertext it holds (records and snapshot).
    pub used_bytes: u64,
    /// The snapshot's sequence, 0 when there is none.
    pub snapshot_seq: u64,
}

/// A box's contents from a point on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoxPage {
    /// The snapshot, when asked from before it: (upto_seq, ciphertext).
    pub snapshot: Option<(u64, Vec<u8>)>,
    /// Records after that point: (seq, ciphertext), oldest first.
    pub records: Vec<(u64, Vec<u8>)>,
    /// More records follow.
    pub more: bool,
}

/// Why a snapshot was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotRefusal {
    /// `upto_seq` is past the last record, or not past the snapshot held.
    BadSequence,
    /// The box would exceed its quota.
    Full,
}

/// What became of a posted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageOutcome {
    /// Stored at this sequence.
    Stored(u64),
    /// The relay had it already, at this sequence (a retry).
    Duplicate(u64),
    /// Too many of the author's messages wait unread.
    Full,
    /// No such request (closed, expired, or never).
    Gone,
}

/// One side's fetch of the other side's messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBatch {
    /// (sequence, ciphertext), in order.
    pub messages: Vec<(u64, Vec<u8>)>,
    /// More wait after these.
    pub more: bool,
    /// The fetching side's own messages up to here reached the other side.
    pub delivered_upto: u64,
    /// And up to here were read there.
    pub read_upto: u64,
    /// This fetch moved the fetching side's mark (the other side learns "delivered").
    pub marked: bool,
}

/// A team's counters as stored: nothing in them names a request, a device or a time
/// finer than the week (duty: the hour of the week).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FigureRows {
    /// (week, counts) for each week with a request closed or expired in it.
    pub weeks: Vec<(i64, RequestFigures)>,
    /// (week, hour of week, peer-seconds on duty).
    pub duty: Vec<(i64, usize, i64)>,
}

/// What one closed or expired request adds to its team's week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Claimed at some point.
    pub claimed: bool,
    /// Escalated at some point.
    pub escalated: bool,
    /// Expired without a claim.
    pub expired_unclaimed: bool,
    /// The claim-time bucket (see `peerline_protocol::figures`), when claimed.
    pub claim_bucket: Option<usize>,
}

impl Counted {
    /// From the request's own columns as it leaves.
    pub fn of(created_at: i64, claimed_at: Option<i64>, escalated: bool, expired: bool) -> Self {
        Self {
            claimed: claimed_at.is_some(),
            escalated,
            expired_unclaimed: expired && claimed_at.is_none(),
            claim_bucket: claimed_at.map(|at| figures::claim_bucket(at - created_at)),
        }
    }

    /// The counter columns' increments, in the order `FIGURE_COLUMNS` names them.
    pub fn increments(&self) -> Increments {
        let mut v = [0; 4 + figures::CLAIM_BUCKETS];
        v[0] = 1;
        v[1] = i64::from(self.claimed);
        v[2] = i64::from(self.escalated);
        v[3] = i64::from(self.expired_unclaimed);
        if let Some(b) = self.claim_bucket {
            v[4 + b] = 1;
        }
        v
    }
}

/// One `team_weeks` row's increments, in [`FIGURE_COLUMNS`] order.
pub type Increments = [i64; 4 + figures::CLAIM_BUCKETS];

/// What several requests add, summed per team and in team order. Every node writes the
/// counter rows in this one order, so two passes never wait on each other's rows the
/// other way round (a deadlock PostgreSQL would break by failing one of them).
pub fn week_sums(
    items: impl IntoIterator<Item = (String, Counted)>,
) -> BTreeMap<String, Increments> {
    let mut sums: BTreeMap<String, Increments> = BTreeMap::new();
    for (team, counted) in items {
        let sum = sums.entry(team).or_insert([0; 4 + figures::CLAIM_BUCKETS]);
        for (s, i) in sum.iter_mut().zip(counted.increments()) {
            *s += i;
        }
    }
    sums
}

/// Ended stretches on duty, `(team, since, until)`, as peer-seconds per (team, week, hour),
/// in that order (see [`week_sums`]). A stretch from before the figures were kept
/// (`since` 0) is not counted.
pub fn duty_sums(
    stretches: impl IntoIterator<Item = (String, i64, i64)>,
) -> BTreeMap<(String, i64, usize), i64> {
    let mut sums = BTreeMap::new();
    for (team, since, until) in stretches {
        if since <= 0 {
            continue;
        }
        for (week, hour, secs) in figures::duty_pieces(since, until) {
            *sums.entry((team.clone(), week, hour)).or_insert(0) += secs;
        }
    }
    sums
}

/// What setting a peer's duty writes to its row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyWrite {
    /// Still on duty: only the end moves.
    Extend(i64),
    /// A new stretch from now, ending here.
    Start(i64),
    /// Off duty: the row goes.
    End,
    /// Off, and was off: nothing.
    Nothing,
}

/// Setting a peer's duty at `now`, from the stretch held (`since`, `until`), decided once
/// for both databases: what ends (counted by the hour; a lapsed stretch up to its end, a
/// running one up to now) and what the row becomes.
pub fn duty_change(
    team_id: &str,
    held: Option<(i64, i64)>,
    until_at: Option<i64>,
    now: i64,
) -> (BTreeMap<(String, i64, usize), i64>, DutyWrite) {
    let running = held.is_some_and(|(_, until)| until > now);
    let (ended, write) = match (until_at, running) {
        (Some(until), true) => (None, DutyWrite::Extend(until)),
        (Some(until), false) => (held, DutyWrite::Start(until)),
        (None, _) => (
            held.map(|(since, until)| (since, until.min(now))),
            if held.is_some() {
                DutyWrite::End
            } else {
                DutyWrite::Nothing
            },
        ),
    };
    let counted = duty_sums(
        ended
            .into_iter()
            .map(|(since, until)| (team_id.to_owned(), since, until)),
    );
    (counted, write)
}

/// The counter columns of `team_weeks`, in the order of [`Counted::increments`]. Fixed
/// names, never input: safe to put in SQL text.
pub const FIGURE_COLUMNS: [&str; 4 + figures::CLAIM_BUCKETS] = [
    "requests",
    "claimed",
    "escalated",
    "expired_unclaimed",
    "claim_b0",
    "claim_b1",
    "claim_b2",
    "claim_b3",
    "claim_b4",
    "claim_b5",
];

/// The statement that adds one request's increments to its team's week: parameters 1
/// and 2 are the team and week, then the increments; `mark` is the database's parameter
/// sign (`?` or `$`).
pub fn week_upsert_sql(mark: char) -> String {
    let columns = FIGURE_COLUMNS.join(", ");
    let values = (3..3 + FIGURE_COLUMNS.len())
        .map(|i| format!("{mark}{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sums = FIGURE_COLUMNS
        .iter()
        .map(|c| format!("{c} = team_weeks.{c} + excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "INSERT INTO team_weeks (team_id, week, {columns}) VALUES ({mark}1, {mark}2, {values})
         ON CONFLICT (team_id, week) DO UPDATE SET {sums}"
    )
}

/// The statement that adds peer-seconds to a team's hour: team, week, hour, seconds.
pub fn duty_upsert_sql(mark: char) -> String {
    format!(
        "INSERT INTO team_duty_hours (team_id, week, hour, peer_seconds)
         VALUES ({mark}1, {mark}2, {mark}3, {mark}4)
         ON CONFLICT (team_id, week, hour) DO UPDATE
         SET peer_seconds = team_duty_hours.peer_seconds + excluded.peer_seconds"
    )
}

/// Reads one `team_weeks` row's counters (in [`FIGURE_COLUMNS`] order) into figures.
pub fn figures_from(counts: &[i64]) -> RequestFigures {
    let n = |i: usize| counts.get(i).copied().unwrap_or(0).max(0) as u64;
    RequestFigures {
        requests: n(0),
        claimed: n(1),
        escalated: n(2),
        expired_unclaimed: n(3),
        claim_times: (4..4 + figures::CLAIM_BUCKETS).map(n).collect(),
    }
}

/// Everything the relay keeps.
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// Answers when the database does (health).
    async fn ping(&self) -> Result<()>;
    /// Registers a team.
    async fn create_team(&self, team: Team) -> Result<()>;
    /// A team by id.
    async fn team(&self, team_id: &str) -> Result<Option<Team>>;
    /// Counts for the coordinator.
    async fn team_status(&self, team_id: &str, now: i64) -> Result<Option<TeamStatus>>;
    /// Stores an invite.
    async fn insert_invite(&self, invite: NewInvite) -> Result<()>;
    /// Revokes an invite; false when there was none.
    async fn revoke_invite(&self, team_id: &str, invite_id: &str) -> Result<bool>;
    /// A team's invites.
    async fn list_invites(&self, team_id: &str) -> Result<Vec<InviteInfo>>;
    /// Uses an invite and registers the device, atomically.
    async fn redeem_invite(
        &self,
        team_id: &str,
        code_hash: &str,
        now: i64,
        device: Device,
    ) -> Result<std::result::Result<(), InviteRefusal>>;
    /// A device by id.
    async fn device(&self, device_id: &str) -> Result<Option<Device>>;
    /// Stores a signed blob if its version is newer; `Err(current)` otherwise.
    async fn put_blob(
        &self,
        team_id: &str,
        kind: BlobKind,
        blob: SignedBlob,
    ) -> Result<std::result::Result<(), u64>>;
    /// The latest signed blob.
    async fn blob(&self, team_id: &str, kind: BlobKind) -> Result<Option<SignedBlob>>;
    /// Stores a request unless its id was seen before, recording the post's nonce and
    /// spending its token in the same transaction.
    async fn post_request(&self, post: NewPost) -> Result<PostOutcome>;
    /// A team's token keys still valid at `now`, newest first.
    async fn token_keys(&self, team_id: &str, now: i64) -> Result<Vec<StoredTokenKey>>;
    /// Stores a new token key.
    async fn insert_token_key(&self, team_id: &str, key: StoredTokenKey) -> Result<()>;
    /// Counts `n` tokens against the device's daily cap; false when over it.
    async fn reserve_tokens(&self, device_id: &str, day: i64, n: u32, cap: u32) -> Result<bool>;
    /// A team's requests that are still open, claimed or replied.
    async fn team_requests(&self, team_id: &str, now: i64) -> Result<Vec<StoredRequest>>;
    /// One request.
    async fn request(&self, request_id: &str) -> Result<Option<StoredRequest>>;
    /// Atomic claim: exactly one winner. The first claim keeps its time (`now`) on the
    /// request, for the claim-time figures; it goes with the request.
    async fn claim(
        &self,
        request_id: &str,
        team_id: &str,
        key_id: &str,
        device_id: &str,
        now: i64,
    ) -> Result<ClaimOutcome>;
    /// Replaces the ciphertext and recipients of an unclaimed request; false otherwise.
    async fn widen(
        &self,
        request_id: &str,
        recipient_key_ids: Vec<String>,
        ciphertext: Vec<u8>,
    ) -> Result<bool>;
    /// Stores the reply if `device_id` is the claimer; false otherwise.
    async fn reply(&self, request_id: &str, device_id: &str, ciphertext: Vec<u8>) -> Result<bool>;
    /// Stores one message of a claimed request's conversation; the sequence comes from the
    /// request's row, taken in the same transaction, so it is the commit order on every node.
    async fn post_message(
        &self,
        request_id: &str,
        author: Author,
        message_id: &str,
        ciphertext: Vec<u8>,
        max_unread: u64,
    ) -> Result<MessageOutcome>;
    /// The messages `reader`'s other side wrote after `after`; records how far `reader`
    /// has fetched. `None`: no such request.
    async fn messages(
        &self,
        request_id: &str,
        reader: Author,
        after: u64,
        limit: usize,
    ) -> Result<Option<MessageBatch>>;
    /// `reader` has shown the other side's messages up to `upto` (at most what it fetched):
    /// they are deleted. True when the mark moved.
    async fn mark_read(&self, request_id: &str, reader: Author, upto: u64) -> Result<bool>;
    /// Releases a claimed request to other peers with a new ciphertext, and deletes the
    /// conversation so far. False when it is not claimed (or gone).
    async fn hand_off(
        &self,
        request_id: &str,
        recipient_key_ids: Vec<String>,
        ciphertext: Vec<u8>,
    ) -> Result<bool>;
    /// Deletes a request (keeping only its id, so a replayed post changes nothing) and
    /// counts it in its team's figures for the week of `now`, in the same transaction.
    async fn close(&self, request_id: &str, forget_at: i64, now: i64) -> Result<bool>;
    /// Deletes expired requests, counting each in its team's figures, and ends lapsed
    /// duty, counting its hours; returns (team, request) of each request.
    async fn expire(&self, now: i64) -> Result<Vec<(String, String)>>;
    /// Marks due urgent requests escalated; returns (team, request) of each, once.
    async fn escalate_due(&self, now: i64) -> Result<Vec<(String, String)>>;
    /// Puts a peer's roster key on duty until `until_at`, or off duty (`None`). A stretch
    /// on duty that ends (or had lapsed) is counted into the duty figures by the hour.
    async fn set_duty(
        &self,
        team_id: &str,
        key_id: &str,
        until_at: Option<i64>,
        now: i64,
    ) -> Result<()>;
    /// The team's counters: requests per week, and peer-seconds on duty per week and
    /// hour from `duty_from_week` on.
    async fn figures(&self, team_id: &str, duty_from_week: i64) -> Result<FigureRows>;
    /// Roster keys on duty now.
    async fn on_duty(&self, team_id: &str, now: i64) -> Result<Vec<String>>;
    /// Marks requests as having reached a member's device.
    async fn mark_delivered(&self, request_ids: Vec<String>) -> Result<()>;
    /// Reclaims space and removes deleted data from logs (periodic).
    async fn compact(&self) -> Result<()>;
    /// Whether deleted data may still sit in a log, so compaction should not wait for
    /// its period.
    fn wants_compaction(&self) -> bool {
        false
    }
    /// Records a nonce; false if it was already used (a replay).
    async fn use_nonce(&self, nonce: &str, expires_at: i64, now: i64) -> Result<bool>;
    /// The relay's VAPID secret: the stored one, or `fresh` stored now if there is none
    /// (atomic, so every node ends up with the same key).
    async fn vapid_secret(&self, fresh: Vec<u8>) -> Result<Vec<u8>>;
    /// Sets a peer device's push subscription (one per device), for its roster key.
    async fn put_peer_push(
        &self,
        team_id: &str,
        device_id: &str,
        key_id: &str,
        subscription: PushSubscription,
    ) -> Result<()>;
    /// Removes a device's push subscription; false when it had none.
    async fn delete_peer_push(&self, device_id: &str) -> Result<bool>;
    /// The team's peer subscriptions, only those of `key_ids` when given.
    async fn peer_push_targets(
        &self,
        team_id: &str,
        key_ids: Option<Vec<String>>,
    ) -> Result<Vec<PushSubscription>>;
    /// Sets the officer's push subscription for one request, kept until `forget_at` at the
    /// latest.
    async fn put_request_push(
        &self,
        request_id: &str,
        subscription: PushSubscription,
        forget_at: i64,
    ) -> Result<()>;
    /// Removes a request's push subscription; false when it had none.
    async fn delete_request_push(&self, request_id: &str) -> Result<bool>;
    /// A request's push subscription.
    async fn request_push_target(&self, request_id: &str) -> Result<Option<PushSubscription>>;
    /// Removes every subscription with this endpoint (the push service said it is gone).
    async fn forget_push_endpoint(&self, endpoint: &str) -> Result<()>;
    /// Creates a sync box, spending `token` (hash, expiry) in the same transaction.
    async fn create_box(
        &self,
        box_id: &str,
        team_id: &str,
        secret_hash: &str,
        token: (String, i64),
        now: i64,
    ) -> Result<BoxCreated>;
    /// A box's bookkeeping.
    async fn sync_box(&self, box_id: &str) -> Result<Option<SyncBox>>;
    /// Appends a record unless the box would exceed `quota` bytes; its sequence number, or
    /// `None` when it would not fit.
    async fn append_record(&self, box_id: &str, data: Vec<u8>, quota: u64) -> Result<Option<u64>>;
    /// The snapshot (if `after` is below it) and up to `limit` records after `after`.
    async fn box_page(&self, box_id: &str, after: u64, limit: usize) -> Result<BoxPage>;
    /// Replaces the snapshot and deletes the records it covers, atomically; false when
    /// `upto_seq` is beyond the last record or not past the current snapshot, or the box
    /// would exceed `quota` bytes.
    async fn put_snapshot(
        &self,
        box_id: &str,
        upto_seq: u64,
        data: Vec<u8>,
        quota: u64,
    ) -> Result<std::result::Result<(), SnapshotRefusal>>;
    /// Deletes a box and everything in it; false when there was none.
    async fn delete_box(&self, box_id: &str) -> Result<bool>;
    /// Starts passing other nodes' events to this node's sockets, returning once it
    /// listens; `None` when no other node can share the database.
    async fn listen(&self, _hub: Arc<Hub>) -> Result<Option<JoinHandle<()>>> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duty_changes_count_what_ended_and_keep_what_runs() {
        // On, still running: extended, nothing counted.
        let (counted, write) = duty_change("t", Some((100, 5_000)), Some(9_000), 1_000);
        assert!(counted.is_empty());
        assert_eq!(write, DutyWrite::Extend(9_000));
        // On again after a lapse: the old stretch counts to its end, a new one starts.
        let (counted, write) = duty_change("t", Some((100, 500)), Some(9_000), 1_000);
        assert_eq!(counted.values().sum::<i64>(), 400);
        assert_eq!(write, DutyWrite::Start(9_000));
        // Off while running: counted up to now.
        let (counted, write) = duty_change("t", Some((100, 5_000)), None, 1_000);
        assert_eq!(counted.values().sum::<i64>(), 900);
        assert_eq!(write, DutyWrite::End);
        // Off and was off: nothing at all.
        let (counted, write) = duty_change("t", None, None, 1_000);
        assert!(counted.is_empty());
        assert_eq!(write, DutyWrite::Nothing);
    }
}
