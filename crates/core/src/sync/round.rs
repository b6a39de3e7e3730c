//! One sync round with the box on the relay, and turning sync on or restoring from a
//! recovery code. The relay is spoken to anonymously: the box's secret is all it sees, never
//! this device's id or signature.

use peerline_client::{BoxKey, ErrorCode, RelayClient};
use peerline_protocol::auth::secret_hash_hex;
use peerline_protocol::b64;
use peerline_protocol::relay::{AppendRecord, BoxSnapshot, CreateBox};
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
/// that one went missing. A cover upload has no changes.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    writer: u64,
    counter: u64,
    changes: Vec<Change>,
    /// A device was removed and the others are to move to a new box: its keys, sealed with
    /// age to each device that stays (base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    moved: Option<String>,
}

/// Where the records went when a device was removed (inside [`Envelope::moved`]).
#[derive(Serialize, Deserialize)]
struct Moved {
    relay_url: String,
    box_id: String,
    box_secret: String,
    record_key: String,
}

impl Moved {
    fn keys(&self) -> Option<super::code::BoxKeys> {
        let key: [u8; 32] = b64::decode(&self.record_key)?.try_into().ok()?;
        Some(super::code::BoxKeys {
            box_id: self.box_id.clone(),
            box_secret: zeroize::Zeroizing::new(self.box_secret.clone()),
            record_key: zeroize::Zeroizing::new(key),
        })
    }
}

/// The box this device left when it removed another, kept (and read by nobody) until every
/// device that stays has moved, or for [`LEFT_BOX_DAYS`] at most.
#[derive(Serialize, Deserialize)]
struct LeftBox {
    relay_url: String,
    box_id: String,
    box_secret: String,
    /// The devices that have not shown up in the new box yet.
    waiting: Vec<u64>,
    /// When it was left (Unix seconds).
    since: i64,
}

/// How long a box left behind waits for a device that has not moved (one that stayed
/// offline longer is brought back with the new recovery code).
const LEFT_BOX_DAYS: i64 = 30;

/// A snapshot: every record as of the box's record `upto_seq` (tombstones included), and how
/// far each device's uploads had been taken in, so the records after it still check.
#[derive(Debug, Serialize, Deserialize)]
struct SnapshotBody {
    upto_seq: u64,
    writers: Vec<(u64, u64)>,
    changes: Vec<Change>,
}

/// Largest upload, as JSON before sealing: padded, it fills at most the 64 KiB size, which
/// in base64 fits the relay's body limit. A longer queue goes up as several uploads.
const MAX_ENVELOPE_JSON: usize = seal::BUCKETS[2] - 4;

/// Records after the snapshot are folded into a new one once they hold at least this many
/// bytes and at least as many as the snapshot itself, so rewriting the snapshot costs no
/// more than the records it replaces, and the box stays within about twice the vault.
const COMPACT_MIN_BYTES: u64 = 64 * 1024;

/// What a round uploads when nothing changed here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Upload {
    /// Nothing (the officer's "Sync now").
    IfChanged,
    /// A cover upload, the same size as a small change: the engine's rounds, so the relay
    /// cannot tell a round that carried a change from one that did not.
    Always,
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

/// Uploads what changed here, then takes in what the other devices uploaded (the
/// officer's "Sync now": nothing goes up when nothing changed).
pub async fn sync_now<A: VaultAccess>(vault: &A) -> Result<SyncReport> {
    let _one = ROUNDS.lock().await;
    run(vault, Upload::IfChanged).await
}

/// One round at a time in this process (the app has one vault): the officer's "Sync now",
/// the engine's round and removing a device each read the queue and the upload counter and
/// write them back, so two at once could number two uploads alike or forget a change.
static ROUNDS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The engine's round: like [`sync_now`], but it always uploads (a cover upload when
/// nothing changed), so uploads follow the engine's random moments, not the officer's
/// writes.
pub async fn scheduled_round<A: VaultAccess>(vault: &A) -> Result<SyncReport> {
    let _one = ROUNDS.lock().await;
    run(vault, Upload::Always).await
}

