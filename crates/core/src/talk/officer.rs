//! The officer's side: one tap builds a request with a fresh reply key, encrypts it to the
//! on-duty peers, and puts it in the outbox in the vault; the outbox sends it when the
//! relay answers (exactly once: the relay deduplicates by request id). The officer follows
//! it with a per-request secret, never with the device id.

use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::documents::Roster;
use peerline_protocol::relay::{
    HandOff, OnDuty, PostAccepted, PostRequest, RequestState, RequestStatus, Token, Urgency,
    WidenRequest,
};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::VaultAccess;
use super::choose::{self, Audience, Fallback, NoMatch, PeerChoice, Plan, Preferences};
use super::conversation::{self, ConversationView, Said};
use super::payload::{self, Contact, ReplyPayload, RequestPayload};
use super::team::{Membership, load_roster, require_membership};
use crate::engine::Backoff;
use crate::error::{Error, Result};
use crate::ids::random_id;
use crate::vault::Vault;
use peerline_client::{ErrorCode, RelayClient};

/// Longest note, characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// How long the relay keeps a request.
pub const REQUEST_TTL_SECS: i64 = 24 * 3600;

/// What the officer asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewRequest {
    /// How soon.
    pub urgency: Urgency,
    /// How to reach the officer.
    pub contact: Contact,
    /// Optional note for the peer.
    pub note: Option<String>,
    /// Who may read it. `None` is the one-tap path: the preferences remembered from last
    /// time, and if nobody on duty matches them, any peer outside the exclusions.
    #[serde(default)]
    pub choice: Option<PeerChoice>,
}

/// What one tap led to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum AskOutcome {
    /// Queued, and sent if the relay answered.
    Sent {
        /// The request.
        request: RequestView,
    },
    /// Nobody on duty matches the choice; nothing was sent.
    NoMatch {
        /// What the officer can do instead.
        options: NoMatch,
    },
}

/// Where the officer's request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// In the outbox: will send when the relay is reachable.
    Queued,
    /// The relay has it; on-duty peers were notified.
    Sent,
    /// It has reached a peer's phone.
    Delivered,
    /// A peer took it (their message may still be on its way).
    Accepted,
    /// Closed by the officer or the peer, or expired.
    Closed,
    /// The relay refused it for good (see the failure message).
    Failed,
}

impl Stage {
    fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Accepted => "accepted",
            Self::Closed => "closed",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "accepted" => Self::Accepted,
            "closed" => Self::Closed,
            "failed" => Self::Failed,
            _ => Self::Queued,
        }
    }
}

/// A request as the officer's screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RequestView {
    /// Id.
    pub request_id: String,
    /// When it was made (UTC, RFC 3339).
    pub created_at_utc: String,
    /// How soon.
    pub urgency: Urgency,
    /// Where it stands.
    pub stage: Stage,
    /// Unclaimed past the team's limit: it went to every peer.
    pub escalated: bool,
    /// Display name of the peer who took it, from the verified roster.
    pub accepted_by: Option<String>,
    /// Their verified message.
    pub reply_message: Option<String>,
    /// When to expect contact, minutes.
    pub reply_eta_minutes: Option<u32>,
    /// Send attempts so far (while queued).
    pub attempts: u32,
    /// Why it failed, or a warning about it (e.g. a reply that could not be verified).
    pub failure: Option<String>,
}

fn parse_urgency(s: &str) -> Result<Urgency> {
    Urgency::parse(s).ok_or_else(|| Error::InvalidInput("Choose now, today or this week.".into()))
}

pub(crate) fn check_contact(c: &Contact) -> Result<()> {
    match c {
        Contact::Call(n) | Contact::Text(n) => {
            let digits = n.chars().filter(char::is_ascii_digit).count();
            if !(3..=15).contains(&digits)
                || !n
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            {
                return Err(Error::InvalidInput(
                    "That phone number does not look right.".into(),
                ));
            }
            Ok(())
        }
        Contact::InApp => Ok(()),
    }
}

