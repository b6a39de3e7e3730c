//! Every wire type survives encode → decode unchanged (proptest over generated values), and
//! so do the invite link, the signer header and base64. A type that gained a field the
//! other side would drop, or a rename on one side only, fails here.

use proptest::prelude::*;

use crate::auth::Signer;
use crate::documents::*;
use crate::invite::Invite;
use crate::relay::*;
use crate::{ErrorBody, b64};

fn json_round_trip<T>(value: &T) -> Result<(), TestCaseError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back: T =
        serde_json::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}: {text}")))?;
    prop_assert_eq!(&back, value);
    Ok(())
}

macro_rules! round_trips {
    ($($name:ident: $ty:ty),* $(,)?) => {
        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]
            $(
                #[test]
                fn $name(v in any::<$ty>()) {
                    json_round_trip(&v)?;
                }
            )*
        }
    };
}

round_trips! {
    create_team: CreateTeam,
    team_created: TeamCreated,
    team_status: TeamStatus,
    issue_invite: IssueInvite,
    invite_info: InviteInfo,
    register_device: RegisterDevice,
    device_registered: DeviceRegistered,
    blob_kind: BlobKind,
    signed_blob: SignedBlob,
    urgency: Urgency,
    post_request: PostRequest,
    token_key: TokenKey,
    issue_tokens: IssueTokens,
    tokens_issued: TokensIssued,
    token: Token,
    post_accepted: PostAccepted,
    request_state: RequestState,
    open_request: OpenRequest,
    claim_request: ClaimRequest,
    post_reply: PostReply,
    widen_request: WidenRequest,
    request_status: RequestStatus,
    event: Event,
    author: Author,
    post_message: PostMessage,
    message_accepted: MessageAccepted,
    relay_message: RelayMessage,
    message_page: MessagePage,
    mark_read: MarkRead,
    hand_off: HandOff,
    set_duty: SetDuty,
    on_duty: OnDuty,
    health: Health,
    roster: Roster,
    roster_peer: RosterPeer,
    entry_kind: EntryKind,
    directory: Directory,
    directory_entry: DirectoryEntry,
    error_body: ErrorBody,
}

/// Invites as a coordinator's tool makes them: any relay, id, key and code that `parse`
/// accepts.
fn invite() -> impl Strategy<Value = Invite> {
    (
        prop_oneof![Just("https"), Just("http")],
        "[a-z][a-z0-9-]{0,20}(\\.[a-z]{2,6}){0,2}",
        proptest::option::of(1u16..),
        "[0-9a-f]{32}",
        any::<[u8; 32]>(),
        "[A-Za-z0-9]{16,128}",
    )
        .prop_map(|(scheme, host, port, team_id, key, code)| Invite {
            relay_url: match port {
                Some(p) => format!("{scheme}://{host}:{p}"),
                None => format!("{scheme}://{host}"),
            },
            team_id,
            team_public_key: key,
            code,
        })
}

proptest! {
    #[test]
    fn invite_link_round_trips(inv in invite()) {
        let link = inv.to_link();
        let back = Invite::parse(&link).map_err(|e| TestCaseError::fail(format!("{e}: {link}")))?;
        // The URL parser writes default ports away (https :443, http :80).
        let normal = url::Url::parse(&inv.relay_url).map(|u| u.to_string()).unwrap_or_default();
        prop_assert_eq!(back.relay_url, normal.trim_end_matches('/'));
        prop_assert_eq!(back.team_id, inv.team_id);
        prop_assert_eq!(back.team_public_key, inv.team_public_key);
        prop_assert_eq!(back.code, inv.code);
    }

    #[test]
    fn signer_header_round_trips(id in "[A-Za-z0-9-]{1,64}", team in any::<bool>()) {
        let s = if team { Signer::Team(id) } else { Signer::Device(id) };
        prop_assert_eq!(Signer::parse(&s.header_value()), Some(s));
    }

    #[test]
    fn base64_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        prop_assert_eq!(b64::decode(&b64::encode(&bytes)), Some(bytes));
    }

    /// Whatever arrives, decoding answers (Ok or Err) and never panics.
    #[test]
    fn decoders_take_any_text(text in any::<String>()) {
        let _ = Invite::parse(&text);
        let _ = Signer::parse(&text);
        let _ = b64::decode(&text);
        let _ = serde_json::from_str::<PostRequest>(&text);
        let _ = serde_json::from_str::<Event>(&text);
        let _ = serde_json::from_str::<Directory>(&text).map(|d| d.validate());
        let _ = serde_json::from_str::<Roster>(&text).map(|r| r.validate());
    }
}