async fn run<A: VaultAccess>(vault: &A, upload: Upload) -> Result<SyncReport> {
    let mut report = SyncReport::default();
    // At most one move per round (a second would be a relay replaying one).
    for _ in 0..2 {
        let (r, moved) = round_in_box(vault, upload).await?;
        // (A move addressed here was taken in, and made, in the page's own transaction.)
        report.sent = report.sent.saturating_add(r.sent);
        report.received = report.received.saturating_add(r.received);
        if vault.with_vault(|v| super::devices::removed_here(v.conn()))? {
            vault.with_vault(|v| local::clear(v.conn()))?;
            return Err(Error::InvalidInput(
                "This device was removed from sync on another of your devices. Its records \
                 stay here; sync is off."
                    .into(),
            ));
        }
        if !moved {
            follow_up_left_box(vault).await;
            return Ok(report);
        }
    }
    Ok(report)
}

/// One round in the box this device is in; `true` when it moved to another (a device was
/// removed), and the round should go on there.
async fn round_in_box<A: VaultAccess>(vault: &A, upload: Upload) -> Result<(SyncReport, bool)> {
    let (mut state, queued, identity) = vault.with_vault(|v| {
        super::devices::announce(v.conn())?;
        let s = local::state(v.conn())?
            .ok_or(Error::InvalidInput("Sync is off on this device.".into()))?;
        Ok((s, local::queued(v.conn())?, local::identity(v.conn())?))
    })?;
    let identity = identity
        .as_deref()
        .and_then(|i| crate::talk::payload::identity(i).ok());
    let client = RelayClient::anonymous(&state.relay_url)?;
    let mut report = SyncReport::default();
    let mut uploads = envelopes(queued)?;
    if uploads.is_empty() && upload == Upload::Always {
        uploads.push((None, Vec::new()));
    }
    for (upto, changes) in uploads {
        let counter = state.writer_counter + 1;
        // The device list is sync's own business, not the officer's records.
        let records_in = changes
            .iter()
            .filter(|c| c.table != super::devices::DEVICE)
            .count();
        let n = u32::try_from(records_in).unwrap_or(u32::MAX);
        let envelope = Envelope {
            writer: state.device,
            counter,
            changes,
            moved: None,
        };
        put_envelope(&client, &state, &envelope).await?;
        vault.with_vault(|v| local::sent(v.conn(), upto, counter))?;
        state.writer_counter = counter;
        report.sent = report.sent.saturating_add(n);
    }
    let mut after = state.last_seq;
    let mut foreign_move = false;
    let mut used_bytes;
    loop {
        let page = client
            .read_box(&key(&state), after)
            .await
            .map_err(|e| box_error(e.into()))?;
        used_bytes = page.used_bytes;
        let snapshot = match &page.snapshot {
            Some(s) if s.upto_seq > after => {
                let sealed = b64::decode(&s.data).ok_or_else(damaged)?;
                let plain = seal::open(&state.record_key, &state.box_id, Kind::Snapshot, &sealed)?;
                let body = unpack_snapshot(&plain)?;
                // The relay could pair a snapshot with the wrong place in the box.
                if body.upto_seq != s.upto_seq {
                    return Err(damaged());
                }
                state.snapshot_bytes = sealed.len() as u64;
                Some(body)
            }
            _ => None,
        };
        let mut opened = Vec::with_capacity(page.records.len());
        let mut moved: Option<(String, super::code::BoxKeys)> = None;
        for r in &page.records {
            let sealed = b64::decode(&r.data).ok_or_else(damaged)?;
            let plain = seal::open(&state.record_key, &state.box_id, Kind::Record, &sealed)?;
            let env: Envelope = serde_json::from_slice(&plain).map_err(|_| damaged())?;
            // A move addressed to this device ends the round in this box; one addressed to
            // others only (this device was removed) is read for its changes.
            let to_me = match (&env.moved, &identity) {
                (Some(sealed), Some(id)) if env.writer != state.device => b64::decode(sealed)
                    .and_then(|b| crate::talk::payload::open(&b, id))
                    .and_then(|plain| serde_json::from_slice::<Moved>(&plain).ok())
                    .and_then(|m| {
                        let keys = m.keys()?;
                        peerline_client::check_relay_url(&m.relay_url).ok()?;
                        Some((m.relay_url, keys))
                    }),
                _ => None,
            };
            // A move this device cannot open (it is the one removed, or joined after the
            // keys were sealed): the box must not be compacted past it.
            foreign_move |= env.moved.is_some() && to_me.is_none() && env.writer != state.device;
            opened.push((r.seq, env));
            if to_me.is_some() {
                moved = to_me;
                break;
            }
        }
        let last = opened
            .last()
            .map(|(seq, _)| *seq)
            .or(snapshot.as_ref().map(|s| s.upto_seq))
            .unwrap_or(after)
            .max(after);
        report.received += vault.with_vault(|v| {
            take_in(
                v.conn_mut(),
                &state,
                snapshot.as_ref(),
                &opened,
                last,
                moved.as_ref(),
            )
        })?;
        after = last;
        if moved.is_some() {
            return Ok((report, true));
        }
        if !page.more || page.records.is_empty() {
            break;
        }
    }
    state.last_seq = after;
    let removed = vault.with_vault(|v| super::devices::removed_here(v.conn()))?;
    // Never past a move some device cannot open, nor by a device removed: the move's
    // record must stay for the devices still to read it.
    if !foreign_move
        && !removed
        && let Err(e) = compact_if_due(vault, &client, &state, used_bytes).await
    {
        // The round itself is done; compaction is tried again at a later one.
        tracing::debug!(code = e.code(), "sync box not compacted this time");
    }
    Ok((report, false))
}

