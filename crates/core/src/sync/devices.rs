//! The officer's synced devices. Each announces itself in the box as a synced record: a
//! name the officer recognises, the day it joined, and its own public key (an age X25519
//! recipient) so that, when another device is removed, the keys of the new box can be
//! sealed to each device that stays and to no other. Like every record, the list is
//! sealed: the relay never sees it.

use rusqlite::{Connection, OptionalExtension as _, params};
use serde::{Deserialize, Serialize};

use super::local;
use super::merge::Change;
use crate::error::{Error, Result};
use crate::talk::payload;

/// The change name of device records.
pub const DEVICE: &str = "sync_device";

/// A device as devices exchange it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceRecord {
    /// What the officer sees in the list.
    pub name: String,
    /// Its public key (age X25519 recipient).
    pub recipient: String,
    /// The day it joined sync (YYYY-MM-DD, its own local date).
    pub added_on: String,
}

/// A device in the list on the settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncDevice {
    /// Its id (what removing it names).
    pub id: String,
    /// Its name.
    pub name: String,
    /// The day it joined sync.
    pub added_on: String,
    /// It is the device showing the list.
    pub this_device: bool,
}

/// A name for this device that says what it is and nothing about who uses it.
fn default_name() -> String {
    match std::env::consts::OS {
        "android" => "Android phone",
        "ios" => "iPhone or iPad",
        "macos" => "Mac",
        "windows" => "Windows computer",
        _ => "Linux computer",
    }
    .to_owned()
}

/// Gives this device its key and announces it in the box, once (turning sync on, restoring,
/// linking, or the first round of a device that synced before devices were listed).
pub(crate) fn announce(conn: &Connection) -> Result<()> {
    let Some(state) = local::state(conn)? else {
        return Ok(());
    };
    if local::identity(conn)?.is_some() {
        return Ok(());
    }
    let (secret, recipient) = payload::new_identity();
    local::set_identity(conn, &secret)?;
    let record = DeviceRecord {
        name: default_name(),
        recipient,
        added_on: chrono::Local::now().format("%Y-%m-%d").to_string(),
    };
    write(conn, &state.device.to_string(), &record)?;
    let body = serde_json::to_value(&record).map_err(|_| Error::Internal)?;
    local::note_change(conn, DEVICE, &state.device.to_string(), Some(body))
}

fn write(conn: &Connection, id: &str, r: &DeviceRecord) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_devices (id, name, recipient, added_on) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, recipient = excluded.recipient,
           added_on = excluded.added_on",
        params![id, r.name, r.recipient, r.added_on],
    )
    .map(drop)
    .map_err(Error::from_sqlite)
}

/// Takes in another device's change to the list (the merge rule has already said yes).
pub(crate) fn take(conn: &Connection, c: &Change) -> Result<()> {
    match &c.body {
        None => {
            conn.execute("DELETE FROM sync_devices WHERE id = ?1", [&c.id])
                .map_err(Error::from_sqlite)?;
        }
        Some(body) => {
            let refuse = || Error::NotAuthentic("A synced device could not be read.".into());
            let r: DeviceRecord = serde_json::from_value(body.clone()).map_err(|_| refuse())?;
            if r.recipient.parse::<age::x25519::Recipient>().is_err() {
                return Err(refuse());
            }
            write(conn, &c.id, &r)?;
        }
    }
    local::set_held(conn, c)
}

/// Every device record held, for a snapshot or a move.
pub(crate) fn bodies(conn: &Connection) -> Result<Vec<(String, serde_json::Value)>> {
    let mut stmt = conn
        .prepare("SELECT id, name, recipient, added_on FROM sync_devices")
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                DeviceRecord {
                    name: r.get(1)?,
                    recipient: r.get(2)?,
                    added_on: r.get(3)?,
                },
            ))
        })
        .map_err(Error::from_sqlite)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, r) = row.map_err(Error::from_sqlite)?;
        out.push((id, serde_json::to_value(r).map_err(|_| Error::Internal)?));
    }
    Ok(out)
}

/// The devices syncing with this one (this one first).
pub fn list(conn: &Connection) -> Result<Vec<SyncDevice>> {
    let Some(state) = local::state(conn)? else {
        return Ok(Vec::new());
    };
    let me = state.device.to_string();
    let mut out: Vec<SyncDevice> = bodies(conn)?
        .into_iter()
        .filter_map(|(id, body)| {
            let r: DeviceRecord = serde_json::from_value(body).ok()?;
            Some(SyncDevice {
                this_device: id == me,
                id,
                name: r.name,
                added_on: r.added_on,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.this_device
            .cmp(&a.this_device)
            .then(a.added_on.cmp(&b.added_on))
    });
    Ok(out)
}

/// The other devices that stay when `removed` goes: (writer id, public key).
pub(crate) fn staying(conn: &Connection, removed: &str) -> Result<Vec<(u64, String)>> {
    let me = local::state(conn)?.map(|s| s.device.to_string());
    let mut stmt = conn
        .prepare("SELECT id, recipient FROM sync_devices WHERE id != ?1")
        .map_err(Error::from_sqlite)?;
    let rows = stmt
        .query_map([removed], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(Error::from_sqlite)?;
    let mut out = Vec::new();
    for row in rows {
        let (id, recipient) = row.map_err(Error::from_sqlite)?;
        if Some(&id) == me.as_ref() {
            continue;
        }
        if let Ok(writer) = id.parse() {
            out.push((writer, recipient));
        }
    }
    Ok(out)
}

/// Whether a device with this id is in the list.
pub(crate) fn known(conn: &Connection, id: &str) -> Result<bool> {
    conn.query_row("SELECT 1 FROM sync_devices WHERE id = ?1", [id], |_| Ok(()))
        .optional()
        .map(|o| o.is_some())
        .map_err(Error::from_sqlite)
}

/// Whether this device has been removed by another (its own record deleted).
pub(crate) fn removed_here(conn: &Connection) -> Result<bool> {
    let Some(state) = local::state(conn)? else {
        return Ok(false);
    };
    Ok(local::held(conn, DEVICE, &state.device.to_string())?.is_some_and(|h| h.deleted))
}
