//! The conversation after a claim: officer and peer write to each other in the app.
//!
//! Each message is signed by its author (the officer with the request's one-time ed25519
//! key, whose public half travels inside the encrypted request; the peer with their roster
//! key) and encrypted with age to the other side's one-time key for this request (the
//! officer's reply key; the peer's case key, which travels in their signed reply). The
//! signed content names the request, the author and the author's counter, so a message
//! cannot be moved to another request or replayed: the counter orders one author's messages
//! and a repeat is dropped. The relay numbers messages in arrival order and keeps each only
//! until the other side has read it.
//!
//! Keys and text are deleted at close: the peer's phone keeps nothing (peers keep no case
//! notes), the officer's keeps the text only if they chose "keep this conversation".

use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use peerline_client::{ErrorCode, RelayClient};
use peerline_protocol::b64;
use peerline_protocol::relay::{Author, MessagePage, PostMessage};
use rusqlite::{OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::VaultAccess;
use super::payload;
use super::team::{load_roster, require_membership};
use crate::error::{Error, Result};
use crate::ids::random_id;
use crate::vault::Vault;

/// Longest message, characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// What a message says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Said {
    /// Words.
    Text {
        /// The words.
        text: String,
    },
    /// The peer asks to hand the request on: to a named peer, or back to the pool.
    HandOff {
        /// The roster key id of the peer it would go to; `None`: any peer on duty.
        to: Option<String>,
    },
    /// The officer would rather stay with this peer.
    Declined,
}

/// The signed part of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Content {
    v: u8,
    request_id: String,
    author: Author,
    counter: u64,
    sent_at: i64,
    said: Said,
}

/// What is encrypted: the content exactly as signed, the signature, and padding that
/// rounds the whole up to a size bucket, so the relay does not learn a message's length.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    content: String,
    signature: String,
    #[serde(default)]
    pad: String,
}

/// The sizes an envelope is padded to, bytes; longer ones round up to whole 4 KiB.
const PAD_BUCKETS: [usize; 3] = [512, 2048, 8192];

/// How much padding brings `len` to its bucket.
fn padding_for(len: usize) -> usize {
    let target = PAD_BUCKETS
        .iter()
        .copied()
        .find(|b| *b >= len)
        .unwrap_or_else(|| len.div_ceil(4096) * 4096);
    target - len
}

fn signing_message(content: &str) -> Vec<u8> {
    let mut m = b"peerline-message-v1\0".to_vec();
    m.extend_from_slice(content.as_bytes());
    m
}

/// Where one of this side's messages has got to, or that it came from the other side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MessageState {
    /// Waiting on this phone to be sent.
    Queued,
    /// The relay has it.
    Sent,
    /// It reached the other side's phone.
    Delivered,
    /// The other side has seen it.
    Read,
    /// From the other side.
    Received,
    /// The relay refused it for good.
    Failed,
}

impl MessageState {
    fn parse(s: &str) -> Self {
        match s {
            "sent" => Self::Sent,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "received" => Self::Received,
            "failed" => Self::Failed,
            _ => Self::Queued,
        }
    }
}

/// What kind of line in the conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    /// A message.
    Text,
    /// The peer asked to hand the request on.
    HandOff,
    /// The officer would rather stay.
    Declined,
    /// Something that happened, written by this phone for the timeline (never sent).
    Note,
}

/// One line of the conversation as the screens show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct MessageView {
    /// Written on this phone.
    pub mine: bool,
    /// What kind of line.
    pub kind: LineKind,
    /// The words (for a hand-off, who it would go to).
    pub text: String,
    /// When its author wrote it (UTC, RFC 3339).
    pub sent_at_utc: String,
    /// Where it has got to.
    pub state: MessageState,
}

/// A peer's request to hand on, waiting for the officer's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HandOffAsk {
    /// Who would take over (display name), or `None`: any peer on duty.
    pub to_name: Option<String>,
}

/// The conversation of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationView {
    /// The request.
    pub request_id: String,
    /// This phone is the peer's (else the officer's).
    pub as_peer: bool,
    /// Messages can be written now (the other side's key has arrived).
    pub can_write: bool,
    /// The lines, oldest first.
    pub messages: Vec<MessageView>,
    /// The officer chose to keep it after close.
    pub keep: bool,
    /// A hand-off the officer has not answered yet.
    pub hand_off: Option<HandOffAsk>,
    /// A message that could not be verified (and is not shown), or one that failed to send.
    pub warning: Option<String>,
}