/// After a move: the box left behind is deleted once every device that stays has written
/// to the new one (or after [`LEFT_BOX_DAYS`]).
async fn follow_up_left_box<A: VaultAccess>(vault: &A) {
    let now = vault.now();
    let Ok(Some(json)) = vault.with_vault(|v| local::left_box(v.conn())) else {
        return;
    };
    let Ok(mut left) = serde_json::from_str::<LeftBox>(&json) else {
        let _ = vault.with_vault(|v| local::set_left_box(v.conn(), None));
        return;
    };
    let moved: Vec<u64> = vault
        .with_vault(|v| local::writers(v.conn()))
        .unwrap_or_default()
        .into_iter()
        .map(|(w, _)| w)
        .collect();
    left.waiting.retain(|w| !moved.contains(w));
    if !left.waiting.is_empty() && now - left.since < LEFT_BOX_DAYS * 86_400 {
        if let Ok(json) = serde_json::to_string(&left) {
            let _ = vault.with_vault(|v| local::set_left_box(v.conn(), Some(&json)));
        }
        return;
    }
    let gone = match RelayClient::anonymous(&left.relay_url) {
        Ok(c) => c
            .delete_box(&BoxKey {
                id: &left.box_id,
                secret: &left.box_secret,
            })
            .await
            .map_err(Error::from),
        Err(e) => Err(e.into()),
    };
    match gone.map_err(box_error) {
        Ok(()) | Err(Error::NotFound(_)) => {
            let _ = vault.with_vault(|v| local::set_left_box(v.conn(), None));
        }
        Err(e) => tracing::debug!(code = e.code(), "the box left behind is not deleted yet"),
    }
}

