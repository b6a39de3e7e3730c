//! The conversation after a claim, and the hand-off. The relay stores each message (opaque
//! ciphertext) only until the other side has read it; the officer speaks with the request's
//! status secret, the peer who took it with their device's signature. Every change is one
//! content-free `conversation` event.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Method, Uri};
use peerline_protocol::ErrorBody;
use peerline_protocol::b64;
use peerline_protocol::invite::is_id;
use peerline_protocol::relay::{
    Author, Event, HandOff, MAX_MESSAGE_BYTES, MAX_UNREAD_MESSAGES, MESSAGE_PAGE, MarkRead,
    MessageAccepted, MessagePage, PostMessage, RelayMessage,
};
use serde::Deserialize;

use super::requests::{by_secret, team_device, valid_recipients};
use super::{Body, parse};
use crate::error::RelayError;
use crate::state::AppState;
use crate::storage::{MessageOutcome, StoredRequest};

/// Who is speaking: the officer (status secret) or the peer who took the request (its
/// device's signature). Anyone else learns nothing, not even that the request exists.
async fn side(
    state: &AppState,
    id: &str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<(StoredRequest, Author), RelayError> {
    if let Some(r) = by_secret(state, id, headers).await? {
        return Ok((r, Author::Officer));
    }
    let device = team_device(state, method, uri, headers, body).await?;
    let r = state
        .storage
        .request(id)
        .await?
        .filter(|r| r.team_id == device.team_id)
        .ok_or(RelayError::UnknownRequest)?;
    if r.claimed_by_device.as_deref() != Some(device.device_id.as_str()) {
        return Err(RelayError::Forbidden(
            "Only the officer and the peer who took this request can use its conversation.",
        ));
    }
    Ok((r, Author::Peer))
}

#[utoipa::path(post, path = "/v1/requests/{id}/messages", tag = "conversation", params(("id" = String, Path)),
    request_body = PostMessage, security(("status_secret" = []), ("signed" = [])),
    responses((status = 200, body = MessageAccepted), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn post(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Json<MessageAccepted>, RelayError> {
    let (r, author) = side(&state, &id, &method, &uri, &headers, &body).await?;
    let msg: PostMessage = parse(&body)?;
    if !is_id(&msg.message_id) {
        return Err(RelayError::InvalidInput(
            "message_id must be 32 hex digits.".into(),
        ));
    }
    let ciphertext = super::ciphertext(&msg.ciphertext)?;
    if ciphertext.len() > MAX_MESSAGE_BYTES {
        return Err(RelayError::TooLarge);
    }
    match state
        .storage
        .post_message(
            &id,
            author,
            &msg.message_id,
            ciphertext,
            MAX_UNREAD_MESSAGES,
        )
        .await?
    {
        MessageOutcome::Stored(seq) => {
            state.announce(
                &r.team_id,
                Event::Conversation {
                    request_id: id.clone(),
                    to: author.other(),
                },
            );
            Ok(Json(MessageAccepted {
                seq,
                duplicate: false,
            }))
        }
        MessageOutcome::Duplicate(seq) => Ok(Json(MessageAccepted {
            seq,
            duplicate: true,
        })),
        MessageOutcome::Full => Err(RelayError::ConversationFull(MAX_UNREAD_MESSAGES)),
        MessageOutcome::Gone if r.claimed_by_key.is_none() => Err(RelayError::Forbidden(
            "The conversation starts when a peer takes the request.",
        )),
        MessageOutcome::Gone => Err(RelayError::UnknownRequest),
    }
}

/// `?after=N`: messages after sequence N (0 for all that wait).
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct After {
    /// Return what follows this sequence number.
    #[serde(default)]
    pub after: u64,
}

#[utoipa::path(get, path = "/v1/requests/{id}/messages", tag = "conversation",
    params(("id" = String, Path), After), security(("status_secret" = []), ("signed" = [])),
    responses((status = 200, body = MessagePage), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(after): Query<After>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<MessagePage>, RelayError> {
    let (r, reader) = side(&state, &id, &method, &uri, &headers, b"").await?;
    let batch = state
        .storage
        .messages(&id, reader, after.after, MESSAGE_PAGE)
        .await?
        .ok_or(RelayError::UnknownRequest)?;
    if batch.marked {
        // The writer's "delivered".
        state.announce(
            &r.team_id,
            Event::Conversation {
                request_id: id.clone(),
                to: reader.other(),
            },
        );
    }
    Ok(Json(MessagePage {
        messages: batch
            .messages
            .into_iter()
            .map(|(seq, ct)| RelayMessage {
                seq,
                ciphertext: b64::encode(&ct),
            })
            .collect(),
        more: batch.more,
        delivered_upto: batch.delivered_upto,
        read_upto: batch.read_upto,
    }))
}

#[utoipa::path(post, path = "/v1/requests/{id}/messages/read", tag = "conversation", params(("id" = String, Path)),
    request_body = MarkRead, security(("status_secret" = []), ("signed" = [])),
    responses((status = 200, description = "The messages up to there are deleted"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    Path(id): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Json<serde_json::Value>, RelayError> {
    let (r, reader) = side(&state, &id, &method, &uri, &headers, &body).await?;
    let mark: MarkRead = parse(&body)?;
    if state.storage.mark_read(&id, reader, mark.upto).await? {
        // The writer's "read".
        state.announce(
            &r.team_id,
            Event::Conversation {
                request_id: id.clone(),
                to: reader.other(),
            },
        );
    }
    Ok(Json(serde_json::json!({ "read": mark.upto })))
}

#[utoipa::path(post, path = "/v1/requests/{id}/handoff", tag = "conversation", params(("id" = String, Path)),
    request_body = HandOff, security(("status_secret" = [])),
    responses((status = 200, description = "Open again, for the peers named"), (status = 400, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn hand_off(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Body(body): Body,
) -> Result<Json<serde_json::Value>, RelayError> {
    // The officer's consent is the officer's own call: only the status secret does this.
    let r = by_secret(&state, &id, &headers)
        .await?
        .ok_or(RelayError::Unauthorized(
            "the request's status secret is missing",
        ))?;
    let req: HandOff = parse(&body)?;
    valid_recipients(&state, &req.recipient_key_ids)?;
    let ciphertext = super::ciphertext(&req.ciphertext)?;
    if !state
        .storage
        .hand_off(&id, req.recipient_key_ids, ciphertext)
        .await?
    {
        return Err(RelayError::Conflict(
            "Only a request a peer has taken can be handed on.",
        ));
    }
    state.announce(
        &r.team_id,
        Event::HandedOff {
            request_id: id.clone(),
        },
    );
    Ok(Json(serde_json::json!({ "handed_off": id })))
}
