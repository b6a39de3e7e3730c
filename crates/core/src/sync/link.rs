//! Linking a new device to the officer's sync from a device that has it (#18), without the
//! recovery code and without the relay learning the sync keys.
//!
//! 1. The existing device makes a one-time link: the relay's address and 32 random bytes,
//!    `L`, shown as a QR code and text. `L` never goes to the relay. HKDF-SHA256 of `L`
//!    yields a short-lived mailbox (a sync box: id, secret) and the key its messages are
//!    sealed with, so the relay cannot read them, and nobody without the link can write one.
//! 2. The existing device puts its hello (a fresh X25519 public key) in the mailbox; the new
//!    device, given the link, puts its own.
//! 3. Each computes the X25519 shared secret and, by HKDF with `L` and both keys, the
//!    hand-over key and a four-digit code. The existing device asks "a device wants to link:
//!    code 4821, is it yours?" and the new device shows the same code. Someone who saw the
//!    link and raced the new device gets a different code (they cannot choose it without
//!    the new device's secret), and a second hello on either side ends the link.
//! 4. Only when the officer says yes does the existing device seal the sync keys (relay,
//!    box id and secret, record key) under the hand-over key and put them in the mailbox. The
//!    new device opens them, deletes the mailbox, and takes in everything synced.
//!
//! The link ends after ten minutes, at the first "no", or when it is used. While a link is
//! open the engine looks in the mailbox every two seconds (it has no way to be told), and
//! never otherwise.

use std::sync::Mutex;

use chacha20poly1305::aead::OsRng;
use chacha20poly1305::aead::rand_core::RngCore as _;
use hkdf::Hkdf;
use peerline_client::{BoxKey, ErrorCode, RelayClient};
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::{AppendRecord, CreateBox};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use url::Url;
use x25519_dalek::{EphemeralSecret, PublicKey};
use zeroize::Zeroizing;

use super::code::hex;
use super::local::{self, SyncState};
use super::round::{self, SyncReport};
use super::seal::{self, Kind};
use crate::error::{Error, Result};
use crate::session::Session;
use crate::talk::VaultAccess as _;
use crate::talk::team::require_membership;

/// What a link starts with.
pub const LINK_PREFIX: &str = "peerline://link";
/// How long a link lasts, seconds.
pub const LINK_TTL_SECS: i64 = 600;
/// How often an open link's mailbox is looked at, seconds.
pub const CHECK_EVERY_SECS: i64 = 2;

/// Where a link stands, as the screen shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum LinkState {
    /// Existing device: waiting for the new one to use the link. New device: waiting for
    /// the officer to confirm on the other device.
    Waiting,
    /// Existing device: a device used the link; is its code the one the new device shows?
    Confirm {
        /// The four digits both devices show.
        code: String,
    },
    /// New device: show this code and confirm it on the other device.
    ShowCode {
        /// The four digits both devices show.
        code: String,
    },
    /// Linked. On the new device, how many records came over.
    Linked {
        /// Records taken in (new device), 0 on the existing one.
        received: u32,
    },
    /// Over without linking.
    Ended {
        /// Why, in a sentence that says what to do next.
        reason: String,
    },
}

/// A link, for the screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct LinkView {
    /// The link to show as a QR code and text (on the existing device, while waiting).
    pub link: Option<String>,
    /// Where it stands.
    pub state: LinkState,
    /// When it ends (Unix seconds).
    pub expires_at: i64,
}

/// Which end of the link this device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Role {
    Existing,
    New,
}

/// What goes in the mailbox (each sealed under the mailbox key).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Message {
    Hello { role: Role, public: String },
    Keys { sealed: String },
}

/// The sync keys, as handed over.
#[derive(Serialize, Deserialize)]
struct Handover {
    relay_url: String,
    box_id: String,
    box_secret: String,
    record_key: String,
}

/// The mailbox and its key, from `L`.
#[derive(Clone)]
struct Mailbox {
    relay_url: String,
    id: String,
    secret: Zeroizing<String>,
    key: Zeroizing<[u8; 32]>,
}