/// Removes one of the officer's devices: everything moves to a new box on the same relay,
/// whose keys are sealed to each device that stays; the removed device keeps what it
/// already had and can read nothing written from now on. Returns the new recovery code
/// (the old one would open the old box), to show once.
pub async fn remove_device<A: VaultAccess>(vault: &A, device_id: &str) -> Result<RecoveryCode> {
    let _one = ROUNDS.lock().await;
    // Up to date first, so the new box starts from everything the old one had.
    run(vault, Upload::IfChanged).await?;
    let (m, token, state, staying) = vault.with_vault(|v| {
        let state = local::state(v.conn())?
            .ok_or(Error::InvalidInput("Sync is off on this device.".into()))?;
        if device_id == state.device.to_string() {
            return Err(Error::InvalidInput(
                "This is the device you are using. To stop syncing it, turn sync off here.".into(),
            ));
        }
        if !super::devices::known(v.conn(), device_id)? {
            return Err(Error::NotFound("That device is no longer in the list."));
        }
        let m = require_membership(v)?;
        let token = crate::talk::tokens::take(v)?;
        Ok((
            m,
            token,
            state,
            super::devices::staying(v.conn(), device_id)?,
        ))
    })?;
    let token = token.ok_or(Error::InvalidInput(
        "Peerline is still fetching the tokens that pay for a new sync box. Try again in a minute."
            .into(),
    ))?;
    let code = RecoveryCode::generate();
    let keys = code.keys();
    let relay = RelayClient::anonymous(&state.relay_url)?;
    relay
        .create_box(
            &keys.box_id,
            &CreateBox {
                team_id: m.team_id.clone(),
                token,
                secret_hash: secret_hash_hex(&keys.box_secret),
            },
        )
        .await?;
    // The removed device's record goes, and the move, in one last upload to the old box.
    let moved = Moved {
        relay_url: state.relay_url.clone(),
        box_id: keys.box_id.clone(),
        box_secret: keys.box_secret.to_string(),
        record_key: b64::encode(keys.record_key.as_ref()),
    };
    let recipients: Vec<String> = staying.iter().map(|(_, r)| r.clone()).collect();
    let sealed_move = if recipients.is_empty() {
        None
    } else {
        let plain =
            zeroize::Zeroizing::new(serde_json::to_vec(&moved).map_err(|_| Error::Internal)?);
        Some(b64::encode(&crate::talk::payload::seal(
            &plain,
            &recipients,
        )?))
    };
    drop(moved);
    // The removed device's deletion goes in the upload, but is kept here only once the
    // upload is in: if it fails, nothing changed and removing can be tried again.
    let (changes, upto, gone) = vault.with_vault(|v| {
        let gone = local::stamp(v.conn(), super::devices::DEVICE, device_id, None)?;
        let q = local::queued(v.conn())?;
        let upto = q.last().map(|(seq, _)| *seq);
        let mut changes: Vec<_> = q.into_iter().map(|(_, c)| c).collect();
        changes.push(gone.clone());
        Ok((changes, upto, gone))
    })?;
    let counter = state.writer_counter + 1;
    let envelope = Envelope {
        writer: state.device,
        counter,
        changes,
        moved: sealed_move,
    };
    put_envelope(&relay, &state, &envelope).await?;
    let left = LeftBox {
        relay_url: state.relay_url.clone(),
        box_id: state.box_id.clone(),
        box_secret: state.box_secret.to_string(),
        waiting: staying.iter().map(|(w, _)| *w).collect(),
        since: vault.now(),
    };
    let left = serde_json::to_string(&left).map_err(|_| Error::Internal)?;
    vault.with_vault(|v| {
        let tx = v.conn_mut().transaction().map_err(Error::from_sqlite)?;
        local::sent(&tx, upto, counter)?;
        super::devices::take(&tx, &gone)?;
        let all = records::all_changes(&tx)?;
        local::move_to(&tx, &state.relay_url, &keys, &all)?;
        local::set_left_box(&tx, Some(&left))?;
        tx.commit().map_err(Error::from_sqlite)
    })?;
    // Everything up into the new box now (the others follow when they see the move). The
    // move is made; if this round fails the next one sends it, and the code is shown anyway.
    if let Err(e) = run(vault, Upload::IfChanged).await {
        tracing::debug!(
            code = e.code(),
            "first round in the new box not done; will try again"
        );
    }
    Ok(code)
}

/// Most a snapshot may hold once inflated: far past a lifetime of records (a ten-year
/// vault is about 1.5 MiB of JSON), and a bound on what a damaged one can cost.
const MAX_SNAPSHOT_JSON: u64 = 256 * 1024 * 1024;

/// A snapshot as sealed: its JSON, deflated (about a sixth of the size, so a new phone
/// downloads less than the vault's own size). Compressing before sealing is safe here: only
/// the officer's own devices write into it, and the result is padded to 256 KiB steps.
fn pack_snapshot(body: &SnapshotBody) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    use std::io::Write as _;
    let json = zeroize::Zeroizing::new(serde_json::to_vec(body).map_err(|_| Error::Internal)?);
    let mut out = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(json.len() / 4),
        flate2::Compression::default(),
    );
    out.write_all(&json).map_err(|_| Error::Internal)?;
    out.finish()
        .map(zeroize::Zeroizing::new)
        .map_err(|_| Error::Internal)
}

fn unpack_snapshot(packed: &[u8]) -> Result<SnapshotBody> {
    use std::io::Read as _;
    let mut json = zeroize::Zeroizing::new(Vec::new());
    flate2::read::DeflateDecoder::new(packed)
        .take(MAX_SNAPSHOT_JSON)
        .read_to_end(&mut json)
        .map_err(|_| damaged())?;
    serde_json::from_slice(&json).map_err(|_| damaged())
}

