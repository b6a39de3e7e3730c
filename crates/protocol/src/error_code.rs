//! The relay's error codes: what it sends in `ErrorBody::code` and what clients match on.

use serde::{Deserialize, Serialize};

/// Every code the relay answers with. Stable: a code is never renamed or reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ErrorCode {
    /// The body is not the JSON this endpoint takes.
    BadJson,
    /// A field is present but wrong.
    InvalidInput,
    /// Missing, malformed or wrong signature, or an unknown signer.
    Unauthorized,
    /// Signed, but not allowed (another team, not the claimer, a token the relay refuses).
    Forbidden,
    /// A nonce already used.
    Replay,
    /// No such team.
    UnknownTeam,
    /// No such request (closed, expired, never posted).
    UnknownRequest,
    /// The invite is malformed, expired, used up or revoked.
    InviteInvalid,
    /// A roster or directory not newer than the one held.
    StaleVersion,
    /// Another peer claimed first.
    AlreadyTaken,
    /// The request's anonymous token was already spent.
    TokenSpent,
    /// Too many requests.
    RateLimited,
    /// The body is over the limit.
    TooLarge,
    /// Too many live connections.
    TooManyConnections,
    /// A team with that id exists.
    Conflict,
    /// Storage is down or busy; try again.
    Unavailable,
    /// No such sync box, or not with that secret.
    UnknownBox,
    /// The sync box is at its quota: compact it (a snapshot) or it takes nothing more.
    BoxFull,
    /// Too many of this side's messages wait unread on the relay.
    ConversationFull,
    /// The path exists, but not with this method (the `Allow` header lists those it has).
    MethodNotAllowed,
    /// No such invite in the team (revoking one that is not there).
    UnknownInvite,
    /// No roster or directory has been published yet.
    NotPublished,
}

impl ErrorCode {
    /// Every code, for tests and documentation.
    pub const ALL: &[ErrorCode] = &[
        Self::BadJson,
        Self::InvalidInput,
        Self::Unauthorized,
        Self::Forbidden,
        Self::Replay,
        Self::UnknownTeam,
        Self::UnknownRequest,
        Self::InviteInvalid,
        Self::StaleVersion,
        Self::AlreadyTaken,
        Self::TokenSpent,
        Self::RateLimited,
        Self::TooLarge,
        Self::TooManyConnections,
        Self::Conflict,
        Self::Unavailable,
        Self::UnknownBox,
        Self::BoxFull,
        Self::ConversationFull,
        Self::MethodNotAllowed,
        Self::UnknownInvite,
        Self::NotPublished,
    ];

    /// The code as it appears on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadJson => "BAD_JSON",
            Self::InvalidInput => "INVALID_INPUT",
            Self::Unauthorized => "UNAUTHORIZED",
            Self::Forbidden => "FORBIDDEN",
            Self::Replay => "REPLAY",
            Self::UnknownTeam => "UNKNOWN_TEAM",
            Self::UnknownRequest => "UNKNOWN_REQUEST",
            Self::InviteInvalid => "INVITE_INVALID",
            Self::StaleVersion => "STALE_VERSION",
            Self::AlreadyTaken => "ALREADY_TAKEN",
            Self::TokenSpent => "TOKEN_SPENT",
            Self::RateLimited => "RATE_LIMITED",
            Self::TooLarge => "TOO_LARGE",
            Self::TooManyConnections => "TOO_MANY_CONNECTIONS",
            Self::Conflict => "CONFLICT",
            Self::Unavailable => "UNAVAILABLE",
            Self::UnknownBox => "UNKNOWN_BOX",
            Self::BoxFull => "BOX_FULL",
            Self::ConversationFull => "CONVERSATION_FULL",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::UnknownInvite => "UNKNOWN_INVITE",
            Self::NotPublished => "NOT_PUBLISHED",
        }
    }

    /// The HTTP status the relay answers with this code: the one table both the relay's
    /// answers and its published contract are made from.
    pub fn http_status(self) -> u16 {
        match self {
            Self::BadJson | Self::InvalidInput => 400,
            Self::Unauthorized => 401,
            Self::Forbidden | Self::InviteInvalid => 403,
            Self::UnknownTeam
            | Self::UnknownRequest
            | Self::UnknownBox
            | Self::UnknownInvite
            | Self::NotPublished => 404,
            Self::MethodNotAllowed => 405,
            Self::Replay
            | Self::StaleVersion
            | Self::AlreadyTaken
            | Self::Conflict
            | Self::TokenSpent
            | Self::ConversationFull => 409,
            Self::TooLarge => 413,
            Self::RateLimited => 429,
            Self::TooManyConnections | Self::Unavailable => 503,
            Self::BoxFull => 507,
        }
    }

    /// The codes the relay answers with `status`, in the enum's order.
    pub fn with_status(status: u16) -> Vec<Self> {
        Self::ALL
            .iter()
            .copied()
            .filter(|c| c.http_status() == status)
            .collect()
    }

    /// The code for a wire string, if it is one of the relay's.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl crate::ErrorBody {
    /// The relay's error code in this body, if it is one.
    pub fn relay_code(&self) -> Option<ErrorCode> {
        ErrorCode::parse(&self.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_match_serde_and_parse_back() {
        for c in ErrorCode::ALL {
            let json = serde_json::to_string(c).unwrap();
            assert_eq!(json, format!("\"{}\"", c.as_str()));
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
        }
        assert_eq!(ErrorCode::parse("NOT_A_CODE"), None);
    }
}
