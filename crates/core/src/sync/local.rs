//! This device's side of sync, in the vault: whether sync is on and through which box, this
//! device's clock and upload counter, the stamp of every synced record it holds (deletes
//! kept as tombstones) and the changes made here that wait to go up. The record's own
//! modules call [`note_change`] as they write; nothing else changes when sync is off.

use rusqlite::{Connection, OptionalExtension as _, params};
use zeroize::Zeroizing;

use super::hlc::{Clock, Hlc};
use super::merge::{Change, Held};
use crate::error::{Error, Result};

/// Sync's own tables.
const TABLES: [&str; 5] = [
    "sync_state",
    "sync_held",
    "sync_writers",
    "sync_outbox",
    "sync_devices",
];

/// Clears this device's sync state out of the attached backup image `schema` (see
/// `backup::plain_image`); a vault from before sync has none to clear.
pub(crate) fn clear_in_image(conn: &Connection, schema: &str) -> Result<()> {
    for t in TABLES {
        let exists: bool = conn
            .query_row(
                &format!(
                    "SELECT EXISTS (SELECT 1 FROM {schema}.sqlite_master
                       WHERE type = 'table' AND name = ?1)"
                ),
                [t],
                |r| r.get(0),
            )
            .map_err(Error::from_sqlite)?;
        if exists {
            conn.execute(&format!("DELETE FROM {schema}.{t}"), [])
                .map_err(Error::from_sqlite)?;
        }
    }
    Ok(())
}

/// Whether `table` is one of sync's own (kept out of backups and their restores).
pub(crate) fn is_sync_table(table: &str) -> bool {
    TABLES.contains(&table)
}

/// What this vault syncs through, and where its side of it stands.
#[derive(Clone)]
pub struct SyncState {
    /// The relay holding the box.
    pub relay_url: String,
    /// The box's id.
    pub box_id: String,
    /// The box's secret.
    pub box_secret: Zeroizing<String>,
    /// The key records are sealed with.
    pub record_key: Zeroizing<[u8; 32]>,
    /// This device, as a writer and in clock stamps (random; only inside sealed records).
    pub device: u64,
    /// Uploads this device has made.
    pub writer_counter: u64,
    /// The latest stamp made or seen here.
    pub hlc: Hlc,
    /// The last record of the box taken in.
    pub last_seq: u64,
    /// Bytes of the box's snapshot when this device last wrote or read one (what compaction
    /// weighs the records after it against).
    pub snapshot_bytes: u64,
}

impl std::fmt::Debug for SyncState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncState")
            .field("box_id", &self.box_id)
            .field("last_seq", &self.last_seq)
            .finish_non_exhaustive()
    }
}

/// The sync state, or `None` when sync is off.
pub fn state(conn: &Connection) -> Result<Option<SyncState>> {
    conn.query_row(
        "SELECT relay_url, box_id, box_secret, record_key, device, writer_counter, hlc_ms,
                hlc_counter, last_seq, snapshot_bytes
         FROM sync_state WHERE id = 1",
        [],
        |r| {
            let key: Vec<u8> = r.get(3)?;
            let device = r.get::<_, i64>(4)? as u64;
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                key,
                device,
                r.get::<_, i64>(5)?,
                (r.get::<_, i64>(6)?, r.get::<_, i64>(7)?),
                (r.get::<_, i64>(8)?, r.get::<_, i64>(9)?),
            ))
        },
    )
    .optional()
    .map_err(Error::from_sqlite)?
    .map(
        |(relay_url, box_id, secret, key, device, counter, (ms, c), (last, snapshot))| {
            let key: [u8; 32] = key.try_into().map_err(|_| {
                Error::NotAuthentic("This device's sync settings are damaged.".into())
            })?;
            Ok(SyncState {
                relay_url,
                box_id,
                box_secret: Zeroizing::new(secret),
                record_key: Zeroizing::new(key),
                device,
                writer_counter: counter.max(0) as u64,
                hlc: Hlc {
                    ms: ms.max(0) as u64,
                    counter: c.clamp(0, i64::from(u32::MAX)) as u32,
                    device,
                },
                last_seq: last.max(0) as u64,
                snapshot_bytes: snapshot.max(0) as u64,
            })
        },
    )
    .transpose()
}