/// One tap: builds, encrypts, queues and (if the relay answers) sends a request.
pub async fn ask_for_peer<A: VaultAccess>(vault: &A, req: NewRequest) -> Result<AskOutcome> {
    let urgency = req.urgency;
    check_contact(&req.contact)?;
    let note = req
        .note
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned);
    if note
        .as_ref()
        .is_some_and(|n| n.chars().count() > MAX_NOTE_CHARS)
    {
        return Err(Error::InvalidInput(format!(
            "The note can be at most {MAX_NOTE_CHARS} characters."
        )));
    }
    let (m, roster, remembered) = vault.with_vault(|v| {
        Ok((
            require_membership(v)?,
            load_roster(v)?,
            choose::remembered(v)?,
        ))
    })?;
    let Some((_, roster)) = roster.filter(|(_, r)| !r.peers.is_empty()) else {
        return Err(Error::NoPeers);
    };
    let choice = match req.choice {
        Some(c) => {
            let c = PeerChoice {
                preferences: c.preferences.tidy(),
                ..c
            };
            vault.with_vault(|v| choose::remember(v, &c.preferences))?;
            c
        }
        None => PeerChoice {
            preferences: remembered,
            fallback: Fallback::AnyOnDuty,
        },
    };
    let on_duty = fetch_on_duty(&m).await.ok();
    let audience = match choose::plan(&roster, on_duty.as_deref(), &choice)? {
        Plan::Send(a) => a,
        Plan::NoMatch(options) => return Ok(AskOutcome::NoMatch { options }),
    };
    let prefs_json = serde_json::to_string(&choice.preferences)
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let request_id = random_id();
    let (reply_secret, reply_key) = payload::new_identity();
    let status_secret = random_id();
    // The officer's one-time signing key for this request's conversation.
    let sign = zeroize::Zeroizing::new(
        ed25519_dalek::SigningKey::generate(&mut chacha20poly1305::aead::OsRng).to_bytes(),
    );
    let body = RequestPayload {
        v: 1,
        request_id: request_id.clone(),
        urgency,
        contact: req.contact.clone(),
        note: note.clone(),
        reply_key,
        officer_key: officer_key_of(sign.as_slice()),
    };
    let plaintext = zeroize::Zeroizing::new(
        serde_json::to_vec(&body).map_err(|e| Error::InvalidInput(e.to_string()))?,
    );
    let ciphertext = seal_for(&plaintext, &audience)?;
    let key_ids = audience.listed;
    let contact_json =
        serde_json::to_string(&req.contact).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let now = vault.now();
    let created = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Whole hours: an expiry to the second, set from this phone's clock, would carry the
    // phone's clock error to the relay, a number that could link one officer's requests.
    let expires_at = (now + REQUEST_TTL_SECS).div_euclid(3600) * 3600 + 3600;
    let id = request_id.clone();
    vault.with_vault(move |v| {
        v.conn()
            .execute(
                "INSERT INTO peer_requests (request_id, created_at_utc, urgency, contact, note,
                   reply_identity, status_secret, recipients, ciphertext, expires_at, state,
                   preferences, sign_secret)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', ?11, ?12)",
                params![
                    id,
                    created,
                    urgency.as_str(),
                    contact_json,
                    note,
                    reply_secret,
                    status_secret,
                    serde_json::to_string(&key_ids).unwrap_or_else(|_| "[]".into()),
                    ciphertext,
                    expires_at,
                    prefs_json,
                    sign.to_vec()
                ],
            )
            .map_err(Error::from_sqlite)?;
        Ok(())
    })?;
    // Once queued, nothing is an error for the officer: the request either went, waits in
    // the outbox, or shows why it failed on the status screen.
    if let Err(e) = flush_outbox(vault).await {
        tracing::debug!(code = e.code(), "request queued; the outbox will retry");
    }
    let request = vault.with_vault(|v| view(v, &request_id))?;
    Ok(AskOutcome::Sent { request })
}

/// Encrypts to the audience's readers, with a throwaway stanza for every other listed
/// peer so the ciphertext's header counts as many recipients as the relay's list.
fn seal_for(plaintext: &[u8], audience: &Audience) -> Result<Vec<u8>> {
    let mut to: Vec<String> = audience
        .readers
        .iter()
        .map(|p| p.age_recipient.clone())
        .collect();
    to.extend(choose::padding(
        audience.listed.len().saturating_sub(to.len()),
    ));
    payload::seal(plaintext, &to)
}

async fn fetch_on_duty(m: &Membership) -> Result<Vec<String>> {
    // Unsigned: a device signature here would tie this lookup to the anonymous post
    // that follows it.
    let d: OnDuty = RelayClient::anonymous(&m.relay_url)?
        .on_duty(&m.team_id)
        .await?;
    Ok(d.key_ids)
}

struct Outgoing {
    request_id: String,
    urgency: Urgency,
    recipients: Vec<String>,
    ciphertext: Vec<u8>,
    status_secret: String,
    expires_at: i64,
    attempts: i64,
    token: Option<String>,
}

/// What the outbox does with a queued request after one try.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    /// The relay has it (a duplicate counts: a lost answer, retried).
    Sent,
    /// Try again after the backoff; `drop_token` when the relay will not take its token.
    Retry {
        /// Forget the request's token so the next try spends a fresh one.
        drop_token: bool,
        /// Why it is still waiting, for the status screen (`None` keeps what is shown).
        note: Option<&'static str>,
    },
    /// The relay cannot be reached: retry after the backoff, and stop this round.
    Offline,
    /// It will not get better by retrying: show why.
    Failed(String),
}

/// Why a request waits for tokens.
const WAITING_FOR_TOKENS: &str =
    "Waiting for request tokens from the relay; it will send as soon as they arrive.";

