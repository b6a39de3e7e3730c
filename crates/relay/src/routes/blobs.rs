//! Rosters and directories: signed by the team key, versioned, served to the team.

use axum::Json;
use axum::extract::{Path, State};
use ed25519_dalek::{Signature, VerifyingKey};
use peerline_protocol::ErrorBody;
use peerline_protocol::b64;
use peerline_protocol::documents::MAX_DOCUMENT_BYTES;
use peerline_protocol::relay::{BlobKind, SignedBlob, blob_signing_message};

use super::parse;
use super::signed::Signed;
use crate::error::RelayError;
use crate::state::AppState;

/// Body limit for publishing: the largest document a phone accepts
/// ([`MAX_DOCUMENT_BYTES`]), as base64 inside the JSON body. The default limit for every
/// other route is far smaller; a 10,000-entry directory is a few MiB.
pub const MAX_DOCUMENT_BODY: usize = MAX_DOCUMENT_BYTES / 3 * 4 + 64 * 1024;

fn kind(s: &str) -> Result<BlobKind, RelayError> {
    match s {
        "roster" => Ok(BlobKind::Roster),
        "directory" => Ok(BlobKind::Directory),
        _ => Err(RelayError::InvalidInput("No such endpoint.".into())),
    }
}

#[utoipa::path(put, path = "/v1/teams/{team}/{kind}", tag = "documents",
    params(("team" = String, Path), ("kind" = BlobKind, Path)), request_body = SignedBlob, security(("signed" = [])),
    responses((status = 200, description = "Stored"), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    Path((team, kind_s)): Path<(String, String)>,
    signed: Signed,
) -> Result<Json<serde_json::Value>, RelayError> {
    let kind = kind(&kind_s)?;
    let t = signed.coordinator_of(&team)?;
    let blob: SignedBlob = parse(&signed.body)?;
    let payload = b64::decode(&blob.payload)
        .ok_or_else(|| RelayError::InvalidInput("payload is not base64.".into()))?;
    if payload.len() > MAX_DOCUMENT_BYTES {
        return Err(RelayError::InvalidInput(format!(
            "The {} is larger than phones accept ({} MiB).",
            kind.as_str(),
            MAX_DOCUMENT_BYTES / (1024 * 1024)
        )));
    }
    let sig = b64::decode(&blob.signature)
        .and_then(|s| Signature::from_slice(&s).ok())
        .ok_or_else(|| RelayError::InvalidInput("signature is not an ed25519 signature.".into()))?;
    // The relay checks the signature too, so a broken upload is refused here rather than
    // by every phone later. The phones still verify for themselves.
    let key = VerifyingKey::from_bytes(&t.public_key)
        .map_err(|_| RelayError::Unavailable("stored team key is invalid".into()))?;
    key.verify_strict(
        &blob_signing_message(&team, kind, blob.version, &payload),
        &sig,
    )
    .map_err(|_| {
        RelayError::InvalidInput(format!(
            "The {} is not signed by this team's key.",
            kind.as_str()
        ))
    })?;
    let version = blob.version;
    match state.storage.put_blob(&team, kind, blob).await? {
        Ok(()) => {
            tracing::info!(team_id = %team, kind = kind.as_str(), version, "published");
            Ok(Json(serde_json::json!({ "version": version })))
        }
        Err(current) => Err(RelayError::StaleVersion { current }),
    }
}

#[utoipa::path(get, path = "/v1/teams/{team}/{kind}", tag = "documents",
    params(("team" = String, Path), ("kind" = BlobKind, Path)), security(("signed" = [])),
    responses((status = 200, body = SignedBlob), (status = 403, body = ErrorBody)))]
pub async fn fetch(
    State(state): State<AppState>,
    Path((team, kind_s)): Path<(String, String)>,
    signed: Signed,
) -> Result<Json<SignedBlob>, RelayError> {
    let kind = kind(&kind_s)?;
    signed.of_team(&team)?;
    state
        .storage
        .blob(&team, kind)
        .await?
        .map(Json)
        .ok_or(RelayError::NotPublished(kind.as_str()))
}