impl Mailbox {
    fn from_secret(relay_url: String, l: &[u8; 32]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"peerline-link-v1"), l);
        let mut id = [0u8; 16];
        let mut secret = Zeroizing::new([0u8; 32]);
        let mut key = Zeroizing::new([0u8; 32]);
        // Lengths far below HKDF's limit: these cannot fail.
        let _ = hk.expand(b"mailbox-id", &mut id);
        let _ = hk.expand(b"mailbox-secret", secret.as_mut());
        let _ = hk.expand(b"mailbox-key", key.as_mut());
        Self {
            relay_url,
            id: hex(&id),
            secret: Zeroizing::new(hex(secret.as_ref())),
            key,
        }
    }

    fn key(&self) -> BoxKey<'_> {
        BoxKey {
            id: &self.id,
            secret: &self.secret,
        }
    }

    fn client(&self) -> Result<RelayClient> {
        Ok(RelayClient::anonymous(&self.relay_url)?)
    }

    async fn put(&self, m: &Message) -> Result<()> {
        let json = Zeroizing::new(serde_json::to_vec(m).map_err(|_| Error::Internal)?);
        let sealed = seal::seal(&self.key, &self.id, Kind::Record, &json)?;
        self.client()?
            .append_record(
                &self.key(),
                &AppendRecord {
                    data: b64::encode(&sealed),
                },
            )
            .await?;
        Ok(())
    }

    /// The messages after `after`, with the last sequence number; `None` when the mailbox
    /// is gone (used, declined or expired).
    async fn read(&self, after: u64) -> Result<Option<(Vec<Message>, u64)>> {
        let page = match self.client()?.read_box(&self.key(), after).await {
            Ok(p) => p,
            Err(e) => {
                return match Error::from(e) {
                    Error::RelayRefused {
                        code: Some(ErrorCode::UnknownBox),
                        ..
                    } => Ok(None),
                    other => Err(other),
                };
            }
        };
        let mut out = Vec::with_capacity(page.records.len());
        for r in &page.records {
            let sealed = b64::decode(&r.data).ok_or_else(not_ours)?;
            let plain = seal::open(&self.key, &self.id, Kind::Record, &sealed)?;
            out.push(serde_json::from_slice(&plain).map_err(|_| not_ours())?);
        }
        let last = page.records.last().map_or(after, |r| r.seq);
        Ok(Some((out, last)))
    }

    async fn delete(&self) {
        let gone = match self.client() {
            Ok(c) => c.delete_box(&self.key()).await.map_err(Error::from),
            Err(e) => Err(e),
        };
        if let Err(e) = gone {
            // Already gone, or the relay is down: the mailbox holds nothing readable.
            tracing::debug!(code = e.code(), "link mailbox not deleted");
        }
    }
}

fn not_ours() -> Error {
    Error::NotAuthentic("Something in the link's mailbox was not from your device.".into())
}

/// The hand-over key and the four-digit code, from the shared secret, `L` and both public
/// keys (the existing device's first).
fn agree(
    shared: &x25519_dalek::SharedSecret,
    l: &[u8; 32],
    existing: &PublicKey,
    new: &PublicKey,
) -> (Zeroizing<[u8; 32]>, String) {
    let mut ikm = Zeroizing::new([0u8; 64]);
    ikm[..32].copy_from_slice(shared.as_bytes());
    ikm[32..].copy_from_slice(l);
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(existing.as_bytes());
    salt[32..].copy_from_slice(new.as_bytes());
    let hk = Hkdf::<Sha256>::new(Some(&salt), ikm.as_ref());
    let mut key = Zeroizing::new([0u8; 32]);
    let mut code = [0u8; 4];
    let _ = hk.expand(b"peerline-link-v1 handover", key.as_mut());
    let _ = hk.expand(b"peerline-link-v1 code", &mut code);
    (key, format!("{:04}", u32::from_be_bytes(code) % 10_000))
}

fn public_of(b64_key: &str) -> Result<PublicKey> {
    let bytes: [u8; 32] = b64::decode(b64_key)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(not_ours)?;
    Ok(PublicKey::from(bytes))
}

/// The link as text: `peerline://link?v=1&relay=…&secret=…`.
fn link_text(relay_url: &str, l: &[u8; 32]) -> String {
    let Ok(mut url) = Url::parse(LINK_PREFIX) else {
        return String::new();
    };
    url.query_pairs_mut()
        .append_pair("v", "1")
        .append_pair("relay", relay_url)
        .append_pair("secret", &b64::encode(l));
    url.to_string()
}

