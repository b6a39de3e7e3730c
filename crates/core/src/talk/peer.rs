//! The peer supporter's side (same app, peer role): a key pair for the roster, on-duty
//! toggle, an inbox of requests this peer can decrypt, claim (first wins), a signed reply
//! encrypted to the officer's one-time reply key, and close.

use ed25519_dalek::{Signer as _, SigningKey};
use peerline_client::ErrorCode;
use peerline_protocol::b64;
use peerline_protocol::relay::{
    ClaimRequest, OnDuty, OpenRequest, PostReply, RequestState, SetDuty, Urgency,
    claim_proof_message, duty_proof_message,
};
use rusqlite::{OptionalExtension as _, params};
use serde::Serialize;

use super::VaultAccess;
use super::payload::{self, Contact, ReplyPayload, RequestPayload};
use super::team::require_membership;
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Longest reply, characters.
pub const MAX_REPLY_CHARS: usize = 500;

/// This peer's keys (secret halves stay in the vault).
pub struct PeerIdentity {
    /// Roster key id.
    pub key_id: String,
    age_identity: String,
    signing_key: SigningKey,
}

/// The public half, for the coordinator's roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PeerPublicKeys {
    /// Suggested roster key id.
    pub key_id: String,
    /// age recipient (`age1…`).
    pub age_recipient: String,
    /// ed25519 public key, base64.
    pub signing_key: String,
    /// The same as a roster entry to paste into roster.toml (add your name).
    pub roster_entry: String,
}

/// A request in the peer's inbox, decrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxItem {
    /// Id.
    pub request_id: String,
    /// How soon.
    pub urgency: Urgency,
    /// Seconds since it was posted.
    pub age_secs: u32,
    /// Went to every peer after going unclaimed.
    pub escalated: bool,
    /// Nobody has it yet.
    pub open: bool,
    /// This peer has it.
    pub mine: bool,
    /// How to reach the officer.
    pub contact: Contact,
    /// The officer's note.
    pub note: Option<String>,
}

/// Creates this device's peer keys on first use; returns the public half.
pub fn ensure_identity(v: &Vault, key_id: Option<&str>) -> Result<PeerPublicKeys> {
    if load_identity(v)?.is_none() {
        let key_id = key_id
            .map(str::to_owned)
            .unwrap_or_else(|| format!("peer-{}", &crate::random_id()[..8]));
        if key_id.is_empty()
            || key_id.len() > 64
            || !key_id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(Error::InvalidInput(
                "A key id uses 1–64 letters, digits, '-' or '_'.".into(),
            ));
        }
        let (secret, _) = payload::new_identity();
        let signing = SigningKey::generate(&mut chacha20poly1305::aead::OsRng);
        v.conn()
            .execute(
                "INSERT INTO peer_identity (id, key_id, age_identity, signing_secret_key) VALUES (1, ?1, ?2, ?3)",
                params![key_id, secret, signing.to_bytes().to_vec()],
            )
            .map_err(Error::from_sqlite)?;
    }
    let id = load_identity(v)?
        .ok_or_else(|| Error::InvalidInput("The peer keys could not be created.".into()))?;
    let age_recipient = payload::identity(&id.age_identity)?.to_public().to_string();
    let signing_key = b64::encode(id.signing_key.verifying_key().as_bytes());
    Ok(PeerPublicKeys {
        roster_entry: format!(
            "[[peers]]\nkey_id = \"{}\"\ndisplay_name = \"YOUR NAME\"\nage_recipient = \"{age_recipient}\"\nsigning_key = \"{signing_key}\"\n",
            id.key_id
        ),
        key_id: id.key_id,
        age_recipient,
        signing_key,
    })
}

/// True when this device has peer keys (it is, or is becoming, a peer supporter).
pub fn has_identity(v: &Vault) -> Result<bool> {
    Ok(load_identity(v)?.is_some())
}

fn load_identity(v: &Vault) -> Result<Option<PeerIdentity>> {
    v.conn()
        .query_row(
            "SELECT key_id, age_identity, signing_secret_key FROM peer_identity WHERE id = 1",
            [],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            },
        )
        .optional()
        .map_err(Error::from_sqlite)?
        .map(|(key_id, age_identity, sk)| {
            let sk = zeroize::Zeroizing::new(sk);
            let secret: [u8; 32] = sk
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidInput("The stored peer key is damaged.".into()))?;
            Ok(PeerIdentity {
                key_id,
                age_identity,
                signing_key: SigningKey::from_bytes(&secret),
            })
        })
        .transpose()
}

/// This peer's roster signing key (their conversation messages are signed with it).
pub(crate) fn signing_key(v: &Vault) -> Result<SigningKey> {
    Ok(require_identity(v)?.signing_key)
}

fn require_identity(v: &Vault) -> Result<PeerIdentity> {
    load_identity(v)?.ok_or_else(|| {
        Error::InvalidInput("Set up your peer keys first (Settings → Peer supporter).".into())
    })
}

/// Goes on duty for `minutes` (0: off duty). Returns who is on duty now.
pub async fn set_duty<A: VaultAccess>(vault: &A, minutes: u32) -> Result<Vec<String>> {
    let (m, id) = vault.with_vault(|v| Ok((require_membership(v)?, require_identity(v)?)))?;
    let proof = id
        .signing_key
        .sign(&duty_proof_message(&m.team_id, &id.key_id, minutes));
    let body = SetDuty {
        key_id: id.key_id.clone(),
        minutes,
        proof: b64::encode(&proof.to_bytes()),
    };
    let d: OnDuty = m.client()?.set_duty(&m.team_id, &body).await?;
    Ok(d.key_ids)
}