/// The outbox's decision after one post. Busy, a clock problem or a token the relay will
/// not take (spent, or its key expired) are worth a retry; any other refusal is final.
fn step_after_post(outcome: &Result<PostAccepted>) -> Step {
    match outcome {
        Ok(_) => Step::Sent,
        Err(Error::RelayUnreachable(_)) => Step::Offline,
        Err(Error::RelayRefused { code, message }) => match code {
            Some(ErrorCode::TokenSpent | ErrorCode::Forbidden) => Step::Retry {
                drop_token: true,
                note: None,
            },
            Some(ErrorCode::RateLimited | ErrorCode::Unauthorized | ErrorCode::Replay) => {
                Step::Retry {
                    drop_token: false,
                    note: None,
                }
            }
            _ => Step::Failed(format!("The relay refused this request: {message}")),
        },
        Err(other) => Step::Failed(other.to_string()),
    }
}

/// Writes a step's outcome for request `id`. Only a request still queued changes: a cancel
/// while the post was in flight wins.
fn record_step(v: &Vault, id: &str, attempts: i64, step: &Step, now: i64) -> Result<()> {
    let wait = now + Backoff::OUTBOX.delay_secs(attempts);
    let conn = v.conn();
    match step {
        Step::Sent => conn.execute(
            "UPDATE peer_requests SET state = 'sent', failure = NULL WHERE request_id = ?1 AND state = 'queued'",
            [id],
        ),
        Step::Retry { drop_token, note } => {
            if *drop_token {
                conn.execute(
                    "UPDATE peer_requests SET token = NULL WHERE request_id = ?1",
                    [id],
                )
                .map_err(Error::from_sqlite)?;
            }
            conn.execute(
                "UPDATE peer_requests SET attempts = attempts + 1, next_attempt_at = ?2,
                   failure = COALESCE(?3, failure)
                 WHERE request_id = ?1 AND state = 'queued'",
                params![id, wait, note],
            )
        }
        Step::Offline => conn.execute(
            "UPDATE peer_requests SET attempts = attempts + 1, next_attempt_at = ?2
             WHERE request_id = ?1 AND state = 'queued'",
            params![id, wait],
        ),
        Step::Failed(why) => conn.execute(
            "UPDATE peer_requests SET state = 'failed', failure = ?2
             WHERE request_id = ?1 AND state = 'queued'",
            params![id, why],
        ),
    }
    .map_err(Error::from_sqlite)?;
    Ok(())
}

/// When the outbox next has something to send (Unix seconds), for the engine's scheduler.
pub fn next_outbox_attempt(v: &Vault) -> Result<Option<i64>> {
    v.conn()
        .query_row(
            "SELECT MIN(next_attempt_at) FROM peer_requests WHERE state = 'queued'",
            [],
            |r| r.get(0),
        )
        .map_err(Error::from_sqlite)
}

/// Whether a queued request waits for a token while the vault holds none: the engine then
/// fetches tokens soon rather than at a random moment within minutes.
pub fn waiting_for_tokens(v: &Vault) -> Result<bool> {
    let waiting: i64 = v
        .conn()
        .query_row(
            "SELECT count(*) FROM peer_requests WHERE state = 'queued' AND token IS NULL",
            [],
            |r| r.get(0),
        )
        .map_err(Error::from_sqlite)?;
    Ok(waiting > 0 && super::tokens::count(v)? == 0)
}

/// Tokens arrived: requests that waited only for one are due now, not at their backoff.
/// True when there is any.
pub fn tokens_arrived(v: &Vault, now: i64) -> Result<bool> {
    v.conn()
        .execute(
            "UPDATE peer_requests SET next_attempt_at = ?1
             WHERE state = 'queued' AND token IS NULL AND next_attempt_at > ?1",
            [now],
        )
        .map_err(Error::from_sqlite)?;
    next_outbox_attempt(v).map(|at| at.is_some_and(|at| at <= now))
}

/// Gives a queued request a token from the vault, kept with it so a retry spends nothing
/// new. `None` when the vault has none left.
fn assign_token(v: &mut Vault, id: &str) -> Result<Option<Token>> {
    let Some(t) = super::tokens::take(v)? else {
        return Ok(None);
    };
    let json = serde_json::to_string(&t).map_err(|e| Error::InvalidInput(e.to_string()))?;
    v.conn()
        .execute(
            "UPDATE peer_requests SET token = ?2 WHERE request_id = ?1",
            params![id, json],
        )
        .map_err(Error::from_sqlite)?;
    Ok(Some(t))
}

