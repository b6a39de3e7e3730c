//! Redeeming an invite: a device joins a team under a random pseudonymous id.

use axum::Json;
use axum::extract::State;
use peerline_protocol::ErrorBody;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::invite::is_id;
use peerline_protocol::relay::{DeviceRegistered, RegisterDevice};

use super::{Body, parse};
use crate::error::RelayError;
use crate::ids::random_id;
use crate::state::AppState;
use crate::storage::{Device, InviteRefusal};

#[utoipa::path(post, path = "/v1/devices", tag = "devices", request_body = RegisterDevice,
    responses((status = 200, body = DeviceRegistered), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn register(
    State(state): State<AppState>,
    Body(body): Body,
) -> Result<Json<DeviceRegistered>, RelayError> {
    let req: RegisterDevice = parse(&body)?;
    if !is_id(&req.team_id) {
        return Err(RelayError::UnknownTeam);
    }
    let public_key: [u8; 32] = b64::decode(&req.device_public_key)
        .and_then(|k| k.try_into().ok())
        .filter(|k| ed25519_dalek::VerifyingKey::from_bytes(k).is_ok())
        .ok_or_else(|| {
            RelayError::InvalidInput("device_public_key is not an ed25519 public key.".into())
        })?;
    let team = state
        .storage
        .team(&req.team_id)
        .await?
        .ok_or(RelayError::UnknownTeam)?;
    // Before the invite is spent: a damaged invite must not use up a real one's place.
    if b64::decode(&req.team_public_key).as_deref() != Some(team.public_key.as_slice()) {
        return Err(RelayError::Invite(
            "This invite is damaged: its team key is not this team's. Ask your coordinator for a new one.",
        ));
    }
    let device_id = random_id();
    let outcome = state
        .storage
        .redeem_invite(
            &req.team_id,
            &secret_hash_hex(&req.invite_code),
            state.now(),
            Device {
                device_id: device_id.clone(),
                team_id: req.team_id.clone(),
                public_key,
            },
        )
        .await?;
    match outcome {
        Ok(()) => Ok(Json(DeviceRegistered { device_id })),
        Err(InviteRefusal::Unknown) => Err(RelayError::Invite(
            "This invite is not valid for this team. Ask your coordinator for a new one.",
        )),
        Err(InviteRefusal::Expired) => Err(RelayError::Invite(
            "This invite has expired. Ask your coordinator for a new one.",
        )),
        Err(InviteRefusal::Revoked) => Err(RelayError::Invite(
            "This invite was withdrawn by your coordinator. Ask them for a new one.",
        )),
        Err(InviteRefusal::UsedUp) => Err(RelayError::Invite(
            "This invite has already been used. Ask your coordinator for a new one.",
        )),
    }
}
