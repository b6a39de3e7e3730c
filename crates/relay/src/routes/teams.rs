//! Teams and invites (operator and coordinator).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use peerline_protocol::ErrorBody;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::{
    CreateTeam, InviteInfo, InviteIssued, IssueInvite, TeamCreated, TeamStatus,
};

use peerline_protocol::figures::{self, DutyWeek, TeamFigures};

use super::signed::Signed;
use super::{Body, parse};
use crate::error::RelayError;
use crate::ids::random_id;
use crate::state::AppState;
use crate::storage::{NewInvite, Team};

/// Default escalation limit for urgent requests: three minutes.
pub const DEFAULT_ESCALATION_SECS: u32 = 180;

#[utoipa::path(post, path = "/v1/teams", tag = "teams", request_body = CreateTeam,
    security(("admin_token" = [])),
    responses((status = 200, body = TeamCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Json<TeamCreated>, RelayError> {
    let expected = state
        .admin_token_hash
        .as_deref()
        .ok_or(RelayError::Forbidden(
            "This relay was started without an admin token, so no team can be created on it.",
        ))?;
    let token = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(RelayError::Unauthorized("the admin token is missing"))?;
    if secret_hash_hex(token) != expected {
        return Err(RelayError::Unauthorized("the admin token is wrong"));
    }
    let req: CreateTeam = parse(&body)?;
    let public_key: [u8; 32] = b64::decode(&req.team_public_key)
        .and_then(|k| k.try_into().ok())
        .filter(|k| ed25519_dalek::VerifyingKey::from_bytes(k).is_ok())
        .ok_or_else(|| {
            RelayError::InvalidInput("team_public_key is not an ed25519 public key.".into())
        })?;
    let escalation_secs = req.escalation_secs.unwrap_or(DEFAULT_ESCALATION_SECS);
    if !(1..=86_400).contains(&escalation_secs) {
        return Err(RelayError::InvalidInput(
            "escalation_secs must be between 1 and 86400.".into(),
        ));
    }
    let tokens_per_day = req.tokens_per_day.unwrap_or(state.limits.tokens_per_day);
    if !(1..=1000).contains(&tokens_per_day) {
        return Err(RelayError::InvalidInput(
            "tokens_per_day must be between 1 and 1000.".into(),
        ));
    }
    let team_id = random_id();
    state
        .storage
        .create_team(Team {
            team_id: team_id.clone(),
            public_key,
            escalation_secs,
            tokens_per_day,
        })
        .await?;
    tracing::info!(team_id, "team created");
    Ok(Json(TeamCreated { team_id }))
}

#[utoipa::path(get, path = "/v1/teams/{team}", tag = "teams", params(("team" = String, Path)),
    security(("signed" = [])),
    responses((status = 200, body = TeamStatus), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn status(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<Json<TeamStatus>, RelayError> {
    signed.coordinator_of(&team)?;
    state
        .storage
        .team_status(&team, state.now())
        .await?
        .map(Json)
        .ok_or(RelayError::UnknownTeam)
}

/// The program's figures, for the team's coordinator alone: counters per week pooled into
/// periods of at least five requests, and duty by hour. The operator's admin token does
/// not open it; another team's key does not either.
#[utoipa::path(get, path = "/v1/teams/{team}/figures", tag = "teams", params(("team" = String, Path)),
    security(("signed" = [])),
    responses((status = 200, body = TeamFigures), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn figures(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<Json<TeamFigures>, RelayError> {
    signed.coordinator_of(&team)?;
    let last_week = figures::last_shown_week(state.now());
    let rows = state
        .storage
        .figures(&team, last_week - figures::DUTY_WEEKS_SHOWN + 1)
        .await?;
    // Every shown week from the first with anyone on duty: a week nobody covered is there,
    // all zeros, so "held" is measured over the weeks that were, not only the covered ones.
    let first_duty = rows.duty.iter().map(|(w, ..)| *w).min();
    let mut duty: Vec<DutyWeek> = first_duty
        .map(|first| {
            (first..=last_week)
                .map(|week| DutyWeek {
                    week,
                    peer_seconds: vec![0; figures::HOURS_PER_WEEK],
                })
                .collect()
        })
        .unwrap_or_default();
    for (week, hour, secs) in rows.duty {
        let Some(first) = first_duty else { break };
        if let Some(d) = usize::try_from(week - first)
            .ok()
            .and_then(|i| duty.get_mut(i))
            .filter(|d| d.week == week)
            && let Some(slot) = d.peer_seconds.get_mut(hour)
        {
            *slot = u32::try_from(secs).unwrap_or(u32::MAX);
        }
    }
    Ok(Json(TeamFigures {
        last_week,
        periods: figures::pool(rows.weeks, last_week),
        duty,
    }))
}

#[utoipa::path(post, path = "/v1/teams/{team}/invites", tag = "invites", params(("team" = String, Path)),
    request_body = IssueInvite, security(("signed" = [])),
    responses((status = 200, description = "`{\"invite_id\": …}`"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn issue_invite(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<Json<InviteIssued>, RelayError> {
    signed.coordinator_of(&team)?;
    let req: IssueInvite = parse(&signed.body)?;
    if req.expires_at <= state.now() {
        return Err(RelayError::InvalidInput(
            "The invite's expiry is in the past.".into(),
        ));
    }
    if !(1..=10_000).contains(&req.max_uses) {
        return Err(RelayError::InvalidInput(
            "max_uses must be between 1 and 10000.".into(),
        ));
    }
    if req.code_hash.len() != 64 || !req.code_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RelayError::InvalidInput(
            "code_hash must be a SHA-256 in hex.".into(),
        ));
    }
    let invite_id = random_id();
    state
        .storage
        .insert_invite(NewInvite {
            invite_id: invite_id.clone(),
            team_id: team,
            code_hash: req.code_hash.to_ascii_lowercase(),
            expires_at: req.expires_at,
            max_uses: req.max_uses,
        })
        .await?;
    Ok(Json(InviteIssued { invite_id }))
}

#[utoipa::path(get, path = "/v1/teams/{team}/invites", tag = "invites", params(("team" = String, Path)),
    security(("signed" = [])), responses((status = 200, body = Vec<InviteInfo>), (status = 403, body = ErrorBody)))]
pub async fn list_invites(
    State(state): State<AppState>,
    Path(team): Path<String>,
    signed: Signed,
) -> Result<Json<Vec<InviteInfo>>, RelayError> {
    signed.coordinator_of(&team)?;
    Ok(Json(state.storage.list_invites(&team).await?))
}

#[utoipa::path(delete, path = "/v1/teams/{team}/invites/{invite}", tag = "invites",
    params(("team" = String, Path), ("invite" = String, Path)), security(("signed" = [])),
    responses((status = 200, description = "Revoked"), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn revoke_invite(
    State(state): State<AppState>,
    Path((team, invite)): Path<(String, String)>,
    signed: Signed,
) -> Result<Json<serde_json::Value>, RelayError> {
    signed.coordinator_of(&team)?;
    if !state.storage.revoke_invite(&team, &invite).await? {
        return Err(RelayError::UnknownInvite);
    }
    Ok(Json(serde_json::json!({ "revoked": invite })))
}
