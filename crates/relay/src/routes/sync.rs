//! Sync boxes: where an officer's own devices leave each other their records, encrypted
//! with a key the relay never sees. A box is created with one anonymous token of the team
//! and opened with its secret alone (no device id, no signature), so the relay cannot join
//! a box to a device. It holds ciphertext in sequence plus one snapshot; a snapshot
//! replaces the records it covers, so a box stays about the size of the vault.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use peerline_protocol::ErrorBody;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::invite::is_id;
use peerline_protocol::relay::{
    AppendRecord, Appended, BoxContents, BoxRecord, BoxSnapshot, CreateBox, HEADER_BOX_SECRET,
};
use serde::Deserialize;

use super::parse;
use crate::error::RelayError;
use crate::state::AppState;
use crate::storage::{BoxCreated, SnapshotRefusal, SyncBox};

/// Most bytes one box may hold (records and snapshot). A ten-year vault is about 2 MiB;
/// in base64 the whole box still fits in one answer the client accepts (24 MiB).
pub const BOX_QUOTA_BYTES: u64 = 16 * 1024 * 1024;

/// Records per page of `GET /v1/boxes/{box}`.
pub const PAGE_RECORDS: usize = 256;

/// Largest snapshot body: the box's quota (the route's own body limit).
pub const MAX_SNAPSHOT_BODY: usize = 24 * 1024 * 1024;

/// The box, if `headers` carry its secret. A wrong or missing secret is "no such box".
async fn open_box(state: &AppState, id: &str, headers: &HeaderMap) -> Result<SyncBox, RelayError> {
    if !is_id(id) {
        return Err(RelayError::InvalidInput(
            "box ids are 32 hex digits.".into(),
        ));
    }
    let secret = headers
        .get(HEADER_BOX_SECRET)
        .and_then(|v| v.to_str().ok())
        .ok_or(RelayError::Unauthorized("the box secret is missing"))?;
    let b = state
        .storage
        .sync_box(id)
        .await?
        .ok_or(RelayError::UnknownBox)?;
    if secret_hash_hex(secret) != b.secret_hash {
        return Err(RelayError::UnknownBox);
    }
    Ok(b)
}

fn ciphertext(data: &str) -> Result<Vec<u8>, RelayError> {
    b64::decode(data)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| RelayError::InvalidInput("data is not base64 ciphertext.".into()))
}

#[utoipa::path(put, path = "/v1/boxes/{box}", tag = "sync", params(("box" = String, Path)),
    request_body = CreateBox,
    responses((status = 201, description = "Created"), (status = 200, description = "It existed with that secret"),
        (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    Path(id): Path<String>,
    body: super::Body,
) -> Result<StatusCode, RelayError> {
    let req: CreateBox = parse(&body.0)?;
    if !is_id(&id) {
        return Err(RelayError::InvalidInput(
            "box ids are 32 hex digits.".into(),
        ));
    }
    if req.secret_hash.len() != 64 || !req.secret_hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(RelayError::InvalidInput(
            "secret_hash must be a SHA-256 in hex.".into(),
        ));
    }
    if !is_id(&req.team_id) || state.storage.team(&req.team_id).await?.is_none() {
        return Err(RelayError::UnknownTeam);
    }
    let spend = super::tokens::verify(&state, &req.team_id, &req.token).await?;
    match state
        .storage
        .create_box(
            &id,
            &req.team_id,
            &req.secret_hash.to_ascii_lowercase(),
            spend,
            state.now(),
        )
        .await?
    {
        BoxCreated::Created => Ok(StatusCode::CREATED),
        BoxCreated::Exists => Ok(StatusCode::OK),
        BoxCreated::Conflict => Err(RelayError::Conflict(
            "A different sync box already has that id; make a new one.",
        )),
        BoxCreated::TokenSpent => Err(RelayError::TokenSpent),
    }
}

/// `?after=N`: records after sequence N (0 for everything).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct After {
    /// Return what follows this sequence number.
    #[serde(default)]
    pub after: u64,
}

#[utoipa::path(get, path = "/v1/boxes/{box}", tag = "sync",
    params(("box" = String, Path), After), security(("box_secret" = [])),
    responses((status = 200, body = BoxContents), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(after): Query<After>,
    headers: HeaderMap,
) -> Result<Json<BoxContents>, RelayError> {
    let b = open_box(&state, &id, &headers).await?;
    let page = state
        .storage
        .box_page(&id, after.after, PAGE_RECORDS)
        .await?;
    Ok(Json(BoxContents {
        snapshot: page.snapshot.map(|(upto_seq, data)| BoxSnapshot {
            upto_seq,
            data: b64::encode(&data),
        }),
        records: page
            .records
            .into_iter()
            .map(|(seq, data)| BoxRecord {
                seq,
                data: b64::encode(&data),
            })
            .collect(),
        more: page.more,
        used_bytes: b.used_bytes,
        quota_bytes: BOX_QUOTA_BYTES,
    }))
}

#[utoipa::path(post, path = "/v1/boxes/{box}/records", tag = "sync", params(("box" = String, Path)),
    request_body = AppendRecord, security(("box_secret" = [])),
    responses((status = 200, body = Appended), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 507, body = ErrorBody)))]
pub async fn append(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: super::Body,
) -> Result<Json<Appended>, RelayError> {
    open_box(&state, &id, &headers).await?;
    let req: AppendRecord = parse(&body.0)?;
    let data = ciphertext(&req.data)?;
    match state
        .storage
        .append_record(&id, data, BOX_QUOTA_BYTES)
        .await?
    {
        Some(seq) => Ok(Json(Appended { seq })),
        None => Err(RelayError::BoxFull {
            quota: BOX_QUOTA_BYTES,
        }),
    }
}

#[utoipa::path(put, path = "/v1/boxes/{box}/snapshot", tag = "sync", params(("box" = String, Path)),
    request_body = BoxSnapshot, security(("box_secret" = [])),
    responses((status = 204, description = "Compacted"), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, description = "upto_seq is not past the box's snapshot, or not a record it holds: read the box again", body = ErrorBody),
        (status = 507, body = ErrorBody)))]
pub async fn snapshot(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: super::Body,
) -> Result<StatusCode, RelayError> {
    open_box(&state, &id, &headers).await?;
    let req: BoxSnapshot = parse(&body.0)?;
    let data = ciphertext(&req.data)?;
    match state
        .storage
        .put_snapshot(&id, req.upto_seq, data, BOX_QUOTA_BYTES)
        .await?
    {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(SnapshotRefusal::BadSequence) => Err(RelayError::Conflict(
            "upto_seq must be a record the box holds, past its current snapshot; read the box again.",
        )),
        Err(SnapshotRefusal::Full) => Err(RelayError::BoxFull {
            quota: BOX_QUOTA_BYTES,
        }),
    }
}

#[utoipa::path(delete, path = "/v1/boxes/{box}", tag = "sync", params(("box" = String, Path)),
    security(("box_secret" = [])),
    responses((status = 204, description = "Deleted with everything in it"), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<StatusCode, RelayError> {
    open_box(&state, &id, &headers).await?;
    state.storage.delete_box(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}