/// Sends every queued request that is due. Returns how many the relay now has. A relay
/// that is down leaves them queued with a growing wait (up to five minutes).
pub async fn flush_outbox<A: VaultAccess>(vault: &A) -> Result<usize> {
    let now = vault.now();
    let (m, due) = vault.with_vault(|v| {
        let m = require_membership(v)?;
        let mut stmt = v
            .conn()
            .prepare(
                "SELECT request_id, urgency, recipients, ciphertext, status_secret, expires_at, attempts, token
                 FROM peer_requests WHERE state = 'queued' AND next_attempt_at <= ?1
                 ORDER BY created_at_utc",
            )
            .map_err(Error::from_sqlite)?;
        let rows = stmt
            .query_map([now], |r| {
                Ok(Outgoing {
                    request_id: r.get(0)?,
                    urgency: Urgency::parse(&r.get::<_, String>(1)?).unwrap_or(Urgency::Now),
                    recipients: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
                    ciphertext: r.get(3)?,
                    status_secret: r.get(4)?,
                    expires_at: r.get(5)?,
                    attempts: r.get(6)?,
                    token: r.get(7)?,
                })
            })
            .map_err(Error::from_sqlite)?;
        let due = rows.collect::<std::result::Result<Vec<_>, _>>().map_err(Error::from_sqlite)?;
        Ok((m, due))
    })?;
    // Posts carry an anonymous token and no device signature: the relay learns that a
    // member asked, not which one.
    let client = RelayClient::anonymous(&m.relay_url)?;
    let mut sent = 0;
    let mut unreachable = None;
    for o in due {
        let id = o.request_id.clone();
        let held = o
            .token
            .as_deref()
            .and_then(|t| serde_json::from_str::<Token>(t).ok());
        // Never fetched here: tokens come in the background (the engine's refill), so a
        // tap never waits on the relay's issuance and a fetch is not tied to this post.
        let token = match held {
            Some(t) => Some(t),
            None => vault.with_vault(|v| assign_token(v, &id))?,
        };
        let Some(token) = token else {
            let step = Step::Retry {
                drop_token: false,
                note: Some(WAITING_FOR_TOKENS),
            };
            vault.with_vault(|v| record_step(v, &id, o.attempts, &step, now))?;
            continue;
        };
        let body = PostRequest {
            request_id: o.request_id.clone(),
            urgency: o.urgency,
            recipient_key_ids: o.recipients,
            expires_at: o.expires_at,
            ciphertext: b64::encode(&o.ciphertext),
            status_hash: secret_hash_hex(&o.status_secret),
            token: Some(token),
        };
        let outcome: Result<PostAccepted> = client
            .post_request(&m.team_id, &body)
            .await
            .map_err(Error::from);
        let step = step_after_post(&outcome);
        vault.with_vault(|v| record_step(v, &id, o.attempts, &step, now))?;
        match step {
            Step::Sent => sent += 1,
            Step::Offline => {
                if let Err(Error::RelayUnreachable(why)) = outcome {
                    unreachable = Some(why);
                }
                break;
            }
            Step::Retry { .. } | Step::Failed(_) => {}
        }
    }
    match unreachable {
        Some(why) if sent == 0 => Err(Error::RelayUnreachable(why)),
        _ => Ok(sent),
    }
}

/// Asks the relay where a request stands; verifies and stores a peer's reply.
pub async fn refresh<A: VaultAccess>(vault: &A, request_id: &str) -> Result<RequestView> {
    let id = request_id.to_owned();
    let (m, row, roster) = vault.with_vault(|v| {
        let row: Option<(String, String, Option<String>)> = v
            .conn()
            .query_row(
                "SELECT state, status_secret, reply_identity FROM peer_requests WHERE request_id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(Error::from_sqlite)?;
        Ok((require_membership(v)?, row, load_roster(v)?))
    })?;
    let Some((state, secret, reply_identity)) = row else {
        return Err(Error::InvalidInput(
            "There is no such request on this phone.".into(),
        ));
    };
    if matches!(
        Stage::parse(&state),
        Stage::Queued | Stage::Closed | Stage::Failed
    ) {
        return vault.with_vault(|v| view(v, &id));
    }
    let status: Result<RequestStatus> = RelayClient::anonymous(&m.relay_url)?
        .request_status(&id, &secret)
        .await
        .map_err(Error::from);
    match status {
        Ok(s) => {
            // A reply that fails verification is dropped and flagged, never shown and never
            // allowed to freeze the request (the crisis lines stay on screen).
            let (reply, failure) = match (&s.reply, &reply_identity) {
                (Some(ct), Some(identity)) => {
                    match verify_reply(&id, ct, identity, roster.as_ref().map(|(_, r)| r)) {
                        Ok(r) => (Some(r), None),
                        Err(e) => (None, Some(e.to_string())),
                    }
                }
                _ => (None, None),
            };
            let stage = match s.state {
                RequestState::Open if s.delivered => Stage::Delivered,
                RequestState::Open => Stage::Sent,
                RequestState::Claimed | RequestState::Replied => Stage::Accepted,
            };
            vault.with_vault(|v| {
                v.conn()
                    .execute(
                        "UPDATE peer_requests SET state = ?2, escalated = ?3, failure = ?4
                         WHERE request_id = ?1 AND state != 'closed'",
                        params![id, stage.as_str(), s.escalated, failure],
                    )
                    .map_err(Error::from_sqlite)?;
                if let Some(r) = &reply {
                    v.conn()
                        .execute(
                            "UPDATE peer_requests SET accepted_by = ?2, reply_message = ?3, reply_eta_min = ?4,
                               peer_key_id = ?5, peer_key = ?6
                             WHERE request_id = ?1",
                            params![id, r.name, r.message, r.eta_minutes, r.key_id, r.case_key],
                        )
                        .map_err(Error::from_sqlite)?;
                }
                Ok(())
            })?;
        }
        Err(Error::RelayRefused {
            code: Some(ErrorCode::UnknownRequest),
            ..
        }) => {
            // Closed by the peer, or expired: the relay deleted it. Forget the reply key.
            vault.with_vault(|v| close_locally(v, &id))?;
        }
        Err(e) => return Err(e),
    }
    let current = vault.with_vault(|v| view(v, &id))?;
    if current.escalated && matches!(current.stage, Stage::Sent | Stage::Delivered) {
        widen(vault, &m, &id, &secret, roster.as_ref().map(|(_, r)| r)).await?;
    }
    vault.with_vault(|v| view(v, &id))
}

/// A request's payload rebuilt from the vault (for widening or a hand-off): the same
/// keys, the same words, and the choice the officer made.
struct Stored {
    plaintext: zeroize::Zeroizing<Vec<u8>>,
    preferences: Preferences,
    widened: bool,
}

fn stored_payload(v: &Vault, id: &str) -> Result<Option<Stored>> {
    let row = v
        .conn()
        .query_row(
            "SELECT urgency, contact, note, reply_identity, widened, preferences, sign_secret
             FROM peer_requests WHERE request_id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<Vec<u8>>>(6)?,
                ))
            },
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    let Some((urgency, contact, note, Some(reply_identity), widened, prefs, sign)) = row else {
        return Ok(None);
    };
    // A request made before preferences existed has none: it widens to everyone.
    let preferences: Preferences = prefs
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default();
    let body = RequestPayload {
        v: 1,
        request_id: id.to_owned(),
        urgency: parse_urgency(&urgency)?,
        contact: serde_json::from_str(&contact)
            .map_err(|_| Error::InvalidInput("A stored request is damaged.".into()))?,
        note,
        reply_key: payload::identity(&reply_identity)?.to_public().to_string(),
        officer_key: sign.and_then(|s| officer_key_of(&s)),
    };
    Ok(Some(Stored {
        plaintext: zeroize::Zeroizing::new(
            serde_json::to_vec(&body).map_err(|e| Error::InvalidInput(e.to_string()))?,
        ),
        preferences,
        widened: widened != 0,
    }))
}

