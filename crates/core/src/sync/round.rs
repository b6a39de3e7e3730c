//! One sync round with the box on the relay, and turning sync on or restoring from a
//! recovery code. The relay is spoken to anonymously: the box's secret is all it sees, never
//! this device's id or signature.

use peerline_client::{BoxKey, ErrorCode, RelayClient};
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::{AppendRecord, CreateBox};
use serde::{Deserialize, Serialize};

use super::code::RecoveryCode;
use super::hlc::{Clock, Hlc};
use super::local::{self, SyncState};
use super::merge::Change;
use super::records;
use super::seal::{self, Kind};
use crate::error::{Error, Result};
use crate::talk::VaultAccess;
use crate::talk::team::require_membership;

/// One upload: this device's changes since its last, numbered so another device can tell
/// that one went missing.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    writer: u64,
    counter: u64,
    changes: Vec<Change>,
}

/// What a round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncReport {
    /// Changes from this device uploaded.
    pub sent: u32,
    /// Changes from other devices that changed something here.
    pub received: u32,
}

fn key(s: &SyncState) -> BoxKey<'_> {
    BoxKey {
        id: &s.box_id,
        secret: &s.box_secret,
    }
}

fn gone() -> Error {
    Error::NotFound(
        "No synced record is on this relay for that recovery code. Check the code and the team.",
    )
}

/// Uploads what changed here, then takes in what the other devices uploaded.
pub async fn sync_now<A: VaultAccess>(vault: &A) -> Result<SyncReport> {
    let (state, (changes, upto)) = vault.with_vault(|v| {
        let s = local::state(v.conn())?
            .ok_or(Error::InvalidInput("Sync is off on this device.".into()))?;
        Ok((s, local::queued(v.conn())?))
    })?;
    let client = RelayClient::anonymous(&state.relay_url)?;
    let mut report = SyncReport::default();
    if !changes.is_empty() {
        let counter = state.writer_counter + 1;
        let envelope = Envelope {
            writer: state.device,
            counter,
            changes,
        };
        let json =
            zeroize::Zeroizing::new(serde_json::to_vec(&envelope).map_err(|_| Error::Internal)?);
        let sealed = seal::seal(&state.record_key, &state.box_id, Kind::Record, &json)?;
        client
            .append_record(
                &key(&state),
                &AppendRecord {
                    data: b64::encode(&sealed),
                },
            )
            .await
            .map_err(|e| box_error(e.into()))?;
        vault.with_vault(|v| local::sent(v.conn(), upto, counter))?;
        report.sent = u32::try_from(envelope.changes.len()).unwrap_or(u32::MAX);
    }
    let mut after = state.last_seq;
    loop {
        let page = client
            .read_box(&key(&state), after)
            .await
            .map_err(|e| box_error(e.into()))?;
        let mut opened = Vec::with_capacity(page.records.len());
        for r in &page.records {
            let sealed = b64::decode(&r.data).ok_or_else(damaged)?;
            let plain = seal::open(&state.record_key, &state.box_id, Kind::Record, &sealed)?;
            let env: Envelope = serde_json::from_slice(&plain).map_err(|_| damaged())?;
            opened.push((r.seq, env));
        }
        let last = page.records.last().map_or(after, |r| r.seq);
        report.received += vault.with_vault(|v| take_in(v.conn_mut(), &state, &opened, last))?;
        after = last;
        if !page.more || page.records.is_empty() {
            break;
        }
    }
    Ok(report)
}

fn damaged() -> Error {
    Error::NotAuthentic("A synced record is damaged or not from your devices.".into())
}

fn box_error(e: Error) -> Error {
    match e {
        Error::RelayRefused {
            code: Some(ErrorCode::UnknownBox),
            ..
        } => gone(),
        other => other,
    }
}

/// Takes in opened uploads, in one transaction: all of a page or none. An upload missing
/// from a writer's sequence (the relay dropped or reordered one) stops the round before
/// anything of the page is written.
fn take_in(
    conn: &mut rusqlite::Connection,
    state: &SyncState,
    opened: &[(u64, Envelope)],
    last_seq: u64,
) -> Result<u32> {
    let tx = conn.transaction().map_err(Error::from_sqlite)?;
    let mut clock = Clock::new(
        state.device,
        local::state(&tx)?.map(|s| s.hlc).or(Some(state.hlc)),
    );
    let mut taken = 0u32;
    for (_, env) in opened {
        let seen = local::writer_counter(&tx, env.writer)?;
        if env.counter > seen + 1 {
            return Err(Error::NotAuthentic(
                "Some synced changes are missing from the relay; nothing was changed here.".into(),
            ));
        }
        // A replay (counter already seen) changes nothing by the merge rule; taking it in
        // again is harmless, and a retried upload may carry more than the first try.
        if env.writer == state.device {
            local::set_writer_counter(&tx, env.writer, env.counter)?;
            continue;
        }
        for c in &env.changes {
            clock.observe(c.hlc);
            if records::take(&tx, c)? {
                taken += 1;
            }
        }
        local::set_writer_counter(&tx, env.writer, env.counter)?;
    }
    let hlc: Hlc = clock.last();
    tx.execute(
        "UPDATE sync_state SET last_seq = max(last_seq, ?1), hlc_ms = ?2, hlc_counter = ?3
         WHERE id = 1",
        rusqlite::params![last_seq as i64, hlc.ms as i64, i64::from(hlc.counter)],
    )
    .map_err(Error::from_sqlite)?;
    tx.commit().map_err(Error::from_sqlite)?;
    Ok(taken)
}