/// The team's open requests this peer can read, decrypted.
pub async fn inbox<A: VaultAccess>(vault: &A) -> Result<Vec<InboxItem>> {
    let (m, id) = vault.with_vault(|v| Ok((require_membership(v)?, require_identity(v)?)))?;
    let open: Vec<OpenRequest> = m.client()?.open_requests(&m.team_id).await?;
    let identity = payload::identity(&id.age_identity)?;
    let now = vault.now();
    let mut items = Vec::new();
    for r in open {
        let Some(p) = decrypt_request(&r, &identity) else {
            continue;
        };
        items.push(InboxItem {
            age_secs: u32::try_from((now - r.created_at).max(0)).unwrap_or(u32::MAX),
            urgency: r.urgency,
            escalated: r.escalated,
            open: r.state == RequestState::Open,
            mine: r.claimed_by.as_deref() == Some(id.key_id.as_str()),
            contact: p.contact,
            note: p.note,
            request_id: r.request_id,
        });
    }
    // A conversation whose request is gone, or no longer this peer's (closed, expired,
    // handed on): nothing of it stays here.
    let mine: Vec<String> = items
        .iter()
        .filter(|i| i.mine)
        .map(|i| i.request_id.clone())
        .collect();
    vault.with_vault(|v| {
        for id in super::conversation::peer_cases(v)? {
            if !mine.contains(&id) {
                super::conversation::forget_peer(v, &id)?;
            }
        }
        Ok(())
    })?;
    // Urgent first, then oldest first.
    items.sort_by_key(|i| (i.urgency != Urgency::Now, std::cmp::Reverse(i.age_secs)));
    Ok(items)
}

fn decrypt_request(r: &OpenRequest, identity: &age::x25519::Identity) -> Option<RequestPayload> {
    let ct = b64::decode(&r.ciphertext)?;
    let plain = zeroize::Zeroizing::new(payload::open(&ct, identity)?);
    let p: RequestPayload = serde_json::from_slice(&plain).ok()?;
    // A payload copied under another request id is not this request.
    (p.request_id == r.request_id).then_some(p)
}

/// Takes a request. Another peer first: `AlreadyTaken`.
pub async fn claim<A: VaultAccess>(vault: &A, request_id: &str) -> Result<()> {
    let (m, id) = vault.with_vault(|v| Ok((require_membership(v)?, require_identity(v)?)))?;
    let proof = id
        .signing_key
        .sign(&claim_proof_message(&m.team_id, request_id, &id.key_id));
    let body = ClaimRequest {
        key_id: id.key_id.clone(),
        proof: b64::encode(&proof.to_bytes()),
    };
    match m.client()?.claim(request_id, &body).await {
        Ok(()) => Ok(()),
        Err(e) if e.code() == Some(ErrorCode::AlreadyTaken) => Err(Error::AlreadyTaken),
        Err(e) => Err(e.into()),
    }
}

/// Answers a claimed request: signed by this peer, encrypted to the officer's reply key.
pub async fn reply<A: VaultAccess>(
    vault: &A,
    request_id: &str,
    message: &str,
    eta_minutes: u32,
) -> Result<()> {
    let message = message.trim();
    if message.is_empty() || message.chars().count() > MAX_REPLY_CHARS {
        return Err(Error::InvalidInput(format!(
            "Write a short message (1–{MAX_REPLY_CHARS} characters)."
        )));
    }
    if eta_minutes > 7 * 24 * 60 {
        return Err(Error::InvalidInput(
            "The time until contact is too far off.".into(),
        ));
    }
    let (m, id) = vault.with_vault(|v| Ok((require_membership(v)?, require_identity(v)?)))?;
    let client = m.client()?;
    let open: Vec<OpenRequest> = client.open_requests(&m.team_id).await?;
    let identity = payload::identity(&id.age_identity)?;
    let request = open
        .iter()
        .find(|r| r.request_id == request_id)
        .and_then(|r| decrypt_request(r, &identity))
        .ok_or_else(|| {
            Error::InvalidInput("That request is closed or not addressed to you.".into())
        })?;
    // A one-time key for this request: the officer's messages are encrypted to it, and it
    // is deleted when the request closes or is handed on.
    let (case_identity, case_key) = payload::new_identity();
    let signed = ReplyPayload::signed(
        request_id,
        &id.key_id,
        message,
        eta_minutes,
        &case_key,
        &id.signing_key,
    );
    let plain = zeroize::Zeroizing::new(
        serde_json::to_vec(&signed).map_err(|e| Error::InvalidInput(e.to_string()))?,
    );
    let ct = payload::seal(&plain, std::slice::from_ref(&request.reply_key))?;
    // Kept before the reply leaves, so the officer's first message finds the key here.
    if let Some(officer_key) = &request.officer_key {
        vault.with_vault(|v| {
            v.conn()
                .execute(
                    "INSERT INTO peer_cases (request_id, case_identity, reply_key, officer_key)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (request_id) DO UPDATE SET case_identity = excluded.case_identity",
                    params![request_id, case_identity, request.reply_key, officer_key],
                )
                .map_err(Error::from_sqlite)?;
            Ok(())
        })?;
    }
    client
        .reply(
            request_id,
            &PostReply {
                ciphertext: b64::encode(&ct),
            },
        )
        .await?;
    Ok(())
}

/// Closes a request this peer took; the relay deletes it, and this phone forgets the
/// conversation (peers keep no case notes).
pub async fn close<A: VaultAccess>(vault: &A, request_id: &str) -> Result<()> {
    let m = vault.with_vault(|v| require_membership(v))?;
    match m.client()?.close_request(request_id, None).await {
        Ok(()) => {}
        Err(e) if e.code() == Some(ErrorCode::UnknownRequest) => {}
        Err(e) => return Err(e.into()),
    }
    vault.with_vault(|v| super::conversation::forget_peer(v, request_id))
}
