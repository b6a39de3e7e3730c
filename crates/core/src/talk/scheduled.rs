//! "Ask a peer to check on me in three days": a request the officer writes now and the
//! phone sends later, at that time, through the usual path (an anonymous token, no device
//! credential), encrypted then to the peers on duty then. Until it goes it is only a row
//! in the vault: the relay learns nothing earlier and nothing different.

use rusqlite::params;
use serde::Serialize;

use super::officer::{self, AskOutcome, NewRequest};
use super::{VaultAccess, team};
use crate::error::{Error, Result};
use crate::vault::Vault;

/// Days ahead a check-in request may be set for.
pub const MOST_DAYS: u32 = 14;
/// When sending fails before anything was stored (no roster yet, say), try again after
/// this long.
const RETRY_SECS: i64 = 15 * 60;

/// A request waiting for its time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ScheduledAsk {
    /// Id, to cancel it.
    pub id: String,
    /// When it goes (Unix seconds).
    pub send_at: i64,
    /// Its note.
    pub note: Option<String>,
}

/// Sets `request` to be sent `days` days from `now`.
pub fn schedule(v: &Vault, request: &NewRequest, days: u32, now: i64) -> Result<ScheduledAsk> {
    if !(1..=MOST_DAYS).contains(&days) {
        return Err(Error::InvalidInput(format!(
            "A check-in request can be set 1 to {MOST_DAYS} days ahead."
        )));
    }
    team::load_membership(v)?.ok_or(Error::NotJoined)?;
    let json = serde_json::to_string(request).map_err(|e| Error::InvalidInput(e.to_string()))?;
    let id = crate::random_id();
    let send_at = now + i64::from(days) * 86_400;
    v.conn()
        .execute(
            "INSERT INTO scheduled_asks (id, send_at, request) VALUES (?1, ?2, ?3)",
            params![id, send_at, json],
        )
        .map_err(Error::from_sqlite)?;
    Ok(ScheduledAsk {
        id,
        send_at,
        note: request.note.clone(),
    })
}

/// Every request waiting, soonest first.
pub fn list(v: &Vault) -> Result<Vec<ScheduledAsk>> {
    let mut stmt = v
        .conn()
        .prepare("SELECT id, send_at, request FROM scheduled_asks ORDER BY send_at")
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
            ))
        })
        .map_err(Error::from_sqlite)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, send_at, json) = row.map_err(Error::from_sqlite)?;
        let note = serde_json::from_str::<NewRequest>(&json)
            .ok()
            .and_then(|r| r.note);
        out.push(ScheduledAsk { id, send_at, note });
    }
    Ok(out)
}

/// Cancels one; true when it was waiting.
pub fn cancel(v: &Vault, id: &str) -> Result<bool> {
    v.conn()
        .execute("DELETE FROM scheduled_asks WHERE id = ?1", [id])
        .map(|n| n == 1)
        .map_err(Error::from_sqlite)
}

/// When the next one is due, for the engine's scheduler.
pub fn next_at(v: &Vault) -> Result<Option<i64>> {
    v.conn()
        .query_row("SELECT MIN(send_at) FROM scheduled_asks", [], |r| r.get(0))
        .map_err(Error::from_sqlite)
}

/// Sends every request whose time has come, through the one-tap path. A request is taken
/// off the list once the officer's phone holds it as a request (sent, or queued to go when
/// the relay answers); one that could not be built yet waits a little and is tried again.
pub async fn send_due<A: VaultAccess>(vault: &A) -> Result<Vec<String>> {
    let now = vault.now();
    let due: Vec<(String, String)> = vault.with_vault(|v| {
        let mut stmt = v
            .conn()
            .prepare("SELECT id, request FROM scheduled_asks WHERE send_at <= ?1 ORDER BY send_at")
            .map_err(Error::from_sqlite)?;
        let rows = stmt
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(Error::from_sqlite)?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(Error::from_sqlite)
    })?;
    let mut sent = Vec::new();
    for (id, json) in due {
        let Ok(request) = serde_json::from_str::<NewRequest>(&json) else {
            // Written by an older build in a shape this one cannot read: drop it rather
            // than try it every minute.
            vault.with_vault(|v| cancel(v, &id).map(drop))?;
            continue;
        };
        match officer::ask_for_peer(vault, request).await {
            Ok(AskOutcome::Sent { request }) => {
                vault.with_vault(|v| cancel(v, &id).map(drop))?;
                sent.push(request.request_id);
            }
            // Every peer is outside what the officer chose: nobody could read it, then or
            // later. It is dropped; the officer's next tap says so.
            Ok(AskOutcome::NoMatch { .. }) => {
                vault.with_vault(|v| cancel(v, &id).map(drop))?;
            }
            Err(e) => {
                tracing::debug!(code = e.code(), "scheduled check-in request not built yet");
                vault.with_vault(|v| {
                    v.conn()
                        .execute(
                            "UPDATE scheduled_asks SET send_at = ?2 WHERE id = ?1",
                            params![id, now + RETRY_SECS],
                        )
                        .map(drop)
                        .map_err(Error::from_sqlite)
                })?;
            }
        }
    }
    Ok(sent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::directory::test_support::vault;
    use crate::talk::payload::Contact;
    use peerline_protocol::relay::Urgency;

    fn request() -> NewRequest {
        NewRequest {
            urgency: Urgency::Today,
            contact: Contact::InApp,
            note: None,
            choice: None,
        }
    }

    #[test]
    fn a_check_in_request_needs_a_team_and_a_sensible_day() {
        let (_d, v) = vault();
        assert_eq!(
            schedule(&v, &request(), 3, 1_000).unwrap_err().code(),
            "NOT_JOINED"
        );
        for days in [0, MOST_DAYS + 1] {
            assert!(schedule(&v, &request(), days, 1_000).is_err());
        }
        assert_eq!(next_at(&v).unwrap(), None);
        assert!(list(&v).unwrap().is_empty());
        assert!(!cancel(&v, "nope").unwrap());
    }
}
