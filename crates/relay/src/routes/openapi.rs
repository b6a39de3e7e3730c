//! The API description, generated from the handlers and wire types (served at
//! `/v1/openapi.json`).

use peerline_protocol::ErrorBody;
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
        teams::create, teams::status, teams::issue_invite, teams::list_invites, teams::revoke_invite,
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