/// Writes the sync state (turning sync on, or after a round).
pub fn save_state(conn: &Connection, s: &SyncState) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_state (id, relay_url, box_id, box_secret, record_key, device,
           writer_counter, hlc_ms, hlc_counter, last_seq, snapshot_bytes)
         VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET relay_url = excluded.relay_url,
           box_id = excluded.box_id, box_secret = excluded.box_secret,
           record_key = excluded.record_key, device = excluded.device,
           writer_counter = excluded.writer_counter, hlc_ms = excluded.hlc_ms,
           hlc_counter = excluded.hlc_counter, last_seq = excluded.last_seq,
           snapshot_bytes = excluded.snapshot_bytes",
        params![
            s.relay_url,
            s.box_id,
            s.box_secret.as_str(),
            s.record_key.as_slice(),
            s.device as i64,
            s.writer_counter as i64,
            s.hlc.ms as i64,
            i64::from(s.hlc.counter),
            s.last_seq as i64,
            s.snapshot_bytes as i64,
        ],
    )
    .map(drop)
    .map_err(Error::from_sqlite)
}

/// Turns sync off on this device: its state, stamps and queue go (the records stay).
pub fn clear(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM sync_state; DELETE FROM sync_held; DELETE FROM sync_writers;
         DELETE FROM sync_outbox; DELETE FROM sync_devices;",
    )
    .map_err(Error::from_sqlite)
}

/// Records a change made on this device, when sync is on: a stamp from this device's clock,
/// the record's stamp, and the change queued for upload. `body` is the record as JSON, or
/// `None` for a delete.
pub(crate) fn note_change(
    conn: &Connection,
    table: &str,
    id: &str,
    body: Option<serde_json::Value>,
) -> Result<()> {
    if state(conn)?.is_none() {
        return Ok(());
    }
    let change = stamp(conn, table, id, body)?;
    let json = serde_json::to_string(&change).map_err(|_| Error::Internal)?;
    conn.execute("INSERT INTO sync_outbox (change) VALUES (?1)", [json])
        .map_err(Error::from_sqlite)?;
    set_held(conn, &change)
}

/// A change made here, stamped by this device's clock (the clock is kept), but neither
/// queued nor applied: the caller sends it itself and keeps it once it went.
pub(crate) fn stamp(
    conn: &Connection,
    table: &str,
    id: &str,
    body: Option<serde_json::Value>,
) -> Result<Change> {
    let mut s = state(conn)?.ok_or(Error::InvalidInput("Sync is off on this device.".into()))?;
    let mut clock = Clock::new(s.device, Some(s.hlc));
    let now_ms = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap_or(0);
    let change = Change {
        table: table.to_owned(),
        id: id.to_owned(),
        hlc: clock.tick(now_ms),
        body,
    };
    s.hlc = clock.last();
    conn.execute(
        "UPDATE sync_state SET hlc_ms = ?1, hlc_counter = ?2 WHERE id = 1",
        params![s.hlc.ms as i64, i64::from(s.hlc.counter)],
    )
    .map_err(Error::from_sqlite)?;
    Ok(change)
}

/// What this device holds of a synced record.
pub(crate) fn held(conn: &Connection, table: &str, id: &str) -> Result<Option<Held>> {
    conn.prepare_cached(
        "SELECT hlc_ms, hlc_counter, hlc_device, deleted FROM sync_held
         WHERE tbl = ?1 AND id = ?2",
    )
    .and_then(|mut stmt| {
        stmt.query_row(params![table, id], |r| held_from(r, 0))
            .optional()
    })
    .map_err(Error::from_sqlite)
}