fn parse_link(text: &str) -> Result<(String, Zeroizing<[u8; 32]>)> {
    let refuse = || {
        Error::InvalidInput(
            "That is not a Peerline device link. On your other device, open Settings, Sync, \
             \"Link another device\", and copy or scan the link it shows."
                .into(),
        )
    };
    let text = text.trim();
    if !text.starts_with(LINK_PREFIX) {
        return Err(refuse());
    }
    let url = Url::parse(text).map_err(|_| refuse())?;
    let (mut relay, mut secret, mut version) = (None, None, None);
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "relay" => relay = Some(v.into_owned()),
            "secret" => secret = Some(Zeroizing::new(v.into_owned())),
            "v" => version = Some(v.into_owned()),
            _ => {}
        }
    }
    if version.as_deref() != Some("1") {
        return Err(Error::InvalidInput(
            "This link comes from a newer Peerline. Update the app on this device first.".into(),
        ));
    }
    let relay = relay.ok_or_else(refuse)?;
    peerline_client::check_relay_url(&relay)?;
    let bytes = secret
        .and_then(|s| b64::decode(&s))
        .map(Zeroizing::new)
        .ok_or_else(refuse)?;
    let mut l = Zeroizing::new([0u8; 32]);
    if bytes.len() != 32 {
        return Err(refuse());
    }
    l.copy_from_slice(&bytes);
    Ok((relay.trim_end_matches('/').to_owned(), l))
}

/// A link under way, in memory only (a locked or restarted app has none).
pub struct Pending {
    role: Role,
    l: Zeroizing<[u8; 32]>,
    mailbox: Mailbox,
    /// This device's X25519 secret, until the other hello comes.
    secret: Option<EphemeralSecret>,
    public: PublicKey,
    /// The hand-over key, once both hellos are in.
    handover: Option<Zeroizing<[u8; 32]>>,
    after: u64,
    expires_at: i64,
    next_check: i64,
    state: LinkState,
    /// Existing device: the keys went; waiting for the new device to empty the mailbox.
    handed_over: bool,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("role", &self.role)
            .field("state", &self.state)
            .finish_non_exhaustive()
    }
}

impl Pending {
    fn view(&self) -> LinkView {
        LinkView {
            link: (self.role == Role::Existing && self.state == LinkState::Waiting)
                .then(|| link_text(&self.mailbox.relay_url, &self.l)),
            state: self.state.clone(),
            expires_at: self.expires_at,
        }
    }

    /// When the engine should look in the mailbox next, if at all.
    pub fn check_at(&self) -> Option<i64> {
        // While the officer compares codes the mailbox is still watched: a second device
        // answering then ends the link.
        let waiting = matches!(
            self.state,
            LinkState::Waiting | LinkState::Confirm { .. } | LinkState::ShowCode { .. }
        ) || self.handed_over;
        waiting.then_some(self.next_check.min(self.expires_at))
    }
}

fn lock(s: &Mutex<Session>) -> std::sync::MutexGuard<'_, Session> {
    s.lock().unwrap_or_else(|p| p.into_inner())
}

/// The link under way, for the screen.
pub fn view(s: &Mutex<Session>) -> Option<LinkView> {
    lock(s).link().map(Pending::view)
}

/// On the device that has sync: a new one-time link. An open link is replaced.
pub async fn start(s: &Mutex<Session>) -> Result<LinkView> {
    cancel(s).await;
    let (m, token, on) = s.with_vault(|v| {
        let m = require_membership(v)?;
        let on = local::state(v.conn())?.is_some();
        let token = if on {
            crate::talk::tokens::take(v)?
        } else {
            None
        };
        Ok((m, token, on))
    })?;
    if !on {
        return Err(Error::InvalidInput(
            "Turn on sync first: a device is linked to your synced records.".into(),
        ));
    }
    let token = token.ok_or(Error::InvalidInput(
        "Peerline is still fetching the tokens that pay for a link. Try again in a minute.".into(),
    ))?;
    let mut l = Zeroizing::new([0u8; 32]);
    OsRng.fill_bytes(l.as_mut());
    let mailbox = Mailbox::from_secret(m.relay_url.clone(), &l);
    mailbox
        .client()?
        .create_box(
            &mailbox.id,
            &CreateBox {
                team_id: m.team_id.clone(),
                token,
                secret_hash: secret_hash_hex(&mailbox.secret),
            },
        )
        .await?;
    let secret = EphemeralSecret::random_from_rng(OsRng);
    let public = PublicKey::from(&secret);
    mailbox
        .put(&Message::Hello {
            role: Role::Existing,
            public: b64::encode(public.as_bytes()),
        })
        .await?;
    let now = s.now();
    let pending = Pending {
        role: Role::Existing,
        l,
        mailbox,
        secret: Some(secret),
        public,
        handover: None,
        after: 1,
        expires_at: now + LINK_TTL_SECS,
        next_check: now + CHECK_EVERY_SECS,
        state: LinkState::Waiting,
        handed_over: false,
    };
    let view = pending.view();
    lock(s).set_link(Some(Box::new(pending)));
    Ok(view)
}

