//! The API description, generated from the handlers and wire types (served at
//! `/v1/openapi.json`).

use peerline_protocol::figures::{DutyWeek, FigurePeriod, RequestFigures, TeamFigures};
use peerline_protocol::relay::*;
use peerline_protocol::{ErrorBody, ErrorCode};
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};

use super::{blobs, devices, duty, events, messages, push, requests, sync, teams, tokens};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Peerline relay",
        description = "A blind relay: it stores and forwards ciphertext and routing metadata only. \
            Signed requests carry x-peerline-signer, x-peerline-timestamp, x-peerline-nonce and \
            x-peerline-signature (ed25519 over method, path, time, nonce, signer and the body's SHA-256)."
    ),
    paths(
        super::health,
        teams::create, teams::status, teams::figures, teams::issue_invite, teams::list_invites, teams::revoke_invite,
        devices::register,
        duty::set, duty::list, tokens::keys, tokens::issue,
        blobs::publish, blobs::fetch,
        requests::post, requests::list, requests::claim, requests::reply, requests::status, requests::close, requests::widen,
        messages::post, messages::list, messages::read, messages::hand_off,
        events::team_events, events::request_events,
        push::key, push::set_peer, push::delete_peer, push::set_officer, push::delete_officer,
        sync::create, sync::read, sync::append, sync::snapshot, sync::delete,
    ),
    components(schemas(
        ErrorBody, Health, CreateTeam, TeamCreated, TeamStatus, IssueInvite, InviteInfo,
        RegisterDevice, DeviceRegistered, BlobKind, SignedBlob, Urgency, PostRequest, PostAccepted,
        RequestState, OpenRequest, ClaimRequest, PostReply, RequestStatus, Event, SetDuty, OnDuty, WidenRequest, TokenKey, IssueTokens, TokensIssued, Token,
        PushSubscription, PeerPush, PushKey,
        CreateBox, BoxRecord, AppendRecord, Appended, BoxSnapshot, BoxContents, RosterKeyId,
        TeamFigures, FigurePeriod, RequestFigures, DutyWeek,
        Author, PostMessage, MessageAccepted, RelayMessage, MessagePage, MarkRead, HandOff,
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// How a client signs, in words, for the `signed` scheme: the same scheme
/// `peerline_protocol::auth` implements.
fn signing_prose() -> String {
    use peerline_protocol::auth::{
        HEADER_NONCE, HEADER_SIGNATURE, HEADER_SIGNER, HEADER_TIMESTAMP, MAX_SKEW_SECS,
    };
    format!(
        "Every signed request carries four headers. `{HEADER_SIGNER}`: `device:<device_id>` (a \
         device registered with an invite) or `team:<team_id>` (the team's coordinator key). \
         `{HEADER_TIMESTAMP}`: Unix seconds; refused when more than {MAX_SKEW_SECS} s from the \
         relay's clock. `{HEADER_NONCE}`: a fresh random value (hex, 16 to 64 characters), \
         never used before by that signer; a repeat is refused as REPLAY. `{HEADER_SIGNATURE}`: \
         base64 of the ed25519 signature over these bytes, joined by newlines (0x0A): \
         `peerline-request-v1`, the method in capitals, the path with its query string, the \
         timestamp, the nonce, the signer header's value, then the 32 raw bytes of SHA-256 of \
         the request body (of nothing, for a request without one). A missing or bad signature \
         is 401 UNAUTHORIZED; a good signature by someone not allowed here is 403 FORBIDDEN."
    )
}

/// The document as published: what the handlers declare, plus what every route shares
/// (the answers of the middleware, the secrets' 404, the signature's 401), each error
/// status with the error body and the codes it carries, listed from `ErrorCode`.
pub fn document() -> serde_json::Value {
    use serde_json::{Value, json};
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or(Value::Null);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return doc;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let schemes: Vec<String> = op
                .get("security")
                .and_then(Value::as_array)
                .map(|reqs| {
                    reqs.iter()
                        .filter_map(Value::as_object)
                        .flat_map(|r| r.keys().cloned())
                        .collect()
                })
                .unwrap_or_default();
            let has_body = op.get("requestBody").is_some();
            let websocket = op.get("responses").and_then(|r| r.get("101")).is_some();
            let mut statuses: Vec<u16> = vec![429, 503];
            if path.contains('{') || has_body || websocket {
                // A malformed id in the path, a body that is not the type, no upgrade.
                statuses.push(400);
            }
            if has_body {
                statuses.push(413);
            }
            if !schemes.is_empty() {
                // A missing or bad signature, token or secret header.
                statuses.push(401);
            }
            if schemes.iter().any(|s| s == "signed") {
                // Signed by someone not allowed here; a nonce used before (REPLAY).
                statuses.extend([403, 409]);
            }
            if path.contains("{team}")
                || path.contains("{id}")
                || path.contains("{box}")
                || schemes
                    .iter()
                    .any(|s| s == "status_secret" || s == "box_secret")
            {
                // No such team, request or box (a wrong secret looks the same).
                statuses.push(404);
            }
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for status in statuses {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| json!({ "description": "" }));
            }
            for (status, response) in responses.iter_mut() {
                let Ok(status) = status.parse::<u16>() else {
                    continue;
                };
                if status < 400 {
                    continue;
                }
                let codes: Vec<&str> = ErrorCode::with_status(status)
                    .into_iter()
                    .map(ErrorCode::as_str)
                    .collect();
                let said = response
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .trim_end_matches('.')
                    .to_owned();
                let list = format!("Codes: {}.", codes.join(", "));
                let description = if said.is_empty() {
                    list
                } else {
                    format!("{said}. {list}")
                };
                *response = json!({
                    "description": description,
                    "content": { "application/json": { "schema": {
                        "allOf": [ { "$ref": "#/components/schemas/ErrorBody" } ],
                        "properties": { "code": { "type": "string", "enum": codes } }
                    } } }
                });
            }
        }
    }
    if let Some(signed) = doc.pointer_mut("/components/securitySchemes/signed") {
        signed["description"] = Value::String(signing_prose());
    }
    doc
}

struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, api: &mut utoipa::openapi::OpenApi) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "signed",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-peerline-signature"))),
        );
        components.add_security_scheme(
            "status_secret",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(HEADER_STATUS_SECRET))),
        );
        components.add_security_scheme(
            "box_secret",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(HEADER_BOX_SECRET))),
        );
        components.add_security_scheme(
            "admin_token",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `docs/openapi.json` is the relay's published contract, for client authors who do not
    /// run a relay. It is generated from the handlers and wire types; this fails when it is
    /// stale, and rewrites it with `PEERLINE_WRITE_OPENAPI=1`.
    #[test]
    fn the_published_document_is_fresh() {
        let doc = serde_json::to_string_pretty(&document()).unwrap() + "\n";
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
        if std::env::var_os("PEERLINE_WRITE_OPENAPI").is_some() {
            std::fs::write(path, &doc).unwrap();
        }
        let held = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            held == doc,
            "docs/openapi.json is stale: run PEERLINE_WRITE_OPENAPI=1 cargo test -p peerline-relay --lib openapi"
        );
    }
}
