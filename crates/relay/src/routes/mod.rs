//! The `/v1` HTTP and WebSocket API.

mod blobs;
mod devices;
mod duty;
mod events;
mod messages;
pub mod openapi;
mod push;
mod requests;
mod signed;
mod sync;
mod teams;
mod tokens;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::routing::{delete, get, post, put};
use peerline_protocol::ErrorBody;
use peerline_protocol::endpoints as ep;
use peerline_protocol::relay::Health;
use serde::de::DeserializeOwned;

use crate::error::RelayError;
use crate::state::AppState;

/// All routes.
pub fn router(state: AppState) -> Router {
    let max_body = state.limits.max_body_bytes;
    Router::new()
        .route(ep::HEALTH, get(health))
        .route(ep::OPENAPI, get(openapi_json))
        .route(ep::TEAMS, post(teams::create))
        .route(ep::TEAM, get(teams::status))
        .route(ep::TEAM_FIGURES, get(teams::figures))
        .route(
            ep::TEAM_INVITES,
            post(teams::issue_invite).get(teams::list_invites),
        )
        .route(ep::TEAM_INVITE, delete(teams::revoke_invite))
        .route(ep::DEVICES, post(devices::register))
        .route(ep::TEAM_DUTY, get(duty::list).put(duty::set))
        .route(ep::TEAM_TOKEN_KEYS, get(tokens::keys))
        .route(ep::TEAM_TOKENS, post(tokens::issue))
        .route(
            ep::TEAM_BLOB,
            // A directory can be several MiB: its own, larger body limit.
            get(blobs::fetch)
                .put(blobs::publish)
                .layer(axum::extract::DefaultBodyLimit::max(
                    blobs::MAX_DOCUMENT_BODY,
                )),
        )
        .route(ep::TEAM_REQUESTS, post(requests::post).get(requests::list))
        .route(ep::TEAM_EVENTS, get(events::team_events))
        .route(ep::REQUEST, get(requests::status).delete(requests::close))
        .route(ep::REQUEST_CLAIM, post(requests::claim))
        .route(ep::REQUEST_REPLY, post(requests::reply))
        .route(ep::REQUEST_WIDEN, post(requests::widen))
        .route(
            ep::REQUEST_MESSAGES,
            post(messages::post).get(messages::list),
        )
        .route(ep::REQUEST_MESSAGES_READ, post(messages::read))
        .route(ep::REQUEST_HANDOFF, post(messages::hand_off))
        .route(ep::REQUEST_EVENTS, get(events::request_events))
        .route(ep::PUSH_KEY, get(push::key))
        .route(ep::TEAM_PUSH, put(push::set_peer).delete(push::delete_peer))
        .route(
            ep::REQUEST_PUSH,
            put(push::set_officer).delete(push::delete_officer),
        )
        .route(
            ep::SYNC_BOX,
            put(sync::create).get(sync::read).delete(sync::delete),
        )
        .route(ep::SYNC_BOX_RECORDS, post(sync::append))
        .route(
            ep::SYNC_BOX_SNAPSHOT,
            // A snapshot is the whole vault, encrypted: its own, larger body limit.
            put(sync::snapshot).layer(axum::extract::DefaultBodyLimit::max(
                sync::MAX_SNAPSHOT_BODY,
            )),
        )
        .fallback(|| async { RelayError::InvalidInput("No such endpoint.".into()) })
        // Every answer is JSON with a code, including a wrong method on a real path.
        .method_not_allowed_fallback(|| async {
            // 405, as HTTP says; axum adds the `Allow` header with the path's methods.
            RelayError::MethodNotAllowed
        })
        .layer(axum::extract::DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limit_by_ip,
        ))
        .with_state(state)
}

/// Refuses a source address over its budget before any work is done. The address is only
/// a key in the in-memory bucket map; it is never logged or stored.
async fn limit_by_ip(
    axum::extract::State(state): axum::extract::State<AppState>,
    axum::extract::ConnectInfo(peer): axum::extract::ConnectInfo<std::net::SocketAddr>,
    req: Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    if state.limiters.ip.check_key(&peer.ip()).is_err() {
        return RelayError::RateLimited.into_response();
    }
    next.run(req).await
}

#[utoipa::path(get, path = "/v1/health", tag = "relay",
    responses((status = 200, body = Health), (status = 503, body = ErrorBody)))]
async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<axum::Json<Health>, RelayError> {
    state.storage.ping().await?;
    Ok(axum::Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(openapi::document())
}

/// Checks that `proof` is a signature over `message` by the roster key of `key_id` in the
/// team's published roster (which the relay verified against the team key on upload).
pub(crate) async fn check_peer_proof(
    state: &AppState,
    team_id: &str,
    key_id: &str,
    message: &[u8],
    proof: &str,
) -> Result<(), RelayError> {
    use peerline_protocol::b64;
    use peerline_protocol::documents::Roster;
    use peerline_protocol::relay::BlobKind;
    let refuse = RelayError::Forbidden(
        "Only a peer listed in the team's roster can do this, with their own key.",
    );
    let blob =
        state
            .storage
            .blob(team_id, BlobKind::Roster)
            .await?
            .ok_or(RelayError::Forbidden(
                "The team has no roster yet; the coordinator must publish one first.",
            ))?;
    let roster: Roster = b64::decode(&blob.payload)
        .and_then(|p| serde_json::from_slice(&p).ok())
        .ok_or(RelayError::Forbidden(
            "The team's roster could not be read.",
        ))?;
    let peer = roster
        .peers
        .iter()
        .find(|p| p.key_id == key_id)
        .ok_or(refuse)?;
    let key: [u8; 32] = b64::decode(&peer.signing_key)
        .and_then(|k| k.try_into().ok())
        .ok_or(RelayError::Forbidden("This peer's roster key is damaged."))?;
    let sig = b64::decode(proof)
        .and_then(|s| ed25519_dalek::Signature::from_slice(&s).ok())
        .ok_or(RelayError::Forbidden("The peer's proof is malformed."))?;
    ed25519_dalek::VerifyingKey::from_bytes(&key)
        .and_then(|k| k.verify_strict(message, &sig))
        .map_err(|_| {
            RelayError::Forbidden(
                "Only a peer listed in the team's roster can do this, with their own key.",
            )
        })
}

/// The raw body, with size and read failures turned into JSON errors.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = RelayError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Bytes::from_request(req, state)
            .await
            .map(Body)
            .map_err(|e| {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    RelayError::TooLarge
                } else {
                    RelayError::BadJson("the body could not be read".into())
                }
            })
    }
}

/// A body's `ciphertext` field: base64, and not empty.
pub(crate) fn ciphertext(b64_text: &str) -> Result<Vec<u8>, RelayError> {
    peerline_protocol::b64::decode(b64_text)
        .filter(|c| !c.is_empty())
        .ok_or_else(|| RelayError::InvalidInput("ciphertext is not base64.".into()))
}

/// Parses JSON with a clear error that names the problem but never echoes the body.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, RelayError> {
    serde_json::from_slice(body).map_err(|e| {
        let what = match e.classify() {
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof => {
                "it is not well-formed JSON".to_owned()
            }
            _ => {
                // Field names help; field values could be anything, so they are not echoed.
                let msg = e.to_string();
                if msg.starts_with("missing field") || msg.starts_with("unknown field") {
                    msg.split(", expected").next().unwrap_or("").to_owned()
                } else {
                    format!(
                        "a field has the wrong type or value (line {}, column {})",
                        e.line(),
                        e.column()
                    )
                }
            }
        };
        RelayError::BadJson(what)
    })
}