/// On the new device: uses a link from the other one, and returns the code to compare.
pub async fn join(s: &Mutex<Session>, link: &str) -> Result<LinkView> {
    let (relay_url, l) = parse_link(link)?;
    if s.with_vault(|v| local::state(v.conn()))?.is_some() {
        return Err(Error::InvalidInput(
            "Sync is already on on this device; turn it off first to link it to another one."
                .into(),
        ));
    }
    cancel(s).await;
    let mailbox = Mailbox::from_secret(relay_url, &l);
    let Some((messages, after)) = mailbox.read(0).await? else {
        return Err(Error::NotFound(
            "This link has expired or was already used. Make a new one on your other device.",
        ));
    };
    let mut existing = None;
    for m in messages {
        match m {
            Message::Hello {
                role: Role::Existing,
                public,
            } if existing.is_none() => existing = Some(public_of(&public)?),
            Message::Hello { .. } | Message::Keys { .. } => {
                return Err(Error::InvalidInput(
                    "Another device already used this link. Make a new one on your other device."
                        .into(),
                ));
            }
        }
    }
    let existing = existing.ok_or_else(not_ours)?;
    let secret = EphemeralSecret::random_from_rng(OsRng);
    let public = PublicKey::from(&secret);
    let shared = secret.diffie_hellman(&existing);
    let (handover, code) = agree(&shared, &l, &existing, &public);
    mailbox
        .put(&Message::Hello {
            role: Role::New,
            public: b64::encode(public.as_bytes()),
        })
        .await?;
    let now = s.now();
    let pending = Pending {
        role: Role::New,
        l,
        mailbox,
        secret: None,
        public,
        handover: Some(handover),
        after: after + 1,
        expires_at: now + LINK_TTL_SECS,
        next_check: now + CHECK_EVERY_SECS,
        state: LinkState::ShowCode { code },
        handed_over: false,
    };
    let view = pending.view();
    lock(s).set_link(Some(Box::new(pending)));
    Ok(view)
}

/// On the existing device: the officer's answer to "is this code on your new device?".
/// Yes hands the sync keys over; no ends the link and deletes its mailbox.
pub async fn answer(s: &Mutex<Session>, yes: bool) -> Result<LinkView> {
    let sealed = {
        let mut g = lock(s);
        let p = g
            .link_mut()
            .filter(|p| p.role == Role::Existing && matches!(p.state, LinkState::Confirm { .. }))
            .ok_or(Error::InvalidInput(
                "No device is waiting to be linked; make a new link.".into(),
            ))?;
        if !yes {
            None
        } else {
            let key = p.handover.clone().ok_or(Error::Internal)?;
            let id = p.mailbox.id.clone();
            Some((key, id))
        }
    };
    let Some((key, mailbox_id)) = sealed else {
        end(s, "You said no, so nothing was handed over.").await;
        return view(s).ok_or(Error::Internal);
    };
    let state: SyncState = s
        .with_vault(|v| local::state(v.conn()))?
        .ok_or(Error::InvalidInput("Sync is off on this device.".into()))?;
    let handover = Handover {
        relay_url: state.relay_url.clone(),
        box_id: state.box_id.clone(),
        box_secret: state.box_secret.to_string(),
        record_key: b64::encode(state.record_key.as_ref()),
    };
    let json = Zeroizing::new(serde_json::to_vec(&handover).map_err(|_| Error::Internal)?);
    drop(handover);
    let sealed = seal::seal(&key, &mailbox_id, Kind::Handover, &json)?;
    let message = Message::Keys {
        sealed: b64::encode(&sealed),
    };
    let mailbox_put = {
        let g = lock(s);
        let p = g.link().ok_or(Error::Internal)?;
        p.mailbox.clone()
    };
    mailbox_put.put(&message).await?;
    let now = s.now();
    let mut g = lock(s);
    let p = g.link_mut().ok_or(Error::Internal)?;
    p.state = LinkState::Linked { received: 0 };
    p.handed_over = true;
    p.next_check = now + CHECK_EVERY_SECS;
    Ok(p.view())
}