/// A [`Held`] from the four columns starting at `at` (stamp, then the delete flag).
fn held_from(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Held> {
    Ok(Held {
        hlc: Hlc {
            ms: r.get::<_, i64>(at)?.max(0) as u64,
            counter: r.get::<_, i64>(at + 1)?.clamp(0, i64::from(u32::MAX)) as u32,
            device: r.get::<_, i64>(at + 2)? as u64,
        },
        deleted: r.get(at + 3)?,
    })
}

/// Records the version now held of a record.
pub(crate) fn set_held(conn: &Connection, c: &Change) -> Result<()> {
    set_stamp(conn, &c.table, &c.id, c.hlc, c.is_delete())
}

/// Records the stamp held of a record, and whether it is deleted here.
pub(crate) fn set_stamp(
    conn: &Connection,
    table: &str,
    id: &str,
    hlc: Hlc,
    deleted: bool,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_held (tbl, id, hlc_ms, hlc_counter, hlc_device, deleted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (tbl, id) DO UPDATE SET hlc_ms = excluded.hlc_ms,
           hlc_counter = excluded.hlc_counter, hlc_device = excluded.hlc_device,
           deleted = excluded.deleted",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            table,
            id,
            hlc.ms as i64,
            i64::from(hlc.counter),
            hlc.device as i64,
            deleted,
        ])
    })
    .map(drop)
    .map_err(Error::from_sqlite)
}

/// The queued changes, oldest first, each with its place in the queue.
pub(crate) fn queued(conn: &Connection) -> Result<Vec<(i64, Change)>> {
    let mut stmt = conn
        .prepare_cached("SELECT seq, change FROM sync_outbox ORDER BY seq")
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
        .map_err(Error::from_sqlite)?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, json) = row.map_err(Error::from_sqlite)?;
        // Written by this build: a change that does not read back is dropped, not fatal.
        if let Ok(c) = serde_json::from_str(&json) {
            out.push((seq, c));
        }
    }
    Ok(out)
}

/// Whether a change made here waits to go up.
pub(crate) fn has_queued(conn: &Connection) -> Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM sync_outbox)", [], |r| {
        r.get(0)
    })
    .map_err(Error::from_sqlite)
}

/// Every synced record this device holds, with its stamp (tombstones included), for a
/// snapshot.
pub(crate) fn all_held(conn: &Connection) -> Result<Vec<(String, String, Held)>> {
    let mut stmt = conn
        .prepare("SELECT tbl, id, hlc_ms, hlc_counter, hlc_device, deleted FROM sync_held")
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                held_from(r, 2)?,
            ))
        })
        .map_err(Error::from_sqlite)?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(Error::from_sqlite)
}

/// Every writer's last upload taken in, for a snapshot.
pub(crate) fn writers(conn: &Connection) -> Result<Vec<(u64, u64)>> {
    let mut stmt = conn
        .prepare("SELECT writer, counter FROM sync_writers ORDER BY writer")
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)? as u64,
                r.get::<_, i64>(1)?.max(0) as u64,
            ))
        })
        .map_err(Error::from_sqlite)?;
    rows.collect::<std::result::Result<_, _>>()
        .map_err(Error::from_sqlite)
}

/// Upload `counter` went up, carrying the queued changes up to `upto` (none for a cover).
pub(crate) fn sent(conn: &Connection, upto: Option<i64>, counter: u64) -> Result<()> {
    if let Some(upto) = upto {
        conn.execute("DELETE FROM sync_outbox WHERE seq <= ?1", [upto])
            .map_err(Error::from_sqlite)?;
    }
    conn.execute(
        "UPDATE sync_state SET writer_counter = ?1 WHERE id = 1",
        [counter as i64],
    )
    .map(drop)
    .map_err(Error::from_sqlite)
}

