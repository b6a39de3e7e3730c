//! Background work: delete expired requests and escalate unclaimed urgent ones. Both are
//! single statements in the database, so several relay nodes can run this loop at once
//! and each request still escalates or expires exactly once.

use std::time::Duration;

use peerline_protocol::relay::Event;

use crate::state::AppState;

/// How often the loop runs.
pub const TICK: Duration = Duration::from_millis(500);

/// Passes between compactions.
const COMPACT_EVERY: u32 = 60;

/// Runs until the task is aborted.
pub async fn run(state: AppState) {
    let mut tick = tokio::time::interval(TICK);
    let mut n = 0u32;
    loop {
        tick.tick().await;
        once(&state).await;
        n = n.wrapping_add(1);
        if n.is_multiple_of(COMPACT_EVERY) {
            state.limiters.prune();
        }
        // A closed request leaves the log within a tick, not within the period.
        if (n.is_multiple_of(COMPACT_EVERY) || state.storage.wants_compaction())
            && let Err(e) = state.storage.compact().await
        {
            tracing::warn!(code = e.code().as_str(), "compaction failed");
        }
    }
}

/// One pass.
pub async fn once(state: &AppState) {
    let now = state.now();
    match state.storage.escalate_due(now).await {
        Ok(due) => {
            for (team, request_id) in due {
                let event = Event::Escalated { request_id };
                state.announce(&team, event);
            }
        }
        Err(e) => tracing::warn!(code = e.code().as_str(), "escalation pass failed"),
    }
    match state.storage.expire(now).await {
        Ok(gone) => {
            for (team, request_id) in gone {
                state.announce(&team, Event::Closed { request_id });
            }
        }
        Err(e) => tracing::warn!(code = e.code().as_str(), "expiry pass failed"),
    }
}
