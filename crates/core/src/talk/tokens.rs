//! Anonymous request tokens on the officer's phone: fetched ahead of need in small batches
//! (blinded, so the relay cannot recognise them later), kept in the vault, one spent per
//! request instead of any device credential.

use blind_rsa_signatures::{BlindSignature, DefaultRng, Options, PublicKey};
use peerline_protocol::b64;
use peerline_protocol::relay::{IssueTokens, Token, TokenKey, TokensIssued};
use rusqlite::OptionalExtension as _;

use super::VaultAccess;
use super::membership::require_membership;
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Fetch more when fewer than this many are left.
pub const LOW_WATER: usize = 3;
/// How many to ask for at a time.
pub const BATCH: usize = 5;

/// Tokens held.
pub fn count(v: &Vault) -> Result<usize> {
    v.conn()
        .query_row("SELECT count(*) FROM request_tokens", [], |r| {
            r.get::<_, i64>(0)
        })
        .map(|n| n.max(0) as usize)
        .map_err(Error::from_sqlite)
}

/// Takes one token out of the vault (it is then the request's own).
pub fn take(v: &Vault) -> Result<Option<Token>> {
    let row: Option<(i64, String)> = v
        .conn()
        .query_row(
            "SELECT id, token FROM request_tokens ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .map_err(Error::from_sqlite)?;
    let Some((id, json)) = row else {
        return Ok(None);
    };
    v.conn()
        .execute("DELETE FROM request_tokens WHERE id = ?1", [id])
        .map_err(Error::from_sqlite)?;
    Ok(serde_json::from_str(&json).ok())
}

/// Tops the vault up to a full batch when low. Issuance is signed by this device (that is
/// how the relay caps it); the tokens it yields cannot be linked back to it.
pub async fn top_up<A: VaultAccess>(vault: &A) -> Result<usize> {
    let (m, held) = vault.with_vault(|v| Ok((require_membership(v)?, count(v)?)))?;
    if held >= LOW_WATER {
        return Ok(held);
    }
    let client = m.client()?;
    // The key list is public; asked without this device's signature.
    let keys: Vec<TokenKey> = client.anonymous_twin().token_keys(&m.team_id).await?;
    let key = keys
        .into_iter()
        .max_by_key(|k| k.expires_at)
        .ok_or_else(|| Error::RelayUnreachable("the relay offered no token key".into()))?;
    let der = b64::decode(&key.public_key)
        .ok_or_else(|| Error::NotAuthentic("The relay's token key is damaged.".into()))?;
    let pk = PublicKey::from_der(&der)
        .map_err(|_| Error::NotAuthentic("The relay's token key is damaged.".into()))?;
    let options = Options::default();
    let mut pending = Vec::new();
    for _ in 0..BATCH {
        let message: [u8; 32] = rand_bytes();
        let blinding = pk
            .blind(&mut DefaultRng, message, &options)
            .map_err(|_| Error::InvalidInput("Could not prepare request tokens.".into()))?;
        pending.push((message, blinding));
    }
    let body = IssueTokens {
        key_id: key.key_id.clone(),
        blinded: pending
            .iter()
            .map(|(_, b)| b64::encode(&b.blind_message))
            .collect(),
    };
    let issued: TokensIssued = client.issue_tokens(&m.team_id, &body).await?;
    if issued.blind_signatures.len() != pending.len() {
        return Err(Error::NotAuthentic(
            "The relay returned the wrong number of tokens.".into(),
        ));
    }
    let mut tokens = Vec::new();
    for ((message, blinding), blind_sig) in pending.iter().zip(issued.blind_signatures) {
        let blind_sig = b64::decode(&blind_sig)
            .ok_or_else(|| Error::NotAuthentic("The relay returned a damaged token.".into()))?;
        // finalize also verifies the signature against the key: a relay cannot hand out
        // tokens tagged per device without it showing here.
        let sig = pk
            .finalize(&BlindSignature(blind_sig), blinding, message, &options)
            .map_err(|_| {
                Error::NotAuthentic("The relay returned a token that does not verify.".into())
            })?;
        let randomizer = blinding
            .msg_randomizer
            .ok_or_else(|| Error::NotAuthentic("Token randomizer missing.".into()))?;
        tokens.push(Token {
            key_id: key.key_id.clone(),
            message: b64::encode(message),
            randomizer: b64::encode(&randomizer.0),
            signature: b64::encode(&sig),
        });
    }
    vault.with_vault(move |v| {
        for t in &tokens {
            let json = serde_json::to_string(t).map_err(|e| Error::InvalidInput(e.to_string()))?;
            v.conn()
                .execute("INSERT INTO request_tokens (token) VALUES (?1)", [json])
                .map_err(Error::from_sqlite)?;
        }
        count(v)
    })
}

fn rand_bytes() -> [u8; 32] {
    use chacha20poly1305::aead::{OsRng, rand_core::RngCore as _};
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b
}

/// Called on a timer by the app: tops up at random moments (about once every `one_in`
/// calls while low), so fetching tokens is not tied in time to spending one.
pub async fn top_up_at_random<A: VaultAccess>(vault: &A, one_in: u32) -> Result<()> {
    let low = vault.with_vault(|v| {
        Ok(super::membership::load_membership(v)?.is_some() && count(v)? < LOW_WATER)
    })?;
    let draw = u32::from_le_bytes(rand_bytes()[..4].try_into().unwrap_or([0; 4]));
    if low && draw % one_in.max(1) == 0 {
        top_up(vault).await?;
    }
    Ok(())
}
