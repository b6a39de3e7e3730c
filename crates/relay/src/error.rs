//! The relay's one error type: a stable code, an HTTP status and a sentence. Messages never
//! echo request bodies, keys or addresses.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use peerline_protocol::{ErrorBody, ErrorCode};

/// Everything the relay can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The body is not the JSON this endpoint takes.
    #[error("The request body is not valid: {0}")]
    BadJson(String),
    /// A field is present but wrong.
    #[error("{0}")]
    InvalidInput(String),
    /// Missing, malformed or wrong signature, or an unknown signer.
    #[error("This request is not signed by a key the relay knows: {0}")]
    Unauthorized(&'static str),
    /// Signed, but not allowed to do this (another team, not the claimer).
    #[error("{0}")]
    Forbidden(&'static str),
    /// Nonce already used.
    #[error("This request was already received once; a replay changes nothing.")]
    Replay,
    /// No such team.
    #[error("There is no such team on this relay.")]
    UnknownTeam,
    /// No such request (closed, expired, or never posted).
    #[error("That request is closed or has expired.")]
    UnknownRequest,
    /// Invite problems.
    #[error("{0}")]
    Invite(&'static str),
    /// A roster or directory older than (or as old as) the one held.
    #[error("The relay already has version {current}; publish a higher version.")]
    StaleVersion {
        /// What the relay holds.
        current: u64,
    },
    /// The token was already used.
    #[error("This request's token was already used; the app will use a new one.")]
    TokenSpent,
    /// Another peer claimed first.
    #[error("Another peer has already taken this request.")]
    AlreadyTaken,
    /// The body is over the limit.
    #[error("The request body is too large.")]
    TooLarge,
    /// Too many WebSocket connections.
    #[error("The relay has too many live connections right now; try again shortly.")]
    TooManyConnections,
    /// Too many requests.
    #[error("Too many requests; slow down and try again shortly.")]
    RateLimited,
    /// The state does not allow it (an id already taken, a key rotated, a snapshot out of
    /// place), with what to do.
    #[error("{0}")]
    Conflict(&'static str),
    /// Storage failed.
    #[error("The relay is temporarily unavailable ({0}). Try again shortly.")]
    Unavailable(String),
    /// No such sync box, or the wrong secret (the same answer: the secret is the only way
    /// to learn a box exists).
    #[error("There is no such sync box.")]
    UnknownBox,
    /// The box is at its quota.
    #[error(
        "The sync box is full ({quota} bytes); the app compacts it into a snapshot, or sync stops until it does."
    )]
    BoxFull {
        /// The box's quota, bytes.
        quota: u64,
    },
    /// Too many of this side's messages wait unread.
    #[error(
        "{0} of your messages are still waiting to be read; wait for the other side to read them before sending more."
    )]
    ConversationFull(u64),
    /// The path has no such method.
    #[error("That method is not allowed on this endpoint; the Allow header lists those it has.")]
    MethodNotAllowed,
    /// Revoking an invite the team does not have.
    #[error("There is no such invite in this team.")]
    UnknownInvite,
    /// No roster or directory (named) has been published yet.
    #[error("No {0} has been published yet.")]
    NotPublished(&'static str),
}

impl RelayError {
    /// Stable code, as clients match it.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadJson(_) => ErrorCode::BadJson,
            Self::InvalidInput(_) => ErrorCode::InvalidInput,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::Replay => ErrorCode::Replay,
            Self::UnknownTeam => ErrorCode::UnknownTeam,
            Self::UnknownRequest => ErrorCode::UnknownRequest,
            Self::Invite(_) => ErrorCode::InviteInvalid,
            Self::StaleVersion { .. } => ErrorCode::StaleVersion,
            Self::AlreadyTaken => ErrorCode::AlreadyTaken,
            Self::TokenSpent => ErrorCode::TokenSpent,
            Self::RateLimited => ErrorCode::RateLimited,
            Self::TooLarge => ErrorCode::TooLarge,
            Self::TooManyConnections => ErrorCode::TooManyConnections,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::UnknownBox => ErrorCode::UnknownBox,
            Self::BoxFull { .. } => ErrorCode::BoxFull,
            Self::ConversationFull(_) => ErrorCode::ConversationFull,
            Self::MethodNotAllowed => ErrorCode::MethodNotAllowed,
            Self::UnknownInvite => ErrorCode::UnknownInvite,
            Self::NotPublished(_) => ErrorCode::NotPublished,
        }
    }

    /// HTTP status: the code's, from the one table in protocol.
    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::BAD_REQUEST)
    }

    pub(crate) fn storage(e: rusqlite::Error) -> Self {
        tracing::error!(error = %e, "storage error");
        Self::Unavailable("storage error".into())
    }

    #[cfg(feature = "postgres")]
    pub(crate) fn database(e: sqlx_core::Error) -> Self {
        use sqlx_core::Error as E;
        // SQLSTATE class 08 (connection exception) and 57P0x (the server shutting down or
        // restarting) mean the database went away; 40001/40P01 (serialization failure,
        // deadlock between nodes) mean "try again". Neither is a wrong query.
        let code = match &e {
            E::Database(db) => db.code().map(|c| c.into_owned()),
            _ => None,
        };
        let went_away = code
            .as_deref()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P0"));
        let contended = code
            .as_deref()
            .is_some_and(|c| c == "40001" || c == "40P01");
        match e {
            // The database is down, restarting, or every connection is busy: say so, so
            // phones keep the request and retry rather than give up.
            _ if went_away => {
                tracing::warn!(error = %e, "database unreachable");
                Self::Unavailable("database unreachable".into())
            }
            _ if contended => {
                tracing::warn!(error = %e, "database busy");
                Self::Unavailable("database busy".into())
            }
            E::PoolTimedOut | E::Io(_) | E::PoolClosed | E::Tls(_) => {
                tracing::warn!(error = %e, "database unreachable");
                Self::Unavailable("database unreachable".into())
            }
            other => {
                tracing::error!(error = %other, "storage error");
                Self::Unavailable("storage error".into())
            }
        }
    }
}

impl IntoResponse for RelayError {
    fn into_response(self) -> Response {
        let body = ErrorBody::new(self.code().as_str(), self.to_string());
        (self.status(), Json(body)).into_response()
    }
}
