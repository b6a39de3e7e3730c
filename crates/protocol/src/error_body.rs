use serde::{Deserialize, Serialize};

/// The one shape every error takes when it crosses a boundary (IPC to the UI, HTTP from
/// the relay): a stable machine code the UI can branch on, and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(proptest_derive::Arbitrary))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable, SCREAMING_SNAKE_CASE code such as `WRONG_PASSCODE`. Never reworded.
    pub code: String,
    /// A plain sentence for the person using the app, saying what happened and what to do.
    pub message: String,
    /// Seconds before trying again makes sense, when the error is a wait (throttling).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub retry_after_secs: Option<u64>,
}

impl ErrorBody {
    /// An error body with no retry hint.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            retry_after_secs: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_code_and_message_and_omits_absent_retry() {
        let body = ErrorBody::new("WRONG_PASSCODE", "That passcode is not right.");
        let json = serde_json::to_string(&body).unwrap();
        assert_eq!(
            json,
            r#"{"code":"WRONG_PASSCODE","message":"That passcode is not right."}"#
        );
        let back: ErrorBody = serde_json::from_str(&json).unwrap();
        assert_eq!(back, body);
    }

    #[test]
    fn carries_retry_hint_when_present() {
        let body = ErrorBody {
            retry_after_secs: Some(30),
            ..ErrorBody::new("TOO_MANY_ATTEMPTS", "Wait.")
        };
        let json = serde_json::to_string(&body).unwrap();
        assert!(json.contains(r#""retry_after_secs":30"#));
    }
}
