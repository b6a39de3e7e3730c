//! The officer's side: one tap builds a request with a fresh reply key, encrypts it to the
//! on-duty peers, and puts it in the outbox in the vault; the outbox sends it when the
//! relay answers (exactly once: the relay deduplicates by request id). The officer follows
//! it with a per-request secret, never with the device id.

use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::documents::Roster;
use peerline_protocol::relay::{
    OnDuty, PostAccepted, PostRequest, RequestState, RequestStatus, Token, Urgency, WidenRequest,
};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::payload::{self, Contact, ReplyPayload, RequestPayload};
use super::team::{Membership, load_roster, require_membership};
use super::{VaultAccess, now_unix};
use crate::error::{Error, Result};
use crate::ids::random_id;
use crate::vault::Vault;
use peerline_client::{ErrorCode, RelayClient};

/// Longest note, characters.
pub const MAX_NOTE_CHARS: usize = 2000;
/// How long the relay keeps a request.
pub const REQUEST_TTL_SECS: i64 = 24 * 3600;
const MAX_BACKOFF_SECS: i64 = 300;

/// What the officer asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewRequest {
    /// How soon: "now", "today", "this_week".
    pub urgency: String,
    /// How to reach the officer.
    pub contact: Contact,
    /// Optional note for the peer.
    pub note: Option<String>,
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
    pub urgency: String,
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

/// Who gets the request: the peers on duty, or every peer when none is (or when the relay
/// cannot say) — a request should never go nowhere.
fn recipients<'a>(
    roster: &'a Roster,
    on_duty: Option<&[String]>,
) -> Vec<&'a peerline_protocol::documents::RosterPeer> {
    let on: Vec<_> = match on_duty {
        Some(keys) => roster
            .peers
            .iter()
            .filter(|p| keys.contains(&p.key_id))
            .collect(),
        None => Vec::new(),
    };
    if on.is_empty() {
        roster.peers.iter().collect()
    } else {
        on
    }
}