/// This side's keys and place in one conversation.
struct Side {
    me: Author,
    request_id: String,
    /// The officer's status secret (the peer's calls are device-signed instead).
    secret: Option<String>,
    relay_url: String,
    sign: SigningKey,
    their_key: Option<[u8; 32]>,
    identity: String,
    their_recipient: Option<String>,
    last_seq: i64,
}

impl Side {
    /// Where this side keeps its counter and last sequence: the officer's request row, or
    /// the peer's case row. A fixed name, never input: safe to put in SQL text.
    fn table(&self) -> &'static str {
        match self.me {
            Author::Officer => "peer_requests",
            Author::Peer => "peer_cases",
        }
    }

    fn client(&self, v: &Vault) -> Result<RelayClient> {
        match self.me {
            // Anonymous: the officer speaks with the request's secret, never as a device.
            Author::Officer => Ok(RelayClient::anonymous(&self.relay_url)?),
            Author::Peer => require_membership(v)?.client(),
        }
    }
}

fn damaged() -> Error {
    Error::InvalidInput("A stored conversation key is damaged.".into())
}

fn key32(b64_key: &str) -> Option<[u8; 32]> {
    b64::decode(b64_key).and_then(|k| k.try_into().ok())
}

fn load_side(v: &Vault, request_id: &str) -> Result<Side> {
    let m = require_membership(v)?;
    type OfficerRow = (
        String,
        Option<Vec<u8>>,
        Option<String>,
        Option<String>,
        Option<String>,
        i64,
    );
    let officer: Option<OfficerRow> = v
        .conn()
        .query_row(
            "SELECT status_secret, sign_secret, reply_identity, peer_key, peer_key_id, last_seq
             FROM peer_requests WHERE request_id = ?1 AND state != 'closed'",
            [request_id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    if let Some((secret, sign, identity, peer_key, peer_key_id, last_seq)) = officer {
        let (Some(sign), Some(identity)) = (sign, identity) else {
            return Err(Error::InvalidInput(
                "This request was made before conversations in the app; the peer will reach you as you asked.".into(),
            ));
        };
        let sign: [u8; 32] = sign.try_into().map_err(|_| damaged())?;
        let roster = load_roster(v)?;
        let their_key = peer_key_id.as_deref().and_then(|k| {
            roster
                .as_ref()
                .and_then(|(_, r)| r.peers.iter().find(|p| p.key_id == k))
                .and_then(|p| key32(&p.signing_key))
        });
        return Ok(Side {
            me: Author::Officer,
            request_id: request_id.to_owned(),
            secret: Some(secret),
            relay_url: m.relay_url,
            sign: SigningKey::from_bytes(&sign),
            their_key,
            identity,
            their_recipient: peer_key,
            last_seq,
        });
    }
    let case: Option<(String, String, String, i64)> = v
        .conn()
        .query_row(
            "SELECT case_identity, reply_key, officer_key, last_seq
             FROM peer_cases WHERE request_id = ?1",
            [request_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    let Some((identity, reply_key, officer_key, last_seq)) = case else {
        return Err(Error::InvalidInput(
            "This conversation has ended; nothing of it is kept on this phone.".into(),
        ));
    };
    let sign = super::peer::signing_key(v)?;
    Ok(Side {
        me: Author::Peer,
        request_id: request_id.to_owned(),
        secret: None,
        relay_url: m.relay_url,
        sign,
        their_key: key32(&officer_key),
        identity,
        their_recipient: Some(reply_key),
        last_seq,
    })
}

/// Seals one message from `side` (counter already advanced).
fn seal(side: &Side, counter: i64, sent_at: i64, said: &Said) -> Result<Vec<u8>> {
    let to = side.their_recipient.as_deref().ok_or_else(|| {
        Error::InvalidInput(
            "The peer's first message has not arrived yet; you can write once it has.".into(),
        )
    })?;
    let bytes = envelope(side, counter, sent_at, said)?;
    payload::seal(&bytes, &[to.to_owned()])
}

/// The signed, padded plaintext of one message.
fn envelope(
    side: &Side,
    counter: i64,
    sent_at: i64,
    said: &Said,
) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let content = serde_json::to_string(&Content {
        v: 1,
        request_id: side.request_id.clone(),
        author: side.me,
        counter: u64::try_from(counter).unwrap_or(0),
        sent_at,
        said: said.clone(),
    })
    .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let signature = side.sign.sign(&signing_message(&content));
    let mut envelope = Envelope {
        content,
        signature: b64::encode(&signature.to_bytes()),
        pad: String::new(),
    };
    let bare = serde_json::to_vec(&envelope)
        .map_err(|e| Error::InvalidInput(e.to_string()))?
        .len();
    envelope.pad = " ".repeat(padding_for(bare));
    Ok(zeroize::Zeroizing::new(
        serde_json::to_vec(&envelope).map_err(|e| Error::InvalidInput(e.to_string()))?,
    ))
}

/// Opens and verifies one message of the other side: `None` when it does not decrypt, is
/// not signed by them, or belongs elsewhere.
fn open(side: &Side, ciphertext: &[u8]) -> Option<Content> {
    let identity = payload::identity(&side.identity).ok()?;
    let plain = zeroize::Zeroizing::new(payload::open(ciphertext, &identity)?);
    let envelope: Envelope = serde_json::from_slice(&plain).ok()?;
    let key = VerifyingKey::from_bytes(&side.their_key?).ok()?;
    let sig = b64::decode(&envelope.signature).and_then(|s| Signature::from_slice(&s).ok())?;
    key.verify(&signing_message(&envelope.content), &sig).ok()?;
    let content: Content = serde_json::from_str(&envelope.content).ok()?;
    (content.request_id == side.request_id
        && content.author == side.me.other()
        && content.counter > 0)
        .then_some(content)
}

fn text_of(said: &Said) -> (&'static str, String) {
    match said {
        Said::Text { text } => ("text", text.clone()),
        Said::HandOff { to } => ("hand_off", to.clone().unwrap_or_default()),
        Said::Declined => ("declined", String::new()),
    }
}

/// Ends `s` with one full stop (a name may end with its own: "Lee T.").
pub(crate) fn sentence(s: &str) -> String {
    if s.ends_with('.') {
        s.to_owned()
    } else {
        format!("{s}.")
    }
}

fn utc(at: i64) -> String {
    chrono::DateTime::from_timestamp(at, 0)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Writes a message: sealed and queued in the vault at once, then sent if the relay
/// answers (it waits in the vault otherwise, and goes with the next round).
pub async fn send<A: VaultAccess>(
    vault: &A,
    request_id: &str,
    said: Said,
) -> Result<ConversationView> {
    if let Said::Text { text } = &said {
        let n = text.trim().chars().count();
        if n == 0 || n > MAX_MESSAGE_CHARS {
            return Err(Error::InvalidInput(format!(
                "Write a message of 1–{MAX_MESSAGE_CHARS} characters."
            )));
        }
    }
    let said = match said {
        Said::Text { text } => Said::Text {
            text: text.trim().to_owned(),
        },
        other => other,
    };
    let now = vault.now();
    vault.with_vault(|v| {
        let side = load_side(v, request_id)?;
        let tx = v.conn_mut().transaction().map_err(Error::from_sqlite)?;
        let counter: i64 = tx
            .query_row(
                &format!(
                    "UPDATE {} SET sent_counter = sent_counter + 1 WHERE request_id = ?1
                     RETURNING sent_counter",
                    side.table()
                ),
                [request_id],
                |r| r.get(0),
            )
            .map_err(Error::from_sqlite)?;
        let ct = seal(&side, counter, now, &said)?;
        let (kind, text) = text_of(&said);
        tx.execute(
            "INSERT INTO talk_messages (request_id, author, counter, mine, kind, body, sent_at,
               seq, state, message_id, ciphertext)
             VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, NULL, 'queued', ?7, ?8)",
            params![
                request_id,
                side.me.as_str(),
                counter,
                kind,
                text,
                now,
                random_id(),
                ct
            ],
        )
        .map_err(Error::from_sqlite)?;
        tx.commit().map_err(Error::from_sqlite)?;
        Ok(())
    })?;
    if let Err(e) = flush(vault, request_id).await {
        tracing::debug!(
            code = e.code(),
            "message queued; it goes with the next round"
        );
    }
    vault.with_vault(|v| view(v, request_id))
}

/// Sends what waits in the vault for this conversation, oldest first. Stops at the first
/// message the relay does not take now (unreachable, or too many unread).
async fn flush<A: VaultAccess>(vault: &A, request_id: &str) -> Result<()> {
    let (side, queued, client) = vault.with_vault(|v| {
        let side = load_side(v, request_id)?;
        let mut stmt = v
            .conn()
            .prepare(
                "SELECT counter, message_id, ciphertext FROM talk_messages
                 WHERE request_id = ?1 AND mine = 1 AND state = 'queued' AND ciphertext IS NOT NULL
                 ORDER BY counter",
            )
            .map_err(Error::from_sqlite)?;
        let rows = stmt
            .query_map([request_id], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })
            .map_err(Error::from_sqlite)?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::from_sqlite)?;
        let client = side.client(v)?;
        Ok((side, rows, client))
    })?;
    for (counter, message_id, ct) in queued {
        let posted = client
            .post_message(
                request_id,
                side.secret.as_deref(),
                &PostMessage {
                    message_id,
                    ciphertext: b64::encode(&ct),
                },
            )
            .await;
        let (state, seq) = match posted {
            Ok(a) => ("sent", Some(a.seq as i64)),
            Err(e) if e.code() == Some(ErrorCode::ConversationFull) => return Ok(()),
            Err(e) => match Error::from(e) {
                Error::RelayRefused { .. } => ("failed", None),
                other => return Err(other),
            },
        };
        vault.with_vault(|v| {
            v.conn()
                .execute(
                    "UPDATE talk_messages SET state = ?4, seq = ?5, ciphertext = NULL
                     WHERE request_id = ?1 AND author = ?2 AND counter = ?3 AND state = 'queued'",
                    params![request_id, side.me.as_str(), counter, state, seq],
                )
                .map_err(Error::from_sqlite)?;
            Ok(())
        })?;
    }
    Ok(())
}

