//! Anonymous one-time request tokens (RFC 9474 blind RSA signatures,
//! RSABSSA-SHA384-PSS-Randomized). A registered device gets a batch signed blind, under a
//! daily cap; posting a request spends one token instead of any device credential, so the
//! relay learns that a member asked, never which one, and cannot link two requests.

use axum::Json;
use axum::extract::{Path, State};
use blind_rsa_signatures::{
    BlindSignature, DefaultRng, KeyPair, MessageRandomizer, Options, PublicKey, SecretKey,
    Signature,
};
use peerline_protocol::ErrorBody;
use peerline_protocol::b64;
use peerline_protocol::invite::is_id;
use peerline_protocol::relay::{IssueTokens, MAX_TOKENS_PER_BATCH, Token, TokenKey, TokensIssued};

use super::parse;
use super::signed::Signed;
use crate::error::RelayError;
use crate::ids::random_id;
use crate::state::AppState;
use crate::storage::StoredTokenKey;

/// A new signing key after this long, so a key's anonymity set stays bounded in time.
pub const ROTATE_SECS: i64 = 7 * 86_400;
/// Tokens stay spendable this long after their key was made.
pub const KEY_LIFETIME_SECS: i64 = 14 * 86_400;

/// The key to issue under: the newest one if fresh, else a new one.
async fn current_key(state: &AppState, team: &str) -> Result<StoredTokenKey, RelayError> {
    let now = state.now();
    if let Some(k) = state
        .storage
        .token_keys(team, now)
        .await?
        .into_iter()
        .next()
        && now - k.created_at < ROTATE_SECS
    {
        return Ok(k);
    }
    let kp = tokio::task::spawn_blocking(|| KeyPair::generate(&mut DefaultRng, 2048))
        .await
        .map_err(|_| RelayError::Unavailable("token key generation failed".into()))?
        .map_err(|_| RelayError::Unavailable("token key generation failed".into()))?;
    let key = StoredTokenKey {
        key_id: random_id(),
        secret_der: kp
            .sk
            .to_der()
            .map_err(|_| RelayError::Unavailable("token key encoding failed".into()))?,
        public_der: kp
            .pk
            .to_der()
            .map_err(|_| RelayError::Unavailable("token key encoding failed".into()))?,
        created_at: now,
        expires_at: now + KEY_LIFETIME_SECS,
    };
    state.storage.insert_token_key(team, key.clone()).await?;
    tracing::info!(team_id = team, "new token key");
    Ok(key)
}

#[utoipa::path(get, path = "/v1/teams/{team}/token-keys", tag = "tokens", params(("team" = String, Path)),
    responses((status = 200, body = Vec<TokenKey>), (status = 404, body = ErrorBody)))]
pub async fn keys(
    State(state): State<AppState>,
    Path(team): Path<String>,
) -> Result<Json<Vec<TokenKey>>, RelayError> {
    if !is_id(&team) || state.storage.team(&team).await?.is_none() {
        return Err(RelayError::UnknownTeam);
    }
    current_key(&state, &team).await?;
    let keys = state.storage.token_keys(&team, state.now()).await?;
    Ok(Json(
        keys.into_iter()
            .map(|k| TokenKey {
                key_id: k.key_id,
                public_key: b64::encode(&k.public_der),
                expires_at: k.expires_at,
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/v1/teams/{team}/tokens", tag = "tokens", params(("team" = String, Path)),
    request_body = IssueTokens, security(("signed" = [])),
    responses((status = 200, body = TokensIssued), (status = 403, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<Json<TokensIssued>, RelayError> {
    let device = signed.member_of(&team)?;
    let req: IssueTokens = parse(&signed.body)?;
    if req.blinded.is_empty() || req.blinded.len() > MAX_TOKENS_PER_BATCH {
        return Err(RelayError::InvalidInput(format!(
            "Ask for 1 to {MAX_TOKENS_PER_BATCH} tokens at a time."
        )));
    }
    let key = state
        .storage
        .token_keys(&team, state.now())
        .await?
        .into_iter()
        .find(|k| k.key_id == req.key_id)
        .ok_or(RelayError::Conflict(
            "That token key is unknown or expired; fetch the keys again.",
        ))?;
    let blinded = req
        .blinded
        .iter()
        .map(|b| b64::decode(b))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| RelayError::InvalidInput("A blinded message is not base64.".into()))?;
    let day = state.now().div_euclid(86_400);
    let n = u32::try_from(blinded.len()).unwrap_or(u32::MAX);
    let cap = state
        .storage
        .team(&team)
        .await?
        .ok_or(RelayError::UnknownTeam)?
        .tokens_per_day;
    if !state
        .storage
        .reserve_tokens(&device.device_id, day, n, cap)
        .await?
    {
        return Err(RelayError::RateLimited);
    }
    let signatures = tokio::task::spawn_blocking(move || -> Result<Vec<String>, RelayError> {
        let sk = SecretKey::from_der(&key.secret_der)
            .map_err(|_| RelayError::Unavailable("token key is damaged".into()))?;
        blinded
            .iter()
            .map(|m| {
                sk.blind_sign(m).map(|s| b64::encode(&s)).map_err(|_| {
                    RelayError::InvalidInput("A blinded message is not valid for this key.".into())
                })
            })
            .collect()
    })
    .await
    .map_err(|_| RelayError::Unavailable("signing failed".into()))??;
    Ok(Json(TokensIssued {
        blind_signatures: signatures,
    }))
}

/// Checks a token for `team`; returns (hash to record as spent, until when).
pub async fn verify(
    state: &AppState,
    team: &str,
    token: &Token,
) -> Result<(String, i64), RelayError> {
    let bad =
        || RelayError::Forbidden("This request's token is not valid. The app will fetch new ones.");
    let key = state
        .storage
        .token_keys(team, state.now())
        .await?
        .into_iter()
        .find(|k| k.key_id == token.key_id);
    let Some(key) = key else {
        // Only on the way to a refusal does a post read the team: to say it is not there.
        return Err(super::requests::unknown_team_or(state, team, bad()).await);
    };
    let message = b64::decode(&token.message)
        .filter(|m| m.len() == 32)
        .ok_or_else(bad)?;
    let randomizer: [u8; 32] = b64::decode(&token.randomizer)
        .and_then(|r| r.try_into().ok())
        .ok_or_else(bad)?;
    let signature = b64::decode(&token.signature).ok_or_else(bad)?;
    let public = key.public_der.clone();
    let ok = tokio::task::spawn_blocking(move || {
        PublicKey::from_der(&public)
            .and_then(|pk| {
                Signature(signature).verify(
                    &pk,
                    Some(MessageRandomizer(randomizer)),
                    &message,
                    &Options::default(),
                )
            })
            .is_ok()
    })
    .await
    .unwrap_or(false);
    if !ok {
        return Err(bad());
    }
    let hash =
        peerline_protocol::auth::secret_hash_hex(&format!("{}:{}", token.key_id, token.message));
    Ok((hash, key.expires_at))
}

// Keep the blind-signature type in the public surface of this module for the tests.
#[allow(dead_code)]
type _Blind = BlindSignature;