/// Seals one upload for this device's box and appends it.
async fn put_envelope(client: &RelayClient, state: &SyncState, envelope: &Envelope) -> Result<()> {
    let json = zeroize::Zeroizing::new(serde_json::to_vec(envelope).map_err(|_| Error::Internal)?);
    let sealed = seal::seal(&state.record_key, &state.box_id, Kind::Record, &json)?;
    client
        .append_record(
            &key(state),
            &AppendRecord {
                data: b64::encode(&sealed),
            },
        )
        .await
        .map_err(|e| box_error(e.into()))?;
    Ok(())
}

/// The queue cut into uploads that each fit the relay's body limit, each with the queue
/// position of its last change.
fn envelopes(queued: Vec<(i64, Change)>) -> Result<Vec<(Option<i64>, Vec<Change>)>> {
    // The envelope's own fields, generously.
    const OVERHEAD: usize = 96;
    let mut out: Vec<(Option<i64>, Vec<Change>)> = Vec::new();
    let mut size = OVERHEAD;
    for (seq, change) in queued {
        let len = serde_json::to_vec(&change)
            .map_err(|_| Error::Internal)?
            .len()
            + 1;
        match out.last_mut() {
            Some((upto, changes)) if size + len <= MAX_ENVELOPE_JSON => {
                *upto = Some(seq);
                changes.push(change);
                size += len;
            }
            _ => {
                out.push((Some(seq), vec![change]));
                size = OVERHEAD + len;
            }
        }
    }
    Ok(out)
}

/// Folds the box into a new snapshot when the records after the last one are worth it, and
/// only when nothing made here waits to go up (so the snapshot holds exactly what the box's
/// records up to `last_seq` say, plus nothing the others have not been sent).
async fn compact_if_due<A: VaultAccess>(
    vault: &A,
    client: &RelayClient,
    state: &SyncState,
    used_bytes: u64,
) -> Result<()> {
    let records_bytes = used_bytes.saturating_sub(state.snapshot_bytes);
    if state.last_seq == 0 || records_bytes < state.snapshot_bytes.max(COMPACT_MIN_BYTES) {
        return Ok(());
    }
    let Some(sealed) = vault.with_vault(|v| {
        if local::has_queued(v.conn())? {
            return Ok(None);
        }
        let mut writers = local::writers(v.conn())?;
        if !writers.iter().any(|(w, _)| *w == state.device) {
            writers.push((state.device, state.writer_counter));
        }
        let body = SnapshotBody {
            upto_seq: state.last_seq,
            writers,
            changes: records::all_changes(v.conn())?,
        };
        let packed = pack_snapshot(&body)?;
        seal::seal(&state.record_key, &state.box_id, Kind::Snapshot, &packed).map(Some)
    })?
    else {
        return Ok(());
    };
    client
        .put_snapshot(
            &key(state),
            &BoxSnapshot {
                upto_seq: state.last_seq,
                data: b64::encode(&sealed),
            },
        )
        .await?;
    vault.with_vault(|v| local::set_snapshot_bytes(v.conn(), sealed.len() as u64))
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
        Error::RelayRefused {
            code: Some(ErrorCode::BoxFull),
            ..
        } => Error::InvalidInput(
            "Your synced records have outgrown the space the relay keeps for them (16 MiB). \
             Nothing here is lost and this device keeps working. Turning sync off and on again \
             here starts a fresh copy from this device's records, with a new recovery code."
                .into(),
        ),
        other => other,
    }
}

