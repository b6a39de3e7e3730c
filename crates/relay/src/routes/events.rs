//! WebSockets carrying content-free events. Peers' devices get every event of their team;
//! an officer's connection, opened with one request's status secret, gets only that
//! request's events and learns nothing about any other.

use peerline_protocol::ErrorBody;
use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::relay::{Event, HEADER_STATUS_SECRET};
use tokio::sync::{OwnedSemaphorePermit, broadcast};

use crate::auth::{Caller, authenticate};
use crate::error::RelayError;
use crate::state::AppState;

/// A small read buffer: clients only ever send pings, and the default (128 KiB) would
/// cost over a gigabyte at 10,000 idle peers.
const READ_BUFFER: usize = 4096;
const PING_EVERY: Duration = Duration::from_secs(30);

fn permit(state: &AppState) -> Result<OwnedSemaphorePermit, RelayError> {
    state
        .websockets
        .clone()
        .try_acquire_owned()
        .map_err(|_| RelayError::TooManyConnections)
}

#[utoipa::path(get, path = "/v1/teams/{team}/events", tag = "events", params(("team" = String, Path)),
    security(("signed" = [])),
    responses((status = 101, description = "WebSocket of content-free `Event`s for the team", body = Event), (status = 403, body = ErrorBody)))]
pub async fn team_events(
    State(state): State<AppState>,
    Path(team): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, RelayError> {
    let ws = ws.map_err(not_a_websocket)?;
    match authenticate(&state, &method, &uri, &headers, b"").await? {
        Caller::Device(d) if d.team_id == team => {}
        _ => {
            return Err(RelayError::Forbidden(
                "Only members of this team may listen to it.",
            ));
        }
    }
    let permit = permit(&state)?;
    let rx = state.hub.subscribe(&team);
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| pump(socket, rx, None, permit)))
}

#[utoipa::path(get, path = "/v1/requests/{id}/events", tag = "events", params(("id" = String, Path)),
    security(("status_secret" = [])),
    responses((status = 101, description = "WebSocket of this request's `Event`s only", body = Event), (status = 404, body = ErrorBody)))]
pub async fn request_events(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, RelayError> {
    let ws = ws.map_err(not_a_websocket)?;
    let secret = headers
        .get(HEADER_STATUS_SECRET)
        .and_then(|v| v.to_str().ok())
        .ok_or(RelayError::Unauthorized(
            "the request's status secret is missing",
        ))?;
    let r = state
        .storage
        .request(&id)
        .await?
        .ok_or(RelayError::UnknownRequest)?;
    if secret_hash_hex(secret) != r.status_hash {
        return Err(RelayError::UnknownRequest);
    }
    let permit = permit(&state)?;
    let rx = state.hub.subscribe(&r.team_id);
    Ok(ws
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| pump(socket, rx, Some(id), permit)))
}

async fn pump(
    mut socket: WebSocket,
    mut rx: broadcast::Receiver<Event>,
    only: Option<String>,
    _permit: OwnedSemaphorePermit,
) {
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            event = rx.recv() => match event {
                Ok(event) => {
                    if only.as_deref().is_some_and(|id| id != event.request_id()) {
                        continue;
                    }
                    let last = only.is_some() && matches!(event, Event::Closed { .. });
                    let Ok(text) = serde_json::to_string(&event) else { continue };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                    if last {
                        let _ = socket.send(Message::Close(None)).await;
                        return;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    // The client re-lists open requests on reconnect; close so it does.
                    tracing::warn!(missed = n, "slow event subscriber; closing so it resyncs");
                    let _ = socket.send(Message::Close(None)).await;
                    return;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Vec::new().into())).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// A plain GET on an events endpoint gets a JSON error like every other answer, not
/// axum's plain-text rejection.
fn not_a_websocket(_: WebSocketUpgradeRejection) -> RelayError {
    RelayError::InvalidInput("This endpoint takes a WebSocket connection.".into())
}
