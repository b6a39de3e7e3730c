//! Push subscriptions: a peer's device asks to be woken for requests addressed to its
//! roster key; an officer asks, with a request's status secret only, to be woken as that
//! one request moves. Neither carries anything that links two of an officer's requests.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use peerline_protocol::ErrorBody;
use peerline_protocol::relay::{PeerPush, PushKey, PushSubscription, push_proof_message};

use super::parse;
use super::signed::Signed;
use crate::error::RelayError;
use crate::push::check_subscription;
use crate::state::AppState;

/// How long past its request's expiry an officer's subscription may outlive it (so the
/// "closed" wake of an expired request still finds it); the close removes it sooner.
const REQUEST_PUSH_GRACE_SECS: i64 = 3600;

#[utoipa::path(get, path = "/v1/push-key", tag = "push",
    responses((status = 200, body = PushKey)))]
pub async fn key(State(state): State<AppState>) -> Json<PushKey> {
    Json(PushKey {
        vapid_public_key: state.push_key.to_string(),
    })
}

#[utoipa::path(put, path = "/v1/teams/{team}/push", tag = "push", params(("team" = String, Path)),
    request_body = PeerPush, security(("signed" = [])),
    responses((status = 204, description = "Subscribed"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set_peer(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<StatusCode, RelayError> {
    let device = signed.member_of(&team)?;
    let req: PeerPush = parse(&signed.body)?;
    check_subscription(
        &req.subscription,
        state.push_config.allow_loopback_endpoints,
    )?;
    super::check_peer_proof(
        &state,
        &team,
        &req.key_id,
        &push_proof_message(&team, &req.key_id, &req.subscription.endpoint),
        &req.proof,
    )
    .await?;
    state
        .storage
        .put_peer_push(&team, &device.device_id, &req.key_id, req.subscription)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/teams/{team}/push", tag = "push", params(("team" = String, Path)),
    security(("signed" = [])),
    responses((status = 204, description = "No longer woken"), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
pub async fn delete_peer(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<StatusCode, RelayError> {
    let device = signed.member_of(&team)?;
    state.storage.delete_peer_push(&device.device_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/v1/requests/{id}/push", tag = "push", params(("id" = String, Path)),
    request_body = PushSubscription, security(("status_secret" = [])),
    responses((status = 204, description = "Subscribed"), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_officer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: super::Body,
) -> Result<StatusCode, RelayError> {
    let r = super::requests::by_secret(&state, &id, &headers)
        .await?
        .ok_or(RelayError::Unauthorized(
            "the request's status secret is missing",
        ))?;
    let sub: PushSubscription = parse(&body.0)?;
    check_subscription(&sub, state.push_config.allow_loopback_endpoints)?;
    state
        .storage
        .put_request_push(&id, sub, r.expires_at + REQUEST_PUSH_GRACE_SECS)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(delete, path = "/v1/requests/{id}/push", tag = "push", params(("id" = String, Path)),
    security(("status_secret" = [])),
    responses((status = 204, description = "No longer woken"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete_officer(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, RelayError> {
    super::requests::by_secret(&state, &id, &headers)
        .await?
        .ok_or(RelayError::Unauthorized(
            "the request's status secret is missing",
        ))?;
    state.storage.delete_request_push(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