/// Takes in a snapshot (when the box was compacted past this device) and opened uploads,
/// in one transaction: all of a page or none. An upload missing from a writer's sequence
/// (the relay dropped or reordered one) stops the round before anything of the page is
/// written.
fn take_in(
    conn: &mut rusqlite::Connection,
    state: &SyncState,
    snapshot: Option<&SnapshotBody>,
    opened: &[(u64, Envelope)],
    last_seq: u64,
    moved: Option<&(String, super::code::BoxKeys)>,
) -> Result<u32> {
    let tx = conn.transaction().map_err(Error::from_sqlite)?;
    let mut clock = Clock::new(
        state.device,
        local::state(&tx)?.map(|s| s.hlc).or(Some(state.hlc)),
    );
    let mut taken = 0u32;
    if let Some(snap) = snapshot {
        for c in &snap.changes {
            clock.observe(c.hlc);
            if records::take(&tx, c)? && c.table != super::devices::DEVICE {
                taken += 1;
            }
        }
        for (writer, counter) in &snap.writers {
            local::set_writer_counter(&tx, *writer, *counter)?;
        }
    }
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
            if records::take(&tx, c)? && c.table != super::devices::DEVICE {
                taken += 1;
            }
        }
        local::set_writer_counter(&tx, env.writer, env.counter)?;
    }
    let hlc: Hlc = clock.last();
    tx.execute(
        "UPDATE sync_state SET last_seq = max(last_seq, ?1), hlc_ms = ?2, hlc_counter = ?3,
           snapshot_bytes = ?4
         WHERE id = 1",
        rusqlite::params![
            last_seq as i64,
            hlc.ms as i64,
            i64::from(hlc.counter),
            state.snapshot_bytes as i64
        ],
    )
    .map_err(Error::from_sqlite)?;
    if let Some((relay_url, keys)) = moved {
        // Moved in the same transaction as the page that said so: a device cannot read
        // past the move and stay behind. Everything held goes up again in the new box (same
        // stamps, so nothing doubles): what it sent the old box after the move is not lost.
        let all = records::all_changes(&tx)?;
        local::move_to(&tx, relay_url, keys, &all)?;
    }
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
        records::queue_all(&tx, false)?;
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
    restore_with_keys(vault, url, code.keys()).await
}

/// Turns sync on with a box's keys (from a recovery code, or handed over by a linked
/// device) and takes in everything in the box.
pub(crate) async fn restore_with_keys<A: VaultAccess>(
    vault: &A,
    url: String,
    keys: super::code::BoxKeys,
) -> Result<SyncReport> {
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
    match sync_now(vault).await {
        Ok(report) => Ok(report),
        Err(e) => {
            // Damaged or cut short: sync is not left half on (what was taken in stays).
            vault.with_vault(|v| local::clear(v.conn()))?;
            Err(e)
        }
    }
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
    // A box left behind by a move, still waiting for a device: it goes too.
    if let Some(left) = vault
        .with_vault(|v| local::left_box(v.conn()))?
        .and_then(|j| serde_json::from_str::<LeftBox>(&j).ok())
    {
        let gone = RelayClient::anonymous(&left.relay_url)?
            .delete_box(&BoxKey {
                id: &left.box_id,
                secret: &left.box_secret,
            })
            .await;
        if let Err(e) = gone {
            tracing::debug!(
                code = Error::from(e).code(),
                "the box left behind was not deleted"
            );
        }
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
    local::has_queued(conn)
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
        snapshot_bytes: 0,
    }
}

fn random_device() -> u64 {
    use chacha20poly1305::aead::{OsRng, rand_core::RngCore as _};
    // The top bit clear: the device is stored in a signed SQLite integer.
    OsRng.next_u64() >> 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(i: usize, note_len: usize) -> (i64, Change) {
        (
            i as i64 + 1,
            Change {
                table: records::CHECKIN.into(),
                id: format!("c{i}"),
                hlc: Hlc {
                    ms: i as u64,
                    counter: 0,
                    device: 1,
                },
                body: Some(serde_json::json!({ "note": "x".repeat(note_len) })),
            },
        )
    }

    #[test]
    fn a_long_queue_goes_up_in_uploads_that_each_fit_the_relays_limit() {
        let queued: Vec<_> = (0..2_000).map(|i| change(i, 200)).collect();
        let ups = envelopes(queued).unwrap();
        assert!(ups.len() > 1, "several uploads");
        let mut seen = 0;
        for (upto, changes) in &ups {
            seen += changes.len();
            assert_eq!(
                *upto,
                Some(seen as i64),
                "each knows the last change it carries"
            );
            let env = Envelope {
                writer: 1,
                counter: 1,
                changes: changes.clone(),
                moved: None,
            };
            let json = serde_json::to_vec(&env).unwrap();
            assert!(json.len() <= MAX_ENVELOPE_JSON, "{} bytes", json.len());
            // Sealed and in base64, under the relay's default body limit (256 KiB).
            let sealed = seal::seal(&[1; 32], "b", Kind::Record, &json).unwrap();
            assert!(b64::encode(&sealed).len() < 256 * 1024);
        }
        assert_eq!(seen, 2_000, "every change, once, in order");
        assert!(envelopes(Vec::new()).unwrap().is_empty());
        assert_eq!(envelopes(vec![change(0, 10)]).unwrap().len(), 1);
    }
}