/// One round for a conversation: fetches the other side's new messages (verified, each
/// kept once), updates where this side's have got to, and sends what waits. Returns how
/// many new messages arrived.
pub async fn sync<A: VaultAccess>(vault: &A, request_id: &str) -> Result<usize> {
    let (side, client) = vault.with_vault(|v| {
        let side = load_side(v, request_id)?;
        let client = side.client(v)?;
        Ok((side, client))
    })?;
    let mut after = u64::try_from(side.last_seq).unwrap_or(0);
    let mut arrived = 0;
    let mut forged = false;
    // Bounded: a page is 100 messages and a side may have 500 waiting.
    for _ in 0..10 {
        let page: MessagePage = client
            .messages(request_id, side.secret.as_deref(), after)
            .await?;
        let top = page.messages.last().map_or(after, |m| m.seq);
        let opened: Vec<(u64, Option<Content>)> = page
            .messages
            .iter()
            .map(|m| {
                (
                    m.seq,
                    b64::decode(&m.ciphertext).and_then(|ct| open(&side, &ct)),
                )
            })
            .collect();
        arrived += vault.with_vault(|v| {
            let tx = v.conn_mut().transaction().map_err(Error::from_sqlite)?;
            let mut n = 0;
            for (seq, content) in &opened {
                let Some(c) = content else {
                    forged = true;
                    continue;
                };
                let (kind, text) = text_of(&c.said);
                // The author's counter is the key: a replayed message is the same row.
                n += tx
                    .execute(
                        "INSERT OR IGNORE INTO talk_messages (request_id, author, counter, mine,
                           kind, body, sent_at, seq, state)
                         VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7, 'received')",
                        params![request_id, c.author.as_str(), c.counter as i64, kind, text, c.sent_at, *seq as i64],
                    )
                    .map_err(Error::from_sqlite)?;
            }
            tx.execute(
                &format!("UPDATE {} SET last_seq = max(last_seq, ?2) WHERE request_id = ?1", side.table()),
                params![request_id, top as i64],
            )
            .map_err(Error::from_sqlite)?;
            let me = side.me.as_str();
            tx.execute(
                "UPDATE talk_messages SET state = 'read'
                 WHERE request_id = ?1 AND author = ?2 AND mine = 1 AND seq <= ?3
                   AND state IN ('sent', 'delivered')",
                params![request_id, me, page.read_upto as i64],
            )
            .map_err(Error::from_sqlite)?;
            tx.execute(
                "UPDATE talk_messages SET state = 'delivered'
                 WHERE request_id = ?1 AND author = ?2 AND mine = 1 AND seq <= ?3 AND state = 'sent'",
                params![request_id, me, page.delivered_upto as i64],
            )
            .map_err(Error::from_sqlite)?;
            tx.commit().map_err(Error::from_sqlite)?;
            Ok(n)
        })?;
        after = top;
        if !page.more {
            break;
        }
    }
    if forged {
        tracing::warn!("a conversation message failed verification and was dropped");
        vault.with_vault(|v| set_warning(v, &side, Some(FORGED)))?;
    }
    flush(vault, request_id).await?;
    Ok(arrived)
}