/// One tap: builds, encrypts, queues and (if the relay answers) sends a request.
pub async fn ask_for_peer<A: VaultAccess>(vault: &A, req: NewRequest) -> Result<RequestView> {
    let urgency = parse_urgency(&req.urgency)?;
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
    let (m, roster) = vault.with_vault(|v| Ok((require_membership(v)?, load_roster(v)?)))?;
    let Some((_, roster)) = roster.filter(|(_, r)| !r.peers.is_empty()) else {
        return Err(Error::NoPeers);
    };
    let on_duty = fetch_on_duty(&m).await.ok();
    let chosen = recipients(&roster, on_duty.as_deref());
    let request_id = random_id();
    let (reply_secret, reply_key) = payload::new_identity();
    let status_secret = random_id();
    let body = RequestPayload {
        v: 1,
        request_id: request_id.clone(),
        urgency,
        contact: req.contact.clone(),
        note: note.clone(),
        reply_key,
    };
    let plaintext = zeroize::Zeroizing::new(
        serde_json::to_vec(&body).map_err(|e| Error::InvalidInput(e.to_string()))?,
    );
    let ciphertext = payload::seal(
        &plaintext,
        &chosen
            .iter()
            .map(|p| p.age_recipient.clone())
            .collect::<Vec<_>>(),
    )?;
    let key_ids: Vec<String> = chosen.iter().map(|p| p.key_id.clone()).collect();
    let contact_json =
        serde_json::to_string(&req.contact).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let created = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // Whole hours: an expiry to the second, set from this phone's clock, would carry the
    // phone's clock error to the relay, a number that could link one officer's requests.
    let expires_at = (now_unix() + REQUEST_TTL_SECS).div_euclid(3600) * 3600 + 3600;
    let id = request_id.clone();
    vault.with_vault(move |v| {
        v.conn()
            .execute(
                "INSERT INTO peer_requests (request_id, created_at_utc, urgency, contact, note,
                   reply_identity, status_secret, recipients, ciphertext, expires_at, state)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued')",
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
                    expires_at
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
    vault.with_vault(|v| view(v, &request_id))
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

/// Sends every queued request that is due. Returns how many the relay now has. A relay
/// that is down leaves them queued with a growing wait (up to five minutes).
pub async fn flush_outbox<A: VaultAccess>(vault: &A) -> Result<usize> {
    let now = now_unix();
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
    let mut topped_up = false;
    for o in due {
        // Each request keeps the token it was given, so a retry spends nothing new.
        let token = match o
            .token
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok())
        {
            Some(t) => t,
            None => {
                let id = o.request_id.clone();
                let assign = |v: &mut Vault| -> Result<Option<Token>> {
                    let Some(t) = super::tokens::take(v)? else {
                        return Ok(None);
                    };
                    let json = serde_json::to_string(&t)
                        .map_err(|e| Error::InvalidInput(e.to_string()))?;
                    v.conn()
                        .execute(
                            "UPDATE peer_requests SET token = ?2 WHERE request_id = ?1",
                            params![id, json],
                        )
                        .map_err(Error::from_sqlite)?;
                    Ok(Some(t))
                };
                let mut t = vault.with_vault(assign)?;
                if t.is_none() && !topped_up {
                    topped_up = true;
                    if let Err(e) = super::tokens::top_up(vault).await {
                        tracing::debug!(code = e.code(), "could not fetch request tokens");
                    }
                    t = vault.with_vault(assign)?;
                }
                match t {
                    Some(t) => t,
                    None => {
                        let wait = (1i64 << o.attempts.clamp(0, 8)).min(MAX_BACKOFF_SECS);
                        vault.with_vault(|v| {
                            v.conn()
                                .execute(
                                    "UPDATE peer_requests SET attempts = attempts + 1, next_attempt_at = ?2,
                                       failure = 'Waiting for request tokens from the relay; it will send as soon as they arrive.'
                                     WHERE request_id = ?1",
                                    params![o.request_id, now + wait],
                                )
                                .map_err(Error::from_sqlite)?;
                            Ok(())
                        })?;
                        continue;
                    }
                }
            }
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
        let id = o.request_id.clone();
        match outcome {
            Ok(_) => {
                // Only if still queued: a cancel while the post was in flight wins.
                vault.with_vault(|v| {
                    v.conn()
                        .execute(
                            "UPDATE peer_requests SET state = 'sent', failure = NULL WHERE request_id = ?1 AND state = 'queued'",
                            [&id],
                        )
                        .map_err(Error::from_sqlite)?;
                    Ok(())
                })?;
                sent += 1;
            }
            Err(Error::RelayUnreachable(why)) => {
                let wait = (1i64 << o.attempts.clamp(0, 8)).min(MAX_BACKOFF_SECS);
                vault.with_vault(|v| {
                    v.conn()
                        .execute(
                            "UPDATE peer_requests SET attempts = attempts + 1, next_attempt_at = ?2
                             WHERE request_id = ?1",
                            params![id, now + wait],
                        )
                        .map_err(Error::from_sqlite)?;
                    Ok(())
                })?;
                unreachable = Some(why);
                break;
            }
            Err(Error::RelayRefused { code, message }) => {
                // Busy or a clock problem: wait and retry. Anything else will not get better
                // by retrying: mark it failed, tell the officer, and go on with the rest.
                // A token the relay will not take (spent, or its key expired) is dropped so
                // the next try uses a fresh one.
                let bad_token = matches!(code, Some(ErrorCode::TokenSpent | ErrorCode::Forbidden));
                let temporary = bad_token
                    || matches!(
                        code,
                        Some(ErrorCode::RateLimited | ErrorCode::Unauthorized | ErrorCode::Replay)
                    );
                if bad_token {
                    vault.with_vault(|v| {
                        v.conn()
                            .execute(
                                "UPDATE peer_requests SET token = NULL WHERE request_id = ?1",
                                [&id],
                            )
                            .map_err(Error::from_sqlite)?;
                        Ok(())
                    })?;
                }
                vault.with_vault(|v| {
                    if temporary {
                        let wait = (1i64 << o.attempts.clamp(0, 8)).min(MAX_BACKOFF_SECS);
                        v.conn().execute(
                            "UPDATE peer_requests SET attempts = attempts + 1, next_attempt_at = ?2
                             WHERE request_id = ?1 AND state = 'queued'",
                            params![id, now + wait],
                        )
                    } else {
                        v.conn().execute(
                            "UPDATE peer_requests SET state = 'failed', failure = ?2
                             WHERE request_id = ?1 AND state = 'queued'",
                            params![id, format!("The relay refused this request: {message}")],
                        )
                    }
                    .map_err(Error::from_sqlite)?;
                    Ok(())
                })?;
            }
            Err(e) => return Err(e),
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
                if let Some((name, message, eta)) = &reply {
                    v.conn()
                        .execute(
                            "UPDATE peer_requests SET accepted_by = ?2, reply_message = ?3, reply_eta_min = ?4
                             WHERE request_id = ?1",
                            params![id, name, message, eta],
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

/// After escalation: re-encrypt the request to every peer in the roster (the first copy
/// was readable by the on-duty peers only) and hand it to the relay, once.
async fn widen<A: VaultAccess>(
    vault: &A,
    m: &Membership,
    id: &str,
    secret: &str,
    roster: Option<&Roster>,
) -> Result<()> {
    let Some(roster) = roster else { return Ok(()) };
    let row = vault.with_vault(|v| {
        v.conn()
            .query_row(
                "SELECT urgency, contact, note, reply_identity, widened FROM peer_requests WHERE request_id = ?1",
                [id],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, Option<String>>(2)?, r.get::<_, Option<String>>(3)?, r.get::<_, i64>(4)?)),
            )
            .map_err(Error::from_sqlite)
    })?;
    let (urgency, contact, note, Some(reply_identity), 0) = row else {
        return Ok(());
    };
    let body = RequestPayload {
        v: 1,
        request_id: id.to_owned(),
        urgency: parse_urgency(&urgency)?,
        contact: serde_json::from_str(&contact)
            .map_err(|_| Error::InvalidInput("A stored request is damaged.".into()))?,
        note,
        reply_key: payload::identity(&reply_identity)?.to_public().to_string(),
    };
    let plaintext = zeroize::Zeroizing::new(
        serde_json::to_vec(&body).map_err(|e| Error::InvalidInput(e.to_string()))?,
    );
    let everyone: Vec<String> = roster
        .peers
        .iter()
        .map(|p| p.age_recipient.clone())
        .collect();
    let ciphertext = payload::seal(&plaintext, &everyone)?;
    let res = RelayClient::anonymous(&m.relay_url)?
        .widen(
            id,
            secret,
            &WidenRequest {
                recipient_key_ids: roster.peers.iter().map(|p| p.key_id.clone()).collect(),
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
fn verify_reply(
    request_id: &str,
    ct_b64: &str,
    identity: &str,
    roster: Option<&Roster>,
) -> Result<(String, String, u32)> {
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
    Ok((peer.display_name.clone(), reply.message, reply.eta_minutes))
}

fn close_locally(v: &Vault, id: &str) -> Result<()> {
    v.conn()
        .execute(
            "UPDATE peer_requests SET state = 'closed', reply_identity = NULL, ciphertext = x''
             WHERE request_id = ?1",
            [id],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
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
        urgency: r.get(2)?,
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
    use peerline_protocol::documents::RosterPeer;

    fn peer(id: &str) -> RosterPeer {
        RosterPeer {
            key_id: id.into(),
            display_name: id.into(),
            languages: vec![],
            specialties: vec![],
            on_duty_hours: None,
            age_recipient: payload::new_identity().1,
            signing_key: b64::encode(&[1; 32]),
        }
    }

    #[test]
    fn on_duty_peers_get_it_and_nobody_on_duty_means_everyone() {
        let roster = Roster {
            peers: vec![peer("a"), peer("b"), peer("c")],
        };
        let ids = |v: Vec<&RosterPeer>| v.into_iter().map(|p| p.key_id.clone()).collect::<Vec<_>>();
        assert_eq!(
            ids(recipients(&roster, Some(&["b".into(), "zz".into()]))),
            ["b"]
        );
        assert_eq!(ids(recipients(&roster, Some(&[]))), ["a", "b", "c"]);
        assert_eq!(ids(recipients(&roster, None)), ["a", "b", "c"]);
    }

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
}
