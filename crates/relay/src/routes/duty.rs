//! On-duty presence: peers say when they take urgent requests; officers' apps encrypt to
//! those peers first.

use axum::Json;
use axum::extract::{Path, State};
use peerline_protocol::ErrorBody;
use peerline_protocol::relay::{OnDuty, SetDuty, duty_proof_message};

use super::parse;
use super::signed::Signed;
use crate::error::RelayError;
use crate::state::AppState;

/// Longest single on-duty stretch, minutes (a shift and then some).
const MAX_DUTY_MINUTES: u32 = 24 * 60;

#[utoipa::path(put, path = "/v1/teams/{team}/duty", tag = "duty", params(("team" = String, Path)),
    request_body = SetDuty, security(("signed" = [])),
    responses((status = 200, body = OnDuty), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn set(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<Json<OnDuty>, RelayError> {
    signed.member_of(&team)?;
    let req: SetDuty = parse(&signed.body)?;
    if req.key_id.is_empty()
        || req.key_id.len() > 64
        || !req
            .key_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(RelayError::InvalidInput(
            "key_id is not a roster key id.".into(),
        ));
    }
    if req.minutes > MAX_DUTY_MINUTES {
        return Err(RelayError::InvalidInput(
            "minutes may be at most 1440.".into(),
        ));
    }
    super::check_peer_proof(
        &state,
        &team,
        &req.key_id,
        &duty_proof_message(&team, &req.key_id, req.minutes),
        &req.proof,
    )
    .await?;
    let now = state.now();
    let until = (req.minutes > 0).then(|| now + i64::from(req.minutes) * 60);
    state
        .storage
        .set_duty(&team, &req.key_id, until, now)
        .await?;
    Ok(Json(OnDuty {
        key_ids: state.storage.on_duty(&team, state.now()).await?,
    }))
}

/// Unsigned on purpose: an officer's app reads this right before an anonymous post, and a
/// device signature here would tie the two together in time. It names roster keys only.
#[utoipa::path(get, path = "/v1/teams/{team}/duty", tag = "duty", params(("team" = String, Path)),
    responses((status = 200, body = OnDuty), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Path(team): Path<String>,
) -> Result<Json<OnDuty>, RelayError> {
    if !peerline_protocol::invite::is_id(&team) || state.storage.team(&team).await?.is_none() {
        return Err(RelayError::UnknownTeam);
    }
    Ok(Json(OnDuty {
        key_ids: state.storage.on_duty(&team, state.now()).await?,
    }))
}