const FORGED: &str =
    "A message could not be verified as coming from the other side, so it is not shown.";

fn set_warning(v: &Vault, side: &Side, warning: Option<&str>) -> Result<()> {
    if side.me == Author::Officer {
        v.conn()
            .execute(
                "UPDATE peer_requests SET failure = ?2 WHERE request_id = ?1",
                params![side.request_id, warning],
            )
            .map_err(Error::from_sqlite)?;
    }
    Ok(())
}

/// The conversation is on screen: the other side's messages up to the last fetched are
/// read, and the relay deletes them.
pub async fn mark_read<A: VaultAccess>(vault: &A, request_id: &str) -> Result<()> {
    let (side, client) = vault.with_vault(|v| {
        let side = load_side(v, request_id)?;
        let client = side.client(v)?;
        Ok((side, client))
    })?;
    if side.last_seq > 0 {
        client
            .mark_read(
                request_id,
                side.secret.as_deref(),
                u64::try_from(side.last_seq).unwrap_or(0),
            )
            .await?;
    }
    Ok(())
}

/// The conversation as the screen shows it.
pub fn view(v: &Vault, request_id: &str) -> Result<ConversationView> {
    let side = load_side(v, request_id);
    let as_peer = matches!(&side, Ok(s) if s.me == Author::Peer);
    let can_write = matches!(&side, Ok(s) if s.their_recipient.is_some());
    let roster = load_roster(v)?;
    let name = |key: &str| {
        roster
            .as_ref()
            .and_then(|(_, r)| r.peers.iter().find(|p| p.key_id == key))
            .map(|p| p.display_name.clone())
    };
    let mut stmt = v
        .conn()
        .prepare(
            "SELECT mine, kind, body, sent_at, state FROM talk_messages WHERE request_id = ?1
             ORDER BY seq IS NULL, seq, author = 'note', sent_at, counter",
        )
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([request_id], |r| {
            Ok((
                r.get::<_, i64>(0)? != 0,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .map_err(Error::from_sqlite)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from_sqlite)?;
    let mut hand_off = None;
    let mut messages = Vec::new();
    for (mine, kind, body, sent_at, state) in rows {
        let kind = match kind.as_str() {
            "hand_off" => LineKind::HandOff,
            "declined" => LineKind::Declined,
            "note" => LineKind::Note,
            _ => LineKind::Text,
        };
        let text = match kind {
            LineKind::HandOff => {
                let to = (!body.is_empty()).then(|| name(&body).unwrap_or(body));
                if !mine {
                    hand_off = Some(HandOffAsk {
                        to_name: to.clone(),
                    });
                }
                match to {
                    Some(n) => sentence(&format!("Asked to hand this conversation to {n}")),
                    None => "Asked to hand this conversation to another peer on duty.".into(),
                }
            }
            LineKind::Declined => {
                hand_off = None;
                "Would rather keep talking with the same peer.".into()
            }
            LineKind::Note => {
                hand_off = None;
                body
            }
            LineKind::Text => body,
        };
        messages.push(MessageView {
            mine,
            kind,
            text,
            sent_at_utc: utc(sent_at),
            state: MessageState::parse(&state),
        });
    }
    let (keep, warning) = v
        .conn()
        .query_row(
            "SELECT keep, failure FROM peer_requests WHERE request_id = ?1",
            [request_id],
            |r| Ok((r.get::<_, i64>(0)? != 0, r.get::<_, Option<String>>(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?
        .unwrap_or((false, None));
    Ok(ConversationView {
        request_id: request_id.to_owned(),
        as_peer,
        can_write,
        messages,
        keep,
        hand_off: if as_peer { None } else { hand_off },
        warning,
    })
}

/// The peer's unanswered ask to hand on: `Some(None)` for "any peer on duty",
/// `Some(Some(key_id))` for a named one; `None` when there is none.
pub(crate) fn pending_hand_off(v: &Vault, request_id: &str) -> Result<Option<String>> {
    let last: Option<(String, String)> = v
        .conn()
        .query_row(
            "SELECT kind, body FROM talk_messages WHERE request_id = ?1
               AND (kind IN ('declined', 'note') OR (kind = 'hand_off' AND mine = 0))
             ORDER BY seq IS NULL DESC, seq DESC, author = 'note' DESC, sent_at DESC LIMIT 1",
            [request_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    match last {
        Some((kind, body)) if kind == "hand_off" => Ok((!body.is_empty()).then_some(body)),
        _ => Err(Error::InvalidInput(
            "The peer has not asked to hand this on.".into(),
        )),
    }
}

/// The officer's choice to keep (or not) the conversation's text in their vault after the
/// request closes. Off by default.
pub fn set_keep(v: &Vault, request_id: &str, keep: bool) -> Result<ConversationView> {
    let n = v
        .conn()
        .execute(
            "UPDATE peer_requests SET keep = ?2 WHERE request_id = ?1",
            params![request_id, keep],
        )
        .map_err(Error::from_sqlite)?;
    if n == 0 {
        return Err(Error::InvalidInput(
            "There is no such request on this phone.".into(),
        ));
    }
    view(v, request_id)
}

/// A line in the officer's timeline written by this phone (a hand-off agreed, …).
pub(crate) fn note(v: &Vault, request_id: &str, text: &str, at: i64) -> Result<()> {
    let counter: i64 = v
        .conn()
        .query_row(
            "SELECT coalesce(min(counter), 0) - 1 FROM talk_messages
             WHERE request_id = ?1 AND author = 'note'",
            [request_id],
            |r| r.get(0),
        )
        .map_err(Error::from_sqlite)?;
    v.conn()
        .execute(
            "INSERT INTO talk_messages (request_id, author, counter, mine, kind, body, sent_at, seq, state)
             VALUES (?1, 'note', ?2, 1, 'note', ?3, ?4,
               (SELECT max(seq) FROM talk_messages WHERE request_id = ?1), 'sent')",
            params![request_id, counter, text, at],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
}

/// At close on the officer's phone: the text goes unless they chose to keep it.
pub(crate) fn forget_officer(v: &Vault, request_id: &str) -> Result<()> {
    v.conn()
        .execute(
            "DELETE FROM talk_messages WHERE request_id = ?1
             AND NOT EXISTS (SELECT 1 FROM peer_requests WHERE request_id = ?1 AND keep = 1)",
            [request_id],
        )
        .map_err(Error::from_sqlite)?;
    // Whatever is kept is text only: nothing waits to be sent, no ciphertext stays.
    v.conn()
        .execute(
            "DELETE FROM talk_messages WHERE request_id = ?1 AND state = 'queued'",
            [request_id],
        )
        .map_err(Error::from_sqlite)?;
    Ok(())
}

/// At close (or a hand-off away) on the peer's phone: nothing of it stays.
pub(crate) fn forget_peer(v: &Vault, request_id: &str) -> Result<()> {
    for sql in [
        "DELETE FROM talk_messages WHERE request_id = ?1",
        "DELETE FROM peer_cases WHERE request_id = ?1",
    ] {
        v.conn()
            .execute(sql, [request_id])
            .map_err(Error::from_sqlite)?;
    }
    Ok(())
}

/// Removes a peer's conversations from a copy of the vault (a backup's image): peers keep
/// no case notes, and the one-time keys belong to this phone.
pub(crate) fn clear_in_image(conn: &rusqlite::Connection, schema: &str) -> Result<()> {
    // A vault from before conversations has none.
    let has: i64 = conn
        .query_row(
            &format!("SELECT count(*) FROM {schema}.sqlite_master WHERE name = 'peer_cases'"),
            [],
            |r| r.get(0),
        )
        .map_err(Error::from_sqlite)?;
    if has == 0 {
        return Ok(());
    }
    conn.execute_batch(&format!(
        "DELETE FROM {schema}.talk_messages
           WHERE request_id IN (SELECT request_id FROM {schema}.peer_cases);
         DELETE FROM {schema}.peer_cases;"
    ))
    .map_err(Error::from_sqlite)
}

/// The peer's open conversations (requests they took and replied to).
pub fn peer_cases(v: &Vault) -> Result<Vec<String>> {
    let mut stmt = v
        .conn()
        .prepare("SELECT request_id FROM peer_cases")
        .map_err(Error::from_sqlite)?;
    stmt.query_map([], |r| r.get(0))
        .map_err(Error::from_sqlite)?
        .collect::<rusqlite::Result<Vec<_>>>()
        .map_err(Error::from_sqlite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(me: Author, sign: &SigningKey, their: &SigningKey, identity: &str, to: &str) -> Side {
        Side {
            me,
            request_id: "req1".into(),
            secret: None,
            relay_url: "http://127.0.0.1:1".into(),
            sign: sign.clone(),
            their_key: Some(*their.verifying_key().as_bytes()),
            identity: identity.into(),
            their_recipient: Some(to.into()),
            last_seq: 0,
        }
    }

    #[test]
    fn a_short_and_a_longer_message_seal_to_the_same_size() {
        let sign = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let (id, rcpt) = payload::new_identity();
        let s = side(Author::Officer, &sign, &sign, &id, &rcpt);
        // The plaintext: age's own header varies a little at random (its "grease"
        // stanzas), whatever is inside.
        let text = |n: usize| Said::Text {
            text: "x".repeat(n),
        };
        let short = envelope(&s, 1, 100, &text(2)).unwrap();
        let longer = envelope(&s, 2, 100, &text(250)).unwrap();
        assert_eq!((short.len(), longer.len()), (512, 512));
        let long = envelope(&s, 3, 100, &text(1500)).unwrap();
        assert_eq!(long.len(), 2048, "a long one goes to the next bucket");
        assert_eq!(padding_for(512), 0);
        assert_eq!(padding_for(513), 2048 - 513);
        assert_eq!(padding_for(9000), 12288 - 9000);
    }

    #[test]
    fn only_the_other_side_of_this_request_opens_and_verifies() {
        let officer_sign = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let peer_sign = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let (officer_id, officer_rcpt) = payload::new_identity();
        let (peer_id, peer_rcpt) = payload::new_identity();
        let officer = side(
            Author::Officer,
            &officer_sign,
            &peer_sign,
            &officer_id,
            &peer_rcpt,
        );
        let peer = side(
            Author::Peer,
            &peer_sign,
            &officer_sign,
            &peer_id,
            &officer_rcpt,
        );

        let said = Said::Text {
            text: "rough night".into(),
        };
        let ct = seal(&officer, 1, 100, &said).unwrap();
        let got = open(&peer, &ct).unwrap();
        assert_eq!((got.counter, got.said.clone()), (1, said.clone()));
        assert!(!ct.windows(11).any(|w| w == b"rough night"));
        // The author cannot open their own (it is for the other side), and a message
        // written by the peer is not taken as the officer's.
        assert!(open(&officer, &ct).is_none());
        let from_peer = seal(&peer, 1, 100, &said).unwrap();
        assert!(open(&officer, &from_peer).is_some());
        assert!(open(&peer, &from_peer).is_none());

        // Another request's message: refused, even with the right keys.
        let elsewhere = Side {
            request_id: "req2".into(),
            ..side(
                Author::Officer,
                &officer_sign,
                &peer_sign,
                &officer_id,
                &peer_rcpt,
            )
        };
        let moved = seal(&elsewhere, 2, 100, &said).unwrap();
        assert!(open(&peer, &moved).is_none());

        // Signed by someone else (a forger with the recipient's public key): refused.
        let forger = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        let forged = seal(
            &side(
                Author::Officer,
                &forger,
                &peer_sign,
                &officer_id,
                &peer_rcpt,
            ),
            3,
            100,
            &said,
        )
        .unwrap();
        assert!(open(&peer, &forged).is_none());
    }
}