/// The public half (base64) of a stored one-time signing key.
fn officer_key_of(secret: &[u8]) -> Option<String> {
    let secret: [u8; 32] = secret.try_into().ok()?;
    Some(b64::encode(
        ed25519_dalek::SigningKey::from_bytes(&secret)
            .verifying_key()
            .as_bytes(),
    ))
}

/// After escalation: re-encrypt the request to every peer in the roster outside the
/// officer's exclusions (the first copy was readable by the chosen on-duty peers only) and
/// hand it to the relay, once.
async fn widen<A: VaultAccess>(
    vault: &A,
    m: &Membership,
    id: &str,
    secret: &str,
    roster: Option<&Roster>,
) -> Result<()> {
    let Some(roster) = roster else { return Ok(()) };
    let Some(stored) = vault.with_vault(|v| stored_payload(v, id))? else {
        return Ok(());
    };
    if stored.widened {
        return Ok(());
    }
    let (plaintext, prefs) = (stored.plaintext, stored.preferences);
    let audience = choose::widened(roster, &prefs);
    if audience.readers.is_empty() {
        return Ok(());
    }
    let ciphertext = seal_for(&plaintext, &audience)?;
    let res = RelayClient::anonymous(&m.relay_url)?
        .widen(
            id,
            secret,
            &WidenRequest {
                recipient_key_ids: audience.listed,
                ciphertext: b64::encode(&ciphertext),
            },
        )
        .await
        .map_err(Error::from);
    match res {
        // Taken meanwhile: nothing to widen.
        Ok(()) | Err(Error::RelayRefused { .. }) => {}
        Err(e) => return Err(e),
    }
    vault.with_vault(|v| {
        v.conn()
            .execute(
                "UPDATE peer_requests SET widened = 1 WHERE request_id = ?1",
                [id],
            )
            .map_err(Error::from_sqlite)?;
        Ok(())
    })
}

/// Decrypts a reply with the request's reply key and checks the peer's signature against
/// the verified roster. Returns (display name, message, eta).
/// A reply that verified against the roster.
struct VerifiedReply {
    name: String,
    message: String,
    eta_minutes: u32,
    key_id: String,
    /// The peer's one-time key for this request's conversation (version 2 replies).
    case_key: Option<String>,
}

