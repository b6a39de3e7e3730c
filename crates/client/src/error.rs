//! What can go wrong speaking to a relay, in words that never name the request.

use peerline_protocol::{ErrorBody, ErrorCode};

/// Why no answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreachable {
    /// The relay did not answer in time.
    Timeout,
    /// No connection could be made.
    Connect,
    /// The relay's certificate did not verify.
    Certificate,
    /// The answer was larger than any real answer can be.
    TooLarge,
    /// The connection failed in another way.
    Other,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Timeout => "it did not answer in time",
            Self::Connect => "no connection",
            Self::Certificate => {
                "the relay's security certificate could not be verified, so nothing was sent; the network you are on may be intercepting connections"
            }
            Self::TooLarge => "the relay's answer was far too large",
            Self::Other => "the connection failed",
        })
    }
}

/// The client's one error type.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The relay address is not a URL.
    #[error("The relay address is not valid.")]
    InvalidAddress,
    /// Plain HTTP to another machine: refused before anything is sent.
    #[error("This relay address has no encryption in transit (https); Peerline will not use it.")]
    InsecureAddress,
    /// No answer (down, refused, TLS, too large).
    #[error("Could not reach the relay: {0}.")]
    Unreachable(Unreachable),
    /// The relay answered with an error.
    #[error("The relay refused ({status}): {} [{}]", body.message, body.code)]
    Refused {
        /// HTTP status.
        status: u16,
        /// Its `{code, message}`.
        body: ErrorBody,
    },
    /// The answer was not what the API promises.
    #[error("The relay's answer could not be read: {0}")]
    BadAnswer(String),
}

impl ClientError {
    /// The relay's error code, when it answered with one it defines.
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            Self::Refused { body, .. } => body.relay_code(),
            _ => None,
        }
    }

    /// Whether the relay is down or overloaded rather than refusing this request: no
    /// answer, or a server error (5xx). Retrying later may succeed.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Self::Unreachable(_) | Self::BadAnswer(_) => true,
            Self::Refused { status, .. } => *status >= 500,
            Self::InvalidAddress | Self::InsecureAddress => false,
        }
    }

    pub(crate) fn from_reqwest(e: &reqwest::Error) -> Self {
        Self::Unreachable(if is_certificate_error(e) {
            Unreachable::Certificate
        } else if e.is_timeout() {
            Unreachable::Timeout
        } else if e.is_connect() {
            Unreachable::Connect
        } else {
            Unreachable::Other
        })
    }
}

/// rustls and webpki say "certificate" (UnknownIssuer, NotValidForName, Expired, …)
/// somewhere in the chain of causes; reqwest and tungstenite only say the request failed.
pub(crate) fn is_certificate_error(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        let text = c.to_string().to_ascii_lowercase();
        if text.contains("certificate") || text.contains("unknownissuer") {
            return true;
        }
        cause = c.source();
    }
    false
}
