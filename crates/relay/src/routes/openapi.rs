//! The API description, generated from the handlers and wire types (served at
//! `/v1/openapi.json`).

use peerline_protocol::ErrorBody;
use peerline_protocol::figures::{DutyWeek, FigurePeriod, RequestFigures, TeamFigures};
use peerline_protocol::relay::*;
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
        CreateBox, BoxRecord, AppendRecord, Appended, BoxSnapshot, BoxContents,
        TeamFigures, FigurePeriod, RequestFigures, DutyWeek,
        Author, PostMessage, MessageAccepted, RelayMessage, MessagePage, MarkRead, HandOff,
    )),
    modifiers(&Security)
)]
pub struct ApiDoc;

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
        let doc = ApiDoc::openapi().to_pretty_json().unwrap() + "\n";
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