fn verify_reply(
    request_id: &str,
    ct_b64: &str,
    identity: &str,
    roster: Option<&Roster>,
) -> Result<VerifiedReply> {
    let forged = || {
        Error::NotAuthentic(
            "A reply could not be verified as coming from a peer on your team, so it is not shown."
                .into(),
        )
    };
    let ct = b64::decode(ct_b64).ok_or_else(forged)?;
    let plain = payload::open(&ct, &payload::identity(identity)?).ok_or_else(forged)?;
    let reply: ReplyPayload = serde_json::from_slice(&plain).map_err(|_| forged())?;
    if reply.request_id != request_id {
        return Err(forged());
    }
    let peer = roster
        .and_then(|r| r.peers.iter().find(|p| p.key_id == reply.key_id))
        .ok_or_else(forged)?;
    let key: [u8; 32] = b64::decode(&peer.signing_key)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(forged)?;
    if !reply.verify(&key) {
        return Err(forged());
    }
    // A case key must be an age recipient, or the officer could not write back.
    let case_key = reply
        .case_key
        .filter(|k| k.parse::<age::x25519::Recipient>().is_ok());
    Ok(VerifiedReply {
        name: peer.display_name.clone(),
        message: reply.message,
        eta_minutes: reply.eta_minutes,
        key_id: reply.key_id,
        case_key,
    })
}

/// The request ended: its keys are deleted, and its conversation unless the officer
/// chose to keep it.
fn close_locally(v: &Vault, id: &str) -> Result<()> {
    v.conn()
        .execute(
            "UPDATE peer_requests SET state = 'closed', reply_identity = NULL, ciphertext = x'',
               sign_secret = NULL, peer_key = NULL
             WHERE request_id = ?1",
            [id],
        )
        .map_err(Error::from_sqlite)?;
    super::conversation::forget_officer(v, id)
}

/// The officer answers the peer's ask to hand the request on. Agreeing re-encrypts the
/// request, on this phone, for the peer named (or for the peers on duty who fit the
/// officer's choice, the one handing on aside) and gives it to the relay, which releases
/// the claim; the timeline says what was agreed. Declining tells the peer.
pub async fn answer_hand_off<A: VaultAccess>(
    vault: &A,
    request_id: &str,
    agree: bool,
) -> Result<ConversationView> {
    let id = request_id.to_owned();
    if !agree {
        return conversation::send(vault, &id, Said::Declined).await;
    }
    let (m, roster, row, stored) = vault.with_vault(|v| {
        let row: Option<(String, Option<String>, Option<String>)> = v
            .conn()
            .query_row(
                "SELECT status_secret, peer_key_id, accepted_by FROM peer_requests
                 WHERE request_id = ?1 AND state = 'accepted'",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(Error::from_sqlite)?;
        Ok((
            require_membership(v)?,
            load_roster(v)?,
            row,
            stored_payload(v, &id)?,
        ))
    })?;
    let (Some((secret, current, current_name)), Some(stored), Some((_, roster))) =
        (row, stored, roster)
    else {
        return Err(Error::InvalidInput(
            "Only a request a peer has taken can be handed on.".into(),
        ));
    };
    let to = vault.with_vault(|v| conversation::pending_hand_off(v, &id))?;
    let on_duty = fetch_on_duty(&m).await.ok();
    let fallback = match &to {
        Some(k) => Fallback::Peer(k.clone()),
        None => Fallback::AnyOnDuty,
    };
    let choice = PeerChoice {
        preferences: stored.preferences,
        fallback,
    };
    let mut audience = match choose::plan(&roster, on_duty.as_deref(), &choice)? {
        Plan::Send(a) => a,
        Plan::NoMatch(_) => Audience {
            readers: Vec::new(),
            listed: Vec::new(),
        },
    };
    if to.is_none() {
        audience
            .readers
            .retain(|p| Some(&p.key_id) != current.as_ref());
    }
    if audience.readers.is_empty() {
        return Err(Error::InvalidInput(
            "No other peer is on duty to take this now. You can keep talking, or close it and use the crisis lines."
                .into(),
        ));
    }
    let ciphertext = seal_for(&stored.plaintext, &audience)?;
    let new_names: Vec<String> = audience
        .readers
        .iter()
        .map(|p| p.display_name.clone())
        .collect();
    RelayClient::anonymous(&m.relay_url)?
        .hand_off(
            &id,
            &secret,
            &HandOff {
                recipient_key_ids: audience.listed,
                ciphertext: b64::encode(&ciphertext),
            },
        )
        .await?;
    let now = vault.now();
    vault.with_vault(|v| {
        v.conn()
            .execute(
                "UPDATE peer_requests SET state = 'sent', accepted_by = NULL, reply_message = NULL,
                   reply_eta_min = NULL, peer_key = NULL, peer_key_id = NULL, last_seq = 0
                 WHERE request_id = ?1",
                [&id],
            )
            .map_err(Error::from_sqlite)?;
        let from = current_name.unwrap_or_else(|| "The peer".into());
        let text = match (&to, new_names.as_slice()) {
            (Some(_), [name]) => {
                conversation::sentence(&format!("You agreed: {from} handed this to {name}"))
            }
            _ => format!("You agreed: {from} handed this to another peer on duty."),
        };
        conversation::note(v, &id, &text, now)?;
        conversation::view(v, &id)
    })
}

/// Cancels (or closes) a request: the relay deletes it and this phone forgets its reply key.
pub async fn cancel<A: VaultAccess>(vault: &A, request_id: &str) -> Result<RequestView> {
    let id = request_id.to_owned();
    let (m, row) = vault.with_vault(|v| {
        let row: Option<(String, String)> = v
            .conn()
            .query_row(
                "SELECT state, status_secret FROM peer_requests WHERE request_id = ?1",
                [&id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(Error::from_sqlite)?;
        Ok((require_membership(v)?, row))
    })?;
    let Some((state, secret)) = row else {
        return Err(Error::InvalidInput(
            "There is no such request on this phone.".into(),
        ));
    };
    if !matches!(
        Stage::parse(&state),
        Stage::Queued | Stage::Closed | Stage::Failed
    ) {
        match RelayClient::anonymous(&m.relay_url)?
            .close_request(&id, Some(&secret))
            .await
        {
            Ok(()) => {}
            Err(e) if e.code() == Some(ErrorCode::UnknownRequest) => {}
            Err(e) => return Err(e.into()),
        }
    }
    vault.with_vault(|v| {
        close_locally(v, &id)?;
        view(v, &id)
    })
}

/// The officer's requests, newest first.
pub fn list(v: &Vault) -> Result<Vec<RequestView>> {
    let mut stmt = v
        .conn()
        .prepare(&format!(
            "{VIEW_SELECT} ORDER BY created_at_utc DESC, rowid DESC"
        ))
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], row_to_view)
        .map_err(Error::from_sqlite)?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::from_sqlite)
}