/// Ends the link under way, if any (its mailbox deleted on the existing device).
pub async fn cancel(s: &Mutex<Session>) {
    let pending = lock(s).set_link(None);
    if let Some(p) = pending
        && p.role == Role::Existing
    {
        p.mailbox.delete().await;
    }
}

async fn end(s: &Mutex<Session>, reason: &str) {
    let mailbox = {
        let mut g = lock(s);
        let Some(p) = g.link_mut() else { return };
        p.state = LinkState::Ended {
            reason: reason.to_owned(),
        };
        p.handed_over = false;
        p.secret = None;
        p.handover = None;
        p.mailbox.clone()
    };
    mailbox.delete().await;
}

/// The engine's look in the mailbox: `Some` when what the screen shows changed.
pub async fn check(s: &Mutex<Session>) -> Option<LinkView> {
    let now = s.now();
    let (mailbox, after, role, handed_over, expired) = {
        let mut g = lock(s);
        let p = g.link_mut()?;
        p.check_at()?;
        p.next_check = now + CHECK_EVERY_SECS;
        (
            p.mailbox.clone(),
            p.after,
            p.role,
            p.handed_over,
            now >= p.expires_at,
        )
    };
    if expired {
        if handed_over {
            // The new device never came for the keys: they do not stay on the relay.
            mailbox.delete().await;
            lock(s).link_mut()?.handed_over = false;
            return None;
        }
        end(s, "The link expired before it was used. Make a new one.").await;
        return view(s);
    }
    let read = match mailbox.read(after).await {
        Ok(r) => r,
        Err(e) => {
            // Offline or refused: the next look may do better, until the link expires.
            tracing::debug!(code = e.code(), "link mailbox not read");
            return None;
        }
    };
    let Some((messages, last)) = read else {
        if handed_over {
            // The new device took the keys and emptied the mailbox.
            lock(s).link_mut()?.handed_over = false;
            return None;
        }
        let reason = match role {
            Role::New => "Your other device did not confirm, or the link expired. Make a new link.",
            Role::Existing => "The link ended. Make a new one.",
        };
        let mut g = lock(s);
        let p = g.link_mut()?;
        p.state = LinkState::Ended {
            reason: reason.to_owned(),
        };
        return Some(p.view());
    };
    if let Some(p) = lock(s).link_mut() {
        p.after = last;
    }
    match role {
        Role::Existing => existing_heard(s, messages).await,
        Role::New => new_heard(s, messages).await,
    }
}

async fn existing_heard(s: &Mutex<Session>, messages: Vec<Message>) -> Option<LinkView> {
    let mut hellos = messages.into_iter().filter_map(|m| match m {
        Message::Hello {
            role: Role::New,
            public,
        } => Some(public),
        _ => None,
    });
    let first = hellos.next()?;
    let more = hellos.next().is_some();
    let already = {
        let g = lock(s);
        let p = g.link()?;
        !matches!(p.state, LinkState::Waiting)
    };
    if more || already {
        end(
            s,
            "More than one device tried to use this link, so nothing was handed over. Make a new link.",
        )
        .await;
        return view(s);
    }
    let Ok(theirs) = public_of(&first) else {
        end(
            s,
            "The link's mailbox held something unreadable. Make a new link.",
        )
        .await;
        return view(s);
    };
    let mut g = lock(s);
    let p = g.link_mut()?;
    let secret = p.secret.take()?;
    let shared = secret.diffie_hellman(&theirs);
    let (key, code) = agree(&shared, &p.l, &p.public, &theirs);
    p.handover = Some(key);
    p.state = LinkState::Confirm { code };
    Some(p.view())
}