/// The box's snapshot is now one of `bytes` (this device wrote it).
pub(crate) fn set_snapshot_bytes(conn: &Connection, bytes: u64) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET snapshot_bytes = ?1 WHERE id = 1",
        [bytes as i64],
    )
    .map(drop)
    .map_err(Error::from_sqlite)
}

/// The last upload counter taken in from `writer`.
pub(crate) fn writer_counter(conn: &Connection, writer: u64) -> Result<u64> {
    conn.query_row(
        "SELECT counter FROM sync_writers WHERE writer = ?1",
        [writer as i64],
        |r| r.get::<_, i64>(0),
    )
    .optional()
    .map(|c| c.unwrap_or(0).max(0) as u64)
    .map_err(Error::from_sqlite)
}

/// Records that upload `counter` of `writer` was taken in.
pub(crate) fn set_writer_counter(conn: &Connection, writer: u64, counter: u64) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_writers (writer, counter) VALUES (?1, ?2)
         ON CONFLICT (writer) DO UPDATE SET counter = max(counter, excluded.counter)",
        params![writer as i64, counter as i64],
    )
    .map(drop)
    .map_err(Error::from_sqlite)
}

/// Queues changes as they are, stamps unchanged (moving to a new box: everything held goes
/// up again there).
pub(crate) fn requeue(conn: &Connection, changes: &[Change]) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("INSERT INTO sync_outbox (change) VALUES (?1)")
        .map_err(Error::from_sqlite)?;
    for c in changes {
        let json = serde_json::to_string(c).map_err(|_| Error::Internal)?;
        stmt.execute([json]).map_err(Error::from_sqlite)?;
    }
    Ok(())
}

/// This device's own key (an age identity), once it has announced itself.
pub(crate) fn identity(conn: &Connection) -> Result<Option<Zeroizing<String>>> {
    conn.query_row("SELECT identity FROM sync_state WHERE id = 1", [], |r| {
        r.get::<_, Option<String>>(0)
    })
    .optional()
    .map(|o| o.flatten().map(Zeroizing::new))
    .map_err(Error::from_sqlite)
}

pub(crate) fn set_identity(conn: &Connection, secret: &str) -> Result<()> {
    conn.execute("UPDATE sync_state SET identity = ?1 WHERE id = 1", [secret])
        .map(drop)
        .map_err(Error::from_sqlite)
}

/// The box this device moved away from, kept until the other devices have moved too.
pub(crate) fn left_box(conn: &Connection) -> Result<Option<String>> {
    conn.query_row("SELECT left_box FROM sync_state WHERE id = 1", [], |r| {
        r.get::<_, Option<String>>(0)
    })
    .optional()
    .map(Option::flatten)
    .map_err(Error::from_sqlite)
}

pub(crate) fn set_left_box(conn: &Connection, json: Option<&str>) -> Result<()> {
    conn.execute("UPDATE sync_state SET left_box = ?1 WHERE id = 1", [json])
        .map(drop)
        .map_err(Error::from_sqlite)
}

/// Moves this device to another box: its keys, and a fresh start there (no upload made,
/// nothing taken in, no snapshot); stamps and records stay. What is queued is replaced by
/// `queue`, the caller's choice of what to send there.
pub(crate) fn move_to(
    conn: &Connection,
    relay_url: &str,
    keys: &super::code::BoxKeys,
    queue: &[Change],
) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET relay_url = ?1, box_id = ?2, box_secret = ?3, record_key = ?4,
           writer_counter = 0, last_seq = 0, snapshot_bytes = 0
         WHERE id = 1",
        params![
            relay_url,
            keys.box_id,
            keys.box_secret.as_str(),
            keys.record_key.as_slice()
        ],
    )
    .map_err(Error::from_sqlite)?;
    conn.execute_batch("DELETE FROM sync_writers; DELETE FROM sync_outbox;")
        .map_err(Error::from_sqlite)?;
    requeue(conn, queue)
}
