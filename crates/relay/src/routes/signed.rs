//! The `Signed` extractor: reads the body (within the size limit) and verifies the request's
//! signature before the handler runs, so each handler states only what it needs — a member
//! device, or the team's coordinator.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};

use super::Body;
use crate::auth::{Caller, authenticate};
use crate::error::RelayError;
use crate::state::AppState;
use crate::storage::{Device, Team};

/// A verified request: who signed it, and its body.
pub struct Signed {
    /// The verified signer.
    pub caller: Caller,
    /// The raw body (what was signed).
    pub body: Bytes,
}

impl FromRequest<AppState> for Signed {
    type Rejection = RelayError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let (method, uri, headers) = (
            parts.method.clone(),
            parts.uri.clone(),
            parts.headers.clone(),
        );
        let Body(body) = Body::from_request(Request::from_parts(parts, body), state).await?;
        let caller = authenticate(state, &method, &uri, &headers, &body).await?;
        Ok(Self { caller, body })
    }
}

impl Signed {
    /// The signing device, whatever its team.
    pub fn device(&self) -> Result<&Device, RelayError> {
        match &self.caller {
            Caller::Device(d) => Ok(d),
            Caller::Team(_) => Err(RelayError::Forbidden(
                "This is done from a team member's device.",
            )),
        }
    }

    /// The signing device, which must belong to `team`.
    pub fn member_of(&self, team: &str) -> Result<&Device, RelayError> {
        match &self.caller {
            Caller::Device(d) if d.team_id == team => Ok(d),
            _ => Err(RelayError::Forbidden(
                "This device is not a member of that team.",
            )),
        }
    }

    /// The team's coordinator.
    pub fn coordinator_of(&self, team: &str) -> Result<&Team, RelayError> {
        match &self.caller {
            Caller::Team(t) if t.team_id == team => Ok(t),
            _ => Err(RelayError::Forbidden(
                "Only the team's coordinator may do this.",
            )),
        }
    }

    /// A device of `team` or its coordinator.
    pub fn of_team(&self, team: &str) -> Result<(), RelayError> {
        match &self.caller {
            Caller::Device(d) if d.team_id == team => Ok(()),
            Caller::Team(t) if t.team_id == team => Ok(()),
            _ => Err(RelayError::Forbidden(
                "Only members of this team may read this.",
            )),
        }
    }
}