async fn new_heard(s: &Mutex<Session>, messages: Vec<Message>) -> Option<LinkView> {
    let sealed = messages.into_iter().find_map(|m| match m {
        Message::Keys { sealed } => Some(sealed),
        _ => None,
    })?;
    let taken = take_keys(s, &sealed).await;
    let mut g = lock(s);
    let p = g.link_mut()?;
    p.state = match taken {
        Ok(report) => LinkState::Linked {
            received: report.received,
        },
        Err(e) => LinkState::Ended {
            reason: e.to_string(),
        },
    };
    p.handover = None;
    Some(p.view())
}

/// Opens the handed-over keys, turns sync on here with them, empties the mailbox and takes
/// in everything synced.
async fn take_keys(s: &Mutex<Session>, sealed: &str) -> Result<SyncReport> {
    let (key, mailbox) = {
        let g = lock(s);
        let p = g.link().ok_or(Error::Internal)?;
        (
            p.handover.clone().ok_or(Error::Internal)?,
            p.mailbox.clone(),
        )
    };
    let bytes = b64::decode(sealed).ok_or_else(not_ours)?;
    let plain = seal::open(&key, &mailbox.id, Kind::Handover, &bytes)?;
    let h: Handover = serde_json::from_slice(&plain).map_err(|_| not_ours())?;
    let record_key: [u8; 32] = b64::decode(&h.record_key)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(not_ours)?;
    peerline_client::check_relay_url(&h.relay_url)?;
    mailbox.delete().await;
    round::restore_with_keys(
        s,
        h.relay_url,
        super::code::BoxKeys {
            box_id: h.box_id,
            box_secret: Zeroizing::new(h.box_secret),
            record_key: Zeroizing::new(record_key),
        },
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_and_anything_else_says_what_to_do() {
        let l = [9u8; 32];
        let text = link_text("https://relay.example.org", &l);
        assert!(text.starts_with("peerline://link?v=1&relay="));
        let (relay, back) = parse_link(&format!(" {text}\n")).unwrap();
        assert_eq!(relay, "https://relay.example.org");
        assert_eq!(*back, l);
        for bad in [
            "",
            "peerline://join?v=1",
            "peerline://link?v=1&relay=https%3A%2F%2Fr.example.org&secret=AAAA",
            "peerline://link?v=1&secret=CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk",
        ] {
            assert!(parse_link(bad).is_err(), "{bad}");
        }
        let newer = text.replace("v=1", "v=2");
        assert!(
            parse_link(&newer)
                .unwrap_err()
                .to_string()
                .contains("newer")
        );
    }

    #[test]
    fn both_ends_agree_on_the_key_and_code_and_a_stranger_does_not() {
        let l = [3u8; 32];
        let a = EphemeralSecret::random_from_rng(OsRng);
        let a_pub = PublicKey::from(&a);
        let b = EphemeralSecret::random_from_rng(OsRng);
        let b_pub = PublicKey::from(&b);
        let m = EphemeralSecret::random_from_rng(OsRng);
        let m_pub = PublicKey::from(&m);
        let (ka, ca) = agree(&a.diffie_hellman(&b_pub), &l, &a_pub, &b_pub);
        let (kb, cb) = agree(&b.diffie_hellman(&a_pub), &l, &a_pub, &b_pub);
        assert_eq!((*ka, &ca), (*kb, &cb));
        assert_eq!(ca.len(), 4);
        // Someone who saw the link and answered instead of the new device.
        let (km, _) = agree(&m.diffie_hellman(&a_pub), &l, &a_pub, &m_pub);
        assert_ne!(*km, *ka);
        // The same keys with another link's secret give another key.
        let c = EphemeralSecret::random_from_rng(OsRng);
        let c_pub = PublicKey::from(&c);
        let (k1, _) = agree(&c.diffie_hellman(&a_pub), &[1; 32], &a_pub, &c_pub);
        assert_ne!(*k1, *ka);
    }

    #[test]
    fn a_mailbox_follows_from_the_link_alone() {
        let a = Mailbox::from_secret("r".into(), &[5; 32]);
        let b = Mailbox::from_secret("r".into(), &[5; 32]);
        let c = Mailbox::from_secret("r".into(), &[6; 32]);
        assert_eq!((&a.id, &*a.secret, *a.key), (&b.id, &*b.secret, *b.key));
        assert_ne!(a.id, c.id);
        assert_eq!(a.id.len(), 32);
        assert_eq!(a.secret.len(), 64);
    }
}
