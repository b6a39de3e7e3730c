//! Talk-to-a-peer requests: post (deduplicated), list, claim (atomic), reply, status, close.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use peerline_protocol::ErrorBody;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::invite::is_id;
use peerline_protocol::relay::{
    ClaimRequest, Event, HEADER_STATUS_SECRET, OpenRequest, PostAccepted, PostReply, PostRequest,
    RequestStatus, WidenRequest, claim_proof_message,
};

use super::signed::Signed;
use super::{Body, parse};
use crate::auth::{Caller, authenticate};
use crate::error::RelayError;
use crate::state::AppState;
use crate::storage::{ClaimOutcome, Device, NewPost, PostOutcome, StoredRequest};

pub(super) async fn team_device(
    state: &AppState,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Device, RelayError> {
    match authenticate(state, method, uri, headers, body).await? {
        Caller::Device(d) => Ok(d),
        Caller::Team(_) => Err(RelayError::Forbidden(
            "This is done from a team member's device.",
        )),
    }
}

/// `refusal`, unless the team does not exist: then that is what the poster is told.
pub(super) async fn unknown_team_or(
    state: &AppState,
    team: &str,
    refusal: RelayError,
) -> RelayError {
    match state.storage.team(team).await {
        Ok(Some(_)) => refusal,
        Ok(None) => RelayError::UnknownTeam,
        Err(e) => e,
    }
}

/// A recipient list: 1 to the allowed number of roster key ids.
pub(super) fn valid_recipients(state: &AppState, keys: &[String]) -> Result<(), RelayError> {
    if keys.is_empty()
        || keys.len() > state.limits.max_recipients
        || !keys.iter().all(|k| valid_key_id(k))
    {
        return Err(RelayError::InvalidInput(
            "recipient_key_ids must name between 1 and the allowed number of roster keys.".into(),
        ));
    }
    Ok(())
}

fn valid_key_id(k: &str) -> bool {
    !k.is_empty()
        && k.len() <= 64
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[utoipa::path(post, path = "/v1/teams/{team}/requests", tag = "requests", params(("team" = String, Path)),
    request_body = PostRequest, security(("signed" = [])),
    responses((status = 200, body = PostAccepted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn post(
    State(state): State<AppState>,
    Path(team): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Json<PostAccepted>, RelayError> {
    // Either an anonymous token (the app's way: nothing says which device asked) or a
    // device signature (tools and older clients). A signed post's nonce is recorded with
    // the request, in one transaction.
    let req: PostRequest;
    let (spend, nonce) = if headers.contains_key(peerline_protocol::auth::HEADER_SIGNER) {
        let (caller, nonce) = crate::auth::verify(&state, &method, &uri, &headers, &body).await?;
        match caller {
            Caller::Device(d) if d.team_id == team => {}
            Caller::Device(_) => {
                return Err(RelayError::Forbidden(
                    "This device is not a member of that team.",
                ));
            }
            Caller::Team(_) => {
                return Err(RelayError::Forbidden(
                    "This is done from a team member's device.",
                ));
            }
        }
        req = parse(&body)?;
        (None, Some(nonce))
    } else {
        req = parse(&body)?;
        if !is_id(&team) {
            return Err(RelayError::UnknownTeam);
        }
        let Some(token) = req.token.as_ref() else {
            let refusal = RelayError::Unauthorized("a request needs a token or a device signature");
            return Err(unknown_team_or(&state, &team, refusal).await);
        };
        (
            Some(super::tokens::verify(&state, &team, token).await?),
            None,
        )
    };
    let now = state.now();
    if !is_id(&req.request_id) {
        return Err(RelayError::InvalidInput(
            "request_id must be 32 hex digits.".into(),
        ));
    }
    valid_recipients(&state, &req.recipient_key_ids)?;
    if req.expires_at <= now || req.expires_at > now + state.limits.max_request_ttl_secs {
        return Err(RelayError::InvalidInput(
            "expires_at must be in the future and within a week.".into(),
        ));
    }
    if req.status_hash.len() != 64 || !req.status_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RelayError::InvalidInput(
            "status_hash must be a SHA-256 in hex.".into(),
        ));
    }
    let ciphertext = super::ciphertext(&req.ciphertext)?;
    let outcome = state
        .storage
        .post_request(NewPost {
            request: StoredRequest {
                request_id: req.request_id.clone(),
                team_id: team.clone(),
                urgency: req.urgency,
                recipient_key_ids: req.recipient_key_ids,
                created_at: now,
                expires_at: req.expires_at,
                // Set by the storage from the team's delay.
                escalate_at: None,
                escalated: false,
                ciphertext,
                status_hash: req.status_hash.to_ascii_lowercase(),
                claimed_by_key: None,
                claimed_by_device: None,
                reply: None,
                delivered: false,
            },
            token: spend,
            nonce,
        })
        .await?;
    match outcome {
        PostOutcome::TokenSpent => return Err(RelayError::TokenSpent),
        PostOutcome::Replay => return Err(RelayError::Replay),
        PostOutcome::UnknownTeam => return Err(RelayError::UnknownTeam),
        PostOutcome::Created | PostOutcome::Duplicate => {}
    }
    let duplicate = outcome == PostOutcome::Duplicate;
    if !duplicate {
        let event = Event::NewRequest {
            request_id: req.request_id.clone(),
            urgency: req.urgency,
        };
        state.announce(&team, event);
    }
    Ok(Json(PostAccepted {
        request_id: req.request_id,
        duplicate,
    }))
}

fn to_open(r: StoredRequest) -> OpenRequest {
    OpenRequest {
        state: r.state(),
        request_id: r.request_id,
        urgency: r.urgency,
        created_at: r.created_at,
        expires_at: r.expires_at,
        escalated: r.escalated,
        claimed_by: r.claimed_by_key,
        ciphertext: b64::encode(&r.ciphertext),
    }
}

#[utoipa::path(get, path = "/v1/teams/{team}/requests", tag = "requests", params(("team" = String, Path)),
    security(("signed" = [])), responses((status = 200, body = Vec<OpenRequest>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<Json<Vec<OpenRequest>>, RelayError> {
    signed.member_of(&team)?;
    let all = state.storage.team_requests(&team, state.now()).await?;
    let fresh: Vec<String> = all
        .iter()
        .filter(|r| !r.delivered)
        .map(|r| r.request_id.clone())
        .collect();
    if !fresh.is_empty() {
        state.storage.mark_delivered(fresh.clone()).await?;
        // The officer's app follows its request's events: "delivered" is one of them.
        for request_id in fresh {
            state.announce(&team, Event::Delivered { request_id });
        }
    }
    Ok(Json(all.into_iter().map(to_open).collect()))
}

#[utoipa::path(post, path = "/v1/requests/{id}/claim", tag = "requests", params(("id" = String, Path)),
    request_body = ClaimRequest, security(("signed" = [])),
    responses((status = 200, description = "Claimed by this peer"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn claim(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: Signed,
) -> Result<Json<serde_json::Value>, RelayError> {
    let device = signed.device()?;
    let req: ClaimRequest = parse(&signed.body)?;
    if !valid_key_id(&req.key_id) {
        return Err(RelayError::InvalidInput(
            "key_id is not a roster key id.".into(),
        ));
    }
    // A device of another team learns nothing, not even that the request exists.
    let r = state
        .storage
        .request(&id)
        .await?
        .filter(|r| r.team_id == device.team_id)
        .ok_or(RelayError::UnknownRequest)?;
    if !r.recipient_key_ids.contains(&req.key_id) {
        return Err(RelayError::Forbidden(
            "This request was not sent to that peer.",
        ));
    }
    super::check_peer_proof(
        &state,
        &device.team_id,
        &req.key_id,
        &claim_proof_message(&device.team_id, &id, &req.key_id),
        &req.proof,
    )
    .await?;
    // Scoped to the device's own team: a device of another team sees "unknown", never
    // whether the request exists.
    match state
        .storage
        .claim(
            &id,
            &device.team_id,
            &req.key_id,
            &device.device_id,
            state.now(),
        )
        .await?
    {
        ClaimOutcome::Won => {
            state.announce(
                &device.team_id,
                Event::Claimed {
                    request_id: id.clone(),
                },
            );
            Ok(Json(serde_json::json!({ "claimed": id })))
        }
        ClaimOutcome::AlreadyYours => Ok(Json(serde_json::json!({ "claimed": id }))),
        ClaimOutcome::Taken => Err(RelayError::AlreadyTaken),
        ClaimOutcome::NotFound => Err(RelayError::UnknownRequest),
    }
}

#[utoipa::path(post, path = "/v1/requests/{id}/reply", tag = "requests", params(("id" = String, Path)),
    request_body = PostReply, security(("signed" = [])),
    responses((status = 200, description = "Stored"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    signed: Signed,
) -> Result<Json<serde_json::Value>, RelayError> {
    let device = signed.device()?;
    let req: PostReply = parse(&signed.body)?;
    let ciphertext = super::ciphertext(&req.ciphertext)?;
    if !state
        .storage
        .reply(&id, &device.device_id, ciphertext)
        .await?
    {
        return match state.storage.request(&id).await? {
            Some(r) if r.team_id == device.team_id => Err(RelayError::Forbidden(
                "Only the peer who took this request can reply to it.",
            )),
            _ => Err(RelayError::UnknownRequest),
        };
    }
    state.announce(
        &device.team_id,
        Event::Replied {
            request_id: id.clone(),
        },
    );
    Ok(Json(serde_json::json!({ "replied": id })))
}

/// The officer's view, by the request's status secret (never by device).
pub(super) async fn by_secret(
    state: &AppState,
    id: &str,
    headers: &HeaderMap,
) -> Result<Option<StoredRequest>, RelayError> {
    let Some(secret) = headers
        .get(HEADER_STATUS_SECRET)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(None);
    };
    let r = state
        .storage
        .request(id)
        .await?
        .ok_or(RelayError::UnknownRequest)?;
    if secret_hash_hex(secret) != r.status_hash {
        // Same answer as "no such request": the secret is the only way to learn it exists.
        return Err(RelayError::UnknownRequest);
    }
    Ok(Some(r))
}

#[utoipa::path(get, path = "/v1/requests/{id}", tag = "requests", params(("id" = String, Path)),
    security(("status_secret" = [])), responses((status = 200, body = RequestStatus), (status = 404, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<RequestStatus>, RelayError> {
    let r = by_secret(&state, &id, &headers)
        .await?
        .ok_or(RelayError::Unauthorized(
            "the request's status secret is missing",
        ))?;
    Ok(Json(RequestStatus {
        state: r.state(),
        delivered: r.delivered,
        request_id: r.request_id,
        escalated: r.escalated,
        reply: r.reply.as_deref().map(b64::encode),
    }))
}

#[utoipa::path(delete, path = "/v1/requests/{id}", tag = "requests", params(("id" = String, Path)),
    security(("status_secret" = []), ("signed" = [])),
    responses((status = 200, description = "Closed and deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<serde_json::Value>, RelayError> {
    // The officer closes with the status secret; the claiming peer with its device key.
    let r = match by_secret(&state, &id, &headers).await? {
        Some(r) => r,
        None => {
            let device = team_device(&state, &method, &uri, &headers, b"").await?;
            let r = state
                .storage
                .request(&id)
                .await?
                .ok_or(RelayError::UnknownRequest)?;
            if r.team_id != device.team_id {
                return Err(RelayError::UnknownRequest);
            }
            if r.claimed_by_device.as_deref() != Some(device.device_id.as_str()) {
                return Err(RelayError::Forbidden(
                    "Only the officer or the peer who took it can close a request.",
                ));
            }
            r
        }
    };
    if state.storage.close(&id, r.expires_at, state.now()).await? {
        state.announce(
            &r.team_id,
            Event::Closed {
                request_id: id.clone(),
            },
        );
    }
    Ok(Json(serde_json::json!({ "closed": id })))
}

#[utoipa::path(post, path = "/v1/requests/{id}/widen", tag = "requests", params(("id" = String, Path)),
    request_body = WidenRequest, security(("status_secret" = [])),
    responses((status = 200, description = "Re-addressed to every peer"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn widen(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Json<serde_json::Value>, RelayError> {
    let r = by_secret(&state, &id, &headers)
        .await?
        .ok_or(RelayError::Unauthorized(
            "the request's status secret is missing",
        ))?;
    let req: WidenRequest = parse(&body)?;
    valid_recipients(&state, &req.recipient_key_ids)?;
    let ciphertext = super::ciphertext(&req.ciphertext)?;
    if !state
        .storage
        .widen(&id, req.recipient_key_ids, ciphertext)
        .await?
    {
        return Err(RelayError::AlreadyTaken);
    }
    // Everyone is told again: off-duty peers can now read it.
    let event = Event::Escalated {
        request_id: id.clone(),
    };
    state.announce(&r.team_id, event);
    Ok(Json(serde_json::json!({ "widened": id })))
}