/// Turns sync on: makes the box on the team's relay (paid with one anonymous token), queues
/// every check-in already here, and returns the recovery code to show the officer once.
pub async fn turn_on<A: VaultAccess>(vault: &A) -> Result<RecoveryCode> {
    let (m, token, on) = vault.with_vault(|v| {
        let m = require_membership(v)?;
        let on = local::state(v.conn())?.is_some();
        let token = if on {
            None
        } else {
            crate::talk::tokens::take(v)?
        };
        Ok((m, token, on))
    })?;
    if on {
        return Err(Error::InvalidInput(
            "Sync is already on on this device.".into(),
        ));
    }
    let token = token.ok_or(Error::InvalidInput(
        "Peerline is still fetching the tokens that pay for a sync box. Try again in a minute."
            .into(),
    ))?;
    let code = RecoveryCode::generate();
    let keys = code.keys();
    RelayClient::anonymous(&m.relay_url)?
        .create_box(
            &keys.box_id,
            &CreateBox {
                team_id: m.team_id.clone(),
                token,
                secret_hash: secret_hash_hex(&keys.box_secret),
            },
        )
        .await?;
    let state = fresh_state(m.relay_url, keys);
    vault.with_vault(|v| {
        let tx = v.conn_mut().transaction().map_err(Error::from_sqlite)?;
        local::save_state(&tx, &state)?;
        // Everything already here goes up with the first round.
        for c in crate::checkins::all(&tx)? {
            records::checkin_written(&tx, &c)?;
        }
        for r in records::all_screeners(&tx)? {
            records::screener_written(&tx, &r)?;
        }
        tx.commit().map_err(Error::from_sqlite)
    })?;
    Ok(code)
}

/// On a new phone: every synced record back from the recovery code and the relay's address
/// (from the team's invite). A wrong code leaves nothing behind.
pub async fn restore<A: VaultAccess>(vault: &A, relay_url: &str, code: &str) -> Result<SyncReport> {
    let code = RecoveryCode::parse(code)?;
    peerline_client::check_relay_url(relay_url)?;
    let url = relay_url.trim_end_matches('/').to_owned();
    let keys = code.keys();
    // Asked before anything is written: a wrong code must not leave sync half on.
    RelayClient::anonymous(&url)?
        .read_box(
            &BoxKey {
                id: &keys.box_id,
                secret: &keys.box_secret,
            },
            0,
        )
        .await
        .map_err(|e| box_error(e.into()))?;
    let state = fresh_state(url, keys);
    vault.with_vault(|v| {
        if local::state(v.conn())?.is_some() {
            return Err(Error::InvalidInput(
                "Sync is already on on this device; turn it off first.".into(),
            ));
        }
        local::save_state(v.conn(), &state)
    })?;
    sync_now(vault).await
}

/// Turns sync off: the box on the relay is deleted with everything in it, then this
/// device's sync state goes (its records stay). When the relay cannot be reached nothing
/// changes here, so it can be tried again.
pub async fn turn_off<A: VaultAccess>(vault: &A) -> Result<()> {
    let Some(state) = vault.with_vault(|v| local::state(v.conn()))? else {
        return Ok(());
    };
    match RelayClient::anonymous(&state.relay_url)?
        .delete_box(&key(&state))
        .await
        .map_err(|e| box_error(e.into()))
    {
        // Already gone (another device turned it off): nothing to delete.
        Ok(()) | Err(Error::NotFound(_)) => {}
        Err(e) => return Err(e),
    }
    vault.with_vault(|v| local::clear(v.conn()))
}

/// Whether sync is on here, for the settings screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncStatus {
    /// Sync is on.
    pub on: bool,
    /// Changes made here wait for the next round.
    pub pending: bool,
}

/// Where sync stands on this device.
pub fn status(conn: &rusqlite::Connection) -> Result<SyncStatus> {
    let on = local::state(conn)?.is_some();
    Ok(SyncStatus {
        on,
        pending: on && pending(conn)?,
    })
}

/// On a phone that has joined the team: every synced record back from the recovery code
/// (the relay is the team's).
pub async fn restore_on_team<A: VaultAccess>(vault: &A, code: &str) -> Result<SyncReport> {
    let m = vault.with_vault(|v| require_membership(v))?;
    restore(vault, &m.relay_url, code).await
}

/// Whether sync is on and something made here waits to go up.
pub fn pending(conn: &rusqlite::Connection) -> Result<bool> {
    if local::state(conn)?.is_none() {
        return Ok(false);
    }
    Ok(!local::queued(conn)?.0.is_empty())
}

/// The state of a device that has just turned sync on or restored: a new device id, nothing
/// uploaded or taken in yet.
fn fresh_state(relay_url: String, keys: super::code::BoxKeys) -> SyncState {
    let device = random_device();
    SyncState {
        relay_url,
        box_id: keys.box_id,
        box_secret: keys.box_secret,
        record_key: keys.record_key,
        device,
        writer_counter: 0,
        hlc: Hlc {
            ms: 0,
            counter: 0,
            device,
        },
        last_seq: 0,
    }
}

fn random_device() -> u64 {
    use chacha20poly1305::aead::{OsRng, rand_core::RngCore as _};
    // The top bit clear: the device is stored in a signed SQLite integer.
    OsRng.next_u64() >> 1
}