/// The requests the relay still holds for this officer (sent, delivered or accepted), with
/// their status secrets: what the engine follows live.
pub fn live_requests(v: &Vault) -> Result<Vec<(String, String)>> {
    let mut stmt = v
        .conn()
        .prepare(
            "SELECT request_id, status_secret FROM peer_requests
             WHERE state IN ('sent', 'delivered', 'accepted')",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .map_err(Error::from_sqlite)?;
    rows.collect::<std::result::Result<Vec<_>, _>>()
        .map_err(Error::from_sqlite)
}

/// One request.
pub fn view(v: &Vault, id: &str) -> Result<RequestView> {
    v.conn()
        .query_row(
            &format!("{VIEW_SELECT} WHERE request_id = ?1"),
            [id],
            row_to_view,
        )
        .optional()
        .map_err(Error::from_sqlite)?
        .ok_or_else(|| Error::InvalidInput("There is no such request on this phone.".into()))
}

const VIEW_SELECT: &str =
    "SELECT request_id, created_at_utc, urgency, state, escalated, accepted_by,
    reply_message, reply_eta_min, attempts, failure FROM peer_requests";

fn row_to_view(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestView> {
    Ok(RequestView {
        request_id: r.get(0)?,
        created_at_utc: r.get(1)?,
        urgency: Urgency::parse(&r.get::<_, String>(2)?).unwrap_or(Urgency::Now),
        stage: Stage::parse(&r.get::<_, String>(3)?),
        escalated: r.get::<_, i64>(4)? != 0,
        accepted_by: r.get(5)?,
        reply_message: r.get(6)?,
        reply_eta_minutes: r.get(7)?,
        attempts: r.get::<_, i64>(8)?.max(0) as u32,
        failure: r.get(9)?,
    })
}

/// Refreshes every request still in flight (status, replies, escalation). The app runs this
/// in the background so escalation widens a request even when its screen is not open.
pub async fn refresh_open<A: VaultAccess>(vault: &A) -> Result<()> {
    let ids: Vec<String> = vault.with_vault(|v| {
        let mut stmt = v
            .conn()
            .prepare("SELECT request_id FROM peer_requests WHERE state IN ('sent', 'delivered', 'accepted')")
            .map_err(Error::from_sqlite)?;
        let rows = stmt
            .query_map([], |r| r.get(0))
            .map_err(Error::from_sqlite)?;
        rows.collect::<std::result::Result<Vec<_>, _>>()
            .map_err(Error::from_sqlite)
    })?;
    for id in ids {
        refresh(vault, &id).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    #[test]
    fn contact_and_urgency_are_checked() {
        assert!(check_contact(&Contact::Call("+1 (555) 010-0000".into())).is_ok());
        assert!(check_contact(&Contact::InApp).is_ok());
        assert!(check_contact(&Contact::Text("call me maybe".into())).is_err());
        assert!(parse_urgency("now").is_ok());
        assert_eq!(
            parse_urgency("whenever").unwrap_err().code(),
            "INVALID_INPUT"
        );
    }

    #[test]
    fn stage_round_trips() {
        for s in [
            Stage::Queued,
            Stage::Sent,
            Stage::Delivered,
            Stage::Accepted,
            Stage::Closed,
            Stage::Failed,
        ] {
            assert_eq!(Stage::parse(s.as_str()), s);
        }
        let _ = age::x25519::Identity::from_str(&payload::new_identity().0).unwrap();
    }

    /// The outbox on a manual timeline: each case of a post's outcome, recorded in a real
    /// vault, and when the scheduler would try again.
    mod outbox {
        use super::*;
        use crate::directory::test_support::vault;

        const NOW: i64 = 1_800_000_000;

        fn queue(v: &Vault, id: &str, expires_at: i64) {
            v.conn()
                .execute(
                    "INSERT INTO peer_requests (request_id, created_at_utc, urgency, contact, note,
                       reply_identity, status_secret, recipients, ciphertext, expires_at, state, token)
                     VALUES (?1, '2027-01-15T08:00:00Z', 'now', '\"in_app\"', NULL, 'x', 's', '[]',
                       x'00', ?2, 'queued', '{\"t\":1}')",
                    params![id, expires_at],
                )
                .unwrap();
        }

        fn row(v: &Vault, id: &str) -> (String, i64, i64, Option<String>, Option<String>) {
            v.conn()
                .query_row(
                    "SELECT state, attempts, next_attempt_at, token, failure FROM peer_requests WHERE request_id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .unwrap()
        }

        fn refused(code: ErrorCode) -> Result<PostAccepted> {
            Err(Error::RelayRefused {
                code: Some(code),
                message: "no".into(),
            })
        }

        #[test]
        fn offline_waits_longer_each_time_and_the_scheduler_knows_when() {
            let (_d, v) = vault();
            queue(&v, "r", NOW + 3600);
            let step = step_after_post(&Err(Error::RelayUnreachable("down".into())));
            assert_eq!(step, Step::Offline);
            record_step(&v, "r", 0, &step, NOW).unwrap();
            assert_eq!(row(&v, "r").0, "queued");
            assert_eq!(next_outbox_attempt(&v).unwrap(), Some(NOW + 1));
            record_step(&v, "r", 1, &step, NOW + 1).unwrap();
            assert_eq!(next_outbox_attempt(&v).unwrap(), Some(NOW + 3));
            record_step(&v, "r", 20, &step, NOW + 3).unwrap();
            assert_eq!(next_outbox_attempt(&v).unwrap(), Some(NOW + 3 + 300));
            assert_eq!(row(&v, "r").1, 3, "attempts counted");
        }

        #[test]
        fn a_refusal_that_retrying_cannot_fix_fails_with_the_relays_words() {
            let (_d, v) = vault();
            queue(&v, "r", NOW + 3600);
            let step = step_after_post(&refused(ErrorCode::InvalidInput));
            record_step(&v, "r", 0, &step, NOW).unwrap();
            let (state, _, _, _, failure) = row(&v, "r");
            assert_eq!(state, "failed");
            assert_eq!(
                failure.as_deref(),
                Some("The relay refused this request: no")
            );
            assert_eq!(
                next_outbox_attempt(&v).unwrap(),
                None,
                "nothing left to send"
            );
        }

        #[test]
        fn a_lost_answer_retried_is_a_duplicate_and_counts_as_sent() {
            let (_d, v) = vault();
            queue(&v, "r", NOW + 3600);
            let dup = Ok(PostAccepted {
                request_id: "r".into(),
                duplicate: true,
            });
            assert_eq!(step_after_post(&dup), Step::Sent);
            record_step(&v, "r", 2, &Step::Sent, NOW).unwrap();
            assert_eq!(row(&v, "r").0, "sent");
        }

        #[test]
        fn a_spent_token_is_dropped_and_busy_keeps_it() {
            let (_d, v) = vault();
            queue(&v, "r", NOW + 3600);
            let busy = step_after_post(&refused(ErrorCode::RateLimited));
            record_step(&v, "r", 0, &busy, NOW).unwrap();
            assert!(row(&v, "r").3.is_some(), "busy: the same token next time");
            let spent = step_after_post(&refused(ErrorCode::TokenSpent));
            assert_eq!(
                spent,
                Step::Retry {
                    drop_token: true,
                    note: None
                }
            );
            record_step(&v, "r", 1, &spent, NOW).unwrap();
            let (state, _, next, token, _) = row(&v, "r");
            assert_eq!((state.as_str(), token), ("queued", None));
            assert_eq!(next, NOW + 2);
        }

        #[test]
        fn a_request_past_its_expiry_is_refused_by_the_relay_and_fails_for_good() {
            // The relay is the judge of expiry (its clock, not the phone's): it refuses
            // the post as invalid, which no retry can fix.
            let (_d, v) = vault();
            queue(&v, "r", NOW - 1);
            let step = step_after_post(&refused(ErrorCode::InvalidInput));
            record_step(&v, "r", 4, &step, NOW).unwrap();
            let (state, _, _, _, failure) = row(&v, "r");
            assert_eq!(state, "failed");
            assert!(failure.unwrap().contains("refused"));
            assert_eq!(next_outbox_attempt(&v).unwrap(), None);
        }

        #[test]
        fn a_cancel_while_the_post_was_in_flight_wins() {
            let (_d, v) = vault();
            queue(&v, "r", NOW + 3600);
            v.conn()
                .execute("UPDATE peer_requests SET state = 'closed'", [])
                .unwrap();
            record_step(&v, "r", 0, &Step::Sent, NOW).unwrap();
            assert_eq!(row(&v, "r").0, "closed");
        }
    }
}
