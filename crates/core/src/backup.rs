//! An encrypted backup file of the whole vault, and restoring it.
//!
//! The backup is the vault's database, exported to plain SQLite in memory (never on disk)
//! and encrypted with `age` to a passphrase the officer chooses (age's scrypt recipient).
//! Restoring decrypts in memory, checks every page, brings an older backup up to this app's
//! schema with the same migrations the vault uses, then copies it in one transaction: it
//! either all lands or nothing changes. A vault that already holds records is never
//! overwritten unless the officer chose to replace it; they can add the backup instead.

use std::io::Read as _;
use std::path::Path;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::vault::Vault;

/// Shortest passphrase accepted for a backup: it is all that protects the file wherever it
/// is kept, so it is longer than the app passcode.
pub const MIN_PASSPHRASE_CHARS: usize = 10;
/// Largest backup file read (a vault of decades is a few MiB).
pub const MAX_BACKUP_BYTES: u64 = 512 * 1024 * 1024;
/// scrypt cost (log2 N) for new backups: about a second on a phone, and within what age
/// accepts when decrypting on a slower device.
pub const WORK_FACTOR: u8 = 18;

/// Tables holding the officer's records; "add to this phone" merges these and nothing else.
const RECORD_TABLES: [&str; 2] = ["checkins", "screener_results"];

/// How a restore treats a vault that already holds records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RestoreMode {
    /// Restore only into an empty vault; otherwise ask (`RESTORE_NEEDS_CHOICE`).
    Ask,
    /// Keep everything here and add the backup's check-ins and questionnaires that are not
    /// here yet.
    Add,
    /// Replace everything here (records, settings, team) with the backup.
    Replace,
}

/// What a backup or a restore did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BackupReport {
    /// Check-ins in the backup.
    pub checkins: u64,
    /// Questionnaire results in the backup.
    pub screeners: u64,
    /// Size of the backup file in bytes.
    pub file_bytes: u64,
}

fn damaged(why: &str) -> Error {
    Error::BackupDamaged(why.to_owned())
}

fn count(conn: &Connection, schema: &str, table: &str) -> Result<u64> {
    let n: i64 = conn
        .query_row(&format!("SELECT count(*) FROM {schema}.{table}"), [], |r| {
            r.get(0)
        })
        .map_err(Error::from_sqlite)?;
    Ok(n.unsigned_abs())
}

fn counts(conn: &Connection, schema: &str) -> Result<(u64, u64)> {
    Ok((
        count(conn, schema, RECORD_TABLES[0])?,
        count(conn, schema, RECORD_TABLES[1])?,
    ))
}

/// The vault as a plain SQLite image, in memory only.
fn plain_image(vault: &Vault) -> Result<Zeroizing<Vec<u8>>> {
    let conn = vault.conn();
    conn.execute_batch("ATTACH DATABASE ':memory:' AS backup_image KEY '';")
        .map_err(Error::from_sqlite)?;
    let image = (|| -> Result<Zeroizing<Vec<u8>>> {
        conn.query_row("SELECT sqlcipher_export('backup_image')", [], |_| Ok(()))
            .map_err(Error::from_sqlite)?;
        // Sync belongs to this device and its box, not to the record: a backup restored
        // elsewhere must not sync as this device (nor carry the box's keys).
        crate::sync::local::clear_in_image(conn, "backup_image")?;
        // Peers keep no case notes: a peer's open conversations (keys and words) stay out.
        crate::talk::conversation::clear_in_image(conn, "backup_image")?;
        let version = vault.schema_version()?;
        conn.execute_batch(&format!("PRAGMA backup_image.user_version = {version};"))
            .map_err(Error::from_sqlite)?;
        let data = conn.serialize("backup_image").map_err(Error::from_sqlite)?;
        Ok(Zeroizing::new(data.to_vec()))
    })();
    let _ = conn.execute_batch("DETACH DATABASE backup_image;");
    image
}

/// Encrypts the whole vault under `passphrase` with the given scrypt cost.
pub fn encrypt_with_work_factor(
    vault: &Vault,
    passphrase: &str,
    work_factor: u8,
) -> Result<Vec<u8>> {
    if passphrase.chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::InvalidInput(format!(
            "Choose a backup passphrase of at least {MIN_PASSPHRASE_CHARS} characters; it is all that protects the file."
        )));
    }
    let image = plain_image(vault)?;
    crate::passphrase::seal(&image, passphrase, work_factor)
        .map_err(|e| Error::InvalidInput(format!("The backup could not be encrypted ({e}).")))
}

/// Writes an encrypted backup of the whole vault to `path` (the file the officer chose).
pub fn write(vault: &Vault, passphrase: &str, path: &Path) -> Result<BackupReport> {
    let bytes = encrypt_with_work_factor(vault, passphrase, WORK_FACTOR)?;
    crate::vault::files::write_private_atomically(path, &bytes)?;
    let (checkins, screeners) = counts(vault.conn(), "main")?;
    Ok(BackupReport {
        checkins,
        screeners,
        file_bytes: bytes.len() as u64,
    })
}

/// Decrypts a backup to its plain SQLite image (in memory).
fn decrypt(bytes: &[u8], passphrase: &str) -> Result<Zeroizing<Vec<u8>>> {
    use crate::passphrase::OpenError;
    use age::DecryptError as D;
    // A file asking for more scrypt work than our own backups use was not made by this app:
    // refuse it rather than age's looser default.
    crate::passphrase::open(bytes, passphrase, WORK_FACTOR).map_err(|e| match e {
        OpenError::Age(D::DecryptionFailed | D::NoMatchingKeys | D::KeyDecryptionFailed) => {
            Error::BackupPassphrase
        }
        OpenError::Age(D::ExcessiveWork { .. }) => {
            damaged("it asks for more work to open than this phone allows")
        }
        OpenError::Age(D::InvalidHeader | D::UnknownFormat) | OpenError::NotSealed => {
            damaged("it is not a Peerline backup")
        }
        OpenError::Age(D::InvalidMac) => damaged("its header has been changed"),
        OpenError::Age(D::Io(_)) | OpenError::Damaged => damaged("it is cut short or changed"),
        OpenError::Age(_) => damaged("it could not be read"),
    })
}

/// Opens a plain image in memory, checks it, and migrates it to this app's schema.
fn checked_image(image: &[u8]) -> Result<Connection> {
    let mut conn = Connection::open_in_memory().map_err(Error::from_sqlite)?;
    conn.deserialize_read_exact("main", image, image.len(), false)
        .map_err(|_| damaged("it holds no vault"))?;
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|_| damaged("it holds no readable vault"))?;
    if ok != "ok" {
        return Err(damaged("the vault inside it is damaged"));
    }
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(|_| damaged("it holds no readable vault"))?;
    let latest = crate::vault::SCHEMA_VERSION;
    match usize::try_from(version) {
        Ok(0) | Err(_) => return Err(damaged("it holds no Peerline vault")),
        Ok(v) if v > latest => {
            return Err(Error::VaultTooNew {
                found: v,
                supported: latest,
            });
        }
        Ok(_) => {}
    }
    crate::vault::migrations()
        .to_latest(&mut conn)
        .map_err(|_| damaged("its vault could not be brought up to date"))?;
    Ok(conn)
}

/// The vault's own tables, in the order they were created.
fn tables(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn
        .prepare(
            "SELECT name FROM main.sqlite_master WHERE type = 'table'
               AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
        )
        .map_err(Error::from_sqlite)?;
    let names: Vec<String> = stmt
        .query_map([], |r| r.get(0))
        .map_err(Error::from_sqlite)?
        .collect::<rusqlite::Result<_>>()
        .map_err(Error::from_sqlite)?;
    Ok(names)
}

/// Copies every row of `table` from the backup into the vault. Both sides run the same
/// migrations, so their columns match one for one.
fn copy_rows(from: &Connection, to: &Connection, table: &str, verb: &str) -> Result<()> {
    let mut read = from
        .prepare(&format!("SELECT * FROM \"{table}\""))
        .map_err(|_| damaged("its vault is missing a table"))?;
    let n = read.column_count();
    let marks = vec!["?"; n].join(", ");
    let mut write = to
        .prepare(&format!("{verb} INTO main.\"{table}\" VALUES ({marks})"))
        .map_err(Error::from_sqlite)?;
    let mut rows = read.query([]).map_err(Error::from_sqlite)?;
    while let Some(row) = rows.next().map_err(Error::from_sqlite)? {
        let values = (0..n)
            .map(|i| row.get::<_, rusqlite::types::Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(Error::from_sqlite)?;
        write
            .execute(rusqlite::params_from_iter(values))
            .map_err(Error::from_sqlite)?;
    }
    Ok(())
}

/// Restores from backup bytes. Nothing changes unless it all succeeds.
pub fn restore_bytes(
    vault: &mut Vault,
    bytes: &[u8],
    passphrase: &str,
    mode: RestoreMode,
) -> Result<BackupReport> {
    let image = checked_image(&decrypt(bytes, passphrase)?)?;
    let (here_checkins, here_screeners) = counts(vault.conn(), "main")?;
    let mode = match mode {
        RestoreMode::Ask if here_checkins + here_screeners > 0 => {
            return Err(Error::RestoreNeedsChoice {
                checkins: here_checkins,
                screeners: here_screeners,
            });
        }
        RestoreMode::Ask => RestoreMode::Replace,
        m => m,
    };
    let (checkins, screeners) = counts(&image, "main")?;
    let tx = vault.conn_mut().transaction().map_err(Error::from_sqlite)?;
    match mode {
        RestoreMode::Add => {
            for t in RECORD_TABLES {
                copy_rows(&image, &tx, t, "INSERT OR IGNORE")?;
            }
            // A plan here stays; the backup's fills in only when there is none.
            copy_rows(&image, &tx, "safety_plan", "INSERT OR IGNORE")?;
        }
        RestoreMode::Replace | RestoreMode::Ask => {
            for t in tables(&tx)? {
                if crate::sync::local::is_sync_table(&t) {
                    // This device's own sync state stays as it is.
                    continue;
                }
                tx.execute(&format!("DELETE FROM main.\"{t}\""), [])
                    .map_err(Error::from_sqlite)?;
                copy_rows(&image, &tx, &t, "INSERT")?;
            }
        }
    }
    // With sync on, the other devices get what the restore brought (and, replacing, what it
    // took away), in the same transaction.
    crate::sync::records::queue_all(&tx, !matches!(mode, RestoreMode::Add))?;
    tx.commit().map_err(Error::from_sqlite)?;
    Ok(BackupReport {
        checkins,
        screeners,
        file_bytes: bytes.len() as u64,
    })
}

/// Restores from the backup file at `path`.
pub fn restore(
    vault: &mut Vault,
    path: &Path,
    passphrase: &str,
    mode: RestoreMode,
) -> Result<BackupReport> {
    let file = std::fs::File::open(path).map_err(Error::from_io)?;
    let mut bytes = Vec::new();
    file.take(MAX_BACKUP_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(Error::from_io)?;
    if bytes.len() as u64 > MAX_BACKUP_BYTES {
        return Err(damaged("it is far larger than any Peerline backup"));
    }
    restore_bytes(vault, &bytes, passphrase, mode)
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::checkins::{self, QuickCheckIn};
    use crate::screeners::{self, Instrument};
    use crate::vault::VaultKey;

    const PASS: &str = "correct horse battery";
    const FAST: u8 = 4;

    fn vault(dir: &tempfile::TempDir, name: &str) -> Vault {
        Vault::create(&dir.path().join(name), &VaultKey::generate()).unwrap()
    }

    fn fill(v: &Vault, note: &str) {
        let at = DateTime::parse_from_rfc3339("2026-11-20T23:30:00-05:00").unwrap();
        checkins::save(
            v,
            &QuickCheckIn {
                note: Some(note.into()),
                ..Default::default()
            },
            at,
        )
        .unwrap();
        screeners::save(v, Instrument::Phq9, &[1; 9], at).unwrap();
    }

    fn dump(v: &Vault) -> Vec<String> {
        let mut out = Vec::new();
        for t in ["checkins", "screener_results", "settings"] {
            let mut stmt = v
                .conn()
                .prepare(&format!("SELECT * FROM {t} ORDER BY 1"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get_ref(i).unwrap()))
                        .collect::<Vec<_>>()
                        .join("|"))
                })
                .unwrap();
            out.extend(rows.map(|r| format!("{t}: {}", r.unwrap())));
        }
        out
    }

    #[test]
    fn round_trip_into_an_empty_vault_is_identical_and_the_file_hides_the_note() {
        let dir = tempfile::tempdir().unwrap();
        let a = vault(&dir, "a.db");
        fill(&a, "MARKER-7f3a quiet note");
        let bytes = encrypt_with_work_factor(&a, PASS, FAST).unwrap();
        assert!(!bytes.windows(11).any(|w| w == b"MARKER-7f3a"));
        assert!(!bytes.windows(15).any(|w| w == b"SQLite format 3"));
        let mut b = vault(&dir, "b.db");
        let report = restore_bytes(&mut b, &bytes, PASS, RestoreMode::Ask).unwrap();
        assert_eq!((report.checkins, report.screeners), (1, 1));
        assert_eq!(dump(&a), dump(&b));
    }

    #[test]
    fn short_passphrases_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let a = vault(&dir, "a.db");
        let e = encrypt_with_work_factor(&a, "short", FAST).unwrap_err();
        assert_eq!(e.code(), "INVALID_INPUT");
    }

    #[test]
    fn wrong_passphrase_truncation_and_flipped_bits_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let a = vault(&dir, "a.db");
        fill(&a, "from the backup");
        let bytes = encrypt_with_work_factor(&a, PASS, FAST).unwrap();
        let mut b = vault(&dir, "b.db");
        fill(&b, "already here");
        let before = dump(&b);

        let e =
            restore_bytes(&mut b, &bytes, "not the passphrase", RestoreMode::Replace).unwrap_err();
        assert_eq!(e.code(), "BACKUP_WRONG_PASSPHRASE");
        for cut in [0, 10, bytes.len() / 2, bytes.len() - 1] {
            let e = restore_bytes(&mut b, &bytes[..cut], PASS, RestoreMode::Replace).unwrap_err();
            assert_eq!(e.code(), "BACKUP_DAMAGED", "cut at {cut}: {e}");
        }
        for pos in [20, 120, bytes.len() / 2, bytes.len() - 5] {
            let mut flipped = bytes.clone();
            flipped[pos] ^= 0x01;
            let e = restore_bytes(&mut b, &flipped, PASS, RestoreMode::Replace).unwrap_err();
            assert!(
                matches!(e.code(), "BACKUP_DAMAGED" | "BACKUP_WRONG_PASSPHRASE"),
                "flip at {pos}: {}",
                e.code()
            );
        }
        let e = restore_bytes(
            &mut b,
            b"not an age file at all",
            PASS,
            RestoreMode::Replace,
        )
        .unwrap_err();
        assert_eq!(e.code(), "BACKUP_DAMAGED");
        assert_eq!(dump(&b), before);
    }

    #[test]
    fn a_file_asking_for_more_scrypt_work_than_ours_is_refused_without_doing_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = vault(&dir, "a.db");
        let bytes = encrypt_with_work_factor(&a, PASS, FAST).unwrap();
        // The stanza line is "-> scrypt <salt> <log2 N>"; ask for one more than our own.
        let mac = bytes.windows(5).position(|w| w == b"\n--- ").unwrap();
        let end = mac + 1 + bytes[mac + 1..].iter().position(|&b| b == b'\n').unwrap();
        let header = std::str::from_utf8(&bytes[..end]).unwrap();
        let line = header
            .lines()
            .find(|l| l.starts_with("-> scrypt "))
            .unwrap();
        let greedy = format!("{} {}", line.rsplit_once(' ').unwrap().0, WORK_FACTOR + 1);
        let forged = [header.replacen(line, &greedy, 1).as_bytes(), &bytes[end..]].concat();
        let mut b = vault(&dir, "b.db");
        let e = restore_bytes(&mut b, &forged, PASS, RestoreMode::Replace).unwrap_err();
        assert_eq!(e.code(), "BACKUP_DAMAGED");
        assert!(e.to_string().contains("more work"), "{e}");
    }

    #[test]
    fn a_vault_with_records_asks_and_add_keeps_both() {
        let dir = tempfile::tempdir().unwrap();
        let a = vault(&dir, "a.db");
        fill(&a, "from the backup");
        let bytes = encrypt_with_work_factor(&a, PASS, FAST).unwrap();
        let mut b = vault(&dir, "b.db");
        fill(&b, "already here");
        let before = dump(&b);
        let e = restore_bytes(&mut b, &bytes, PASS, RestoreMode::Ask).unwrap_err();
        assert_eq!(e.code(), "RESTORE_NEEDS_CHOICE");
        assert!(e.to_string().contains("1 check-ins and 1 questionnaire"));
        assert_eq!(dump(&b), before, "asking changes nothing");

        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Add).unwrap();
        assert_eq!(checkins::recent(&b, 10).unwrap().len(), 2);
        // Adding the same backup twice adds nothing the second time.
        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Add).unwrap();
        assert_eq!(checkins::recent(&b, 10).unwrap().len(), 2);

        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Replace).unwrap();
        assert_eq!(dump(&b), dump(&a));
    }

    #[test]
    fn an_older_schema_is_brought_up_to_date() {
        let dir = tempfile::tempdir().unwrap();
        let old =
            Vault::create_at_version(&dir.path().join("old.db"), &VaultKey::generate(), 2).unwrap();
        old.conn()
            .execute_batch(
                "INSERT INTO checkins (id, recorded_at_utc, utc_offset_min, mood, stress, energy, sleep_half_hours)
                 VALUES ('x', '2026-01-01T00:00:00Z', 0, 3, 3, 3, 14);",
            )
            .unwrap();
        let bytes = encrypt_with_work_factor(&old, PASS, FAST).unwrap();
        let mut b = vault(&dir, "b.db");
        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Ask).unwrap();
        assert!(checkins::get(&b, "x").unwrap().is_some());
    }

    #[test]
    fn a_backup_carries_no_sync_keys_and_a_restore_keeps_this_devices() {
        use crate::sync::local::{self, SyncState};
        let state = |box_id: &str| SyncState {
            relay_url: "https://relay.example.org".into(),
            box_id: box_id.into(),
            box_secret: zeroize::Zeroizing::new("s".repeat(64)),
            record_key: zeroize::Zeroizing::new([3; 32]),
            device: 42,
            writer_counter: 0,
            hlc: crate::sync::hlc::Hlc {
                ms: 0,
                counter: 0,
                device: 42,
            },
            last_seq: 0,
            snapshot_bytes: 0,
        };
        let dir = tempfile::tempdir().unwrap();
        let a = vault(&dir, "a.db");
        local::save_state(a.conn(), &state("aaaa")).unwrap();
        fill(&a, "with sync on");
        let bytes = encrypt_with_work_factor(&a, PASS, FAST).unwrap();
        let mut b = vault(&dir, "b.db");
        local::save_state(b.conn(), &state("bbbb")).unwrap();
        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Replace).unwrap();
        let kept = local::state(b.conn()).unwrap().unwrap();
        assert_eq!(kept.box_id, "bbbb", "this device's own sync stays");
        let mut c = vault(&dir, "c.db");
        restore_bytes(&mut c, &bytes, PASS, RestoreMode::Replace).unwrap();
        assert!(
            local::state(c.conn()).unwrap().is_none(),
            "no keys came with it"
        );
        assert_eq!(checkins::recent(&c, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_restore_with_sync_on_queues_what_it_brought_and_what_it_took_away() {
        use crate::sync::local::{self, SyncState};
        use crate::sync::records;
        let dir = tempfile::tempdir().unwrap();
        let a = vault(&dir, "a.db");
        fill(&a, "in the backup");
        let bytes = encrypt_with_work_factor(&a, PASS, FAST).unwrap();

        let mut b = vault(&dir, "b.db");
        local::save_state(
            b.conn(),
            &SyncState {
                relay_url: "https://relay.example.org".into(),
                box_id: "bbbb".into(),
                box_secret: zeroize::Zeroizing::new("s".repeat(64)),
                record_key: zeroize::Zeroizing::new([3; 32]),
                device: 7,
                writer_counter: 0,
                hlc: crate::sync::hlc::Hlc {
                    ms: 0,
                    counter: 0,
                    device: 7,
                },
                last_seq: 0,
                snapshot_bytes: 0,
            },
        )
        .unwrap();
        let here = checkins::save(
            &b,
            &QuickCheckIn::default(),
            DateTime::parse_from_rfc3339("2026-11-21T08:00:00-05:00").unwrap(),
        )
        .unwrap();
        // As if the round had gone: nothing waits.
        b.conn().execute("DELETE FROM sync_outbox", []).unwrap();
        let queued = |v: &Vault| -> Vec<(String, bool)> {
            let mut q: Vec<_> = local::queued(v.conn())
                .unwrap()
                .into_iter()
                .map(|(_, c)| (c.table.clone(), c.is_delete()))
                .collect();
            q.sort();
            v.conn().execute("DELETE FROM sync_outbox", []).unwrap();
            q
        };

        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Add).unwrap();
        assert_eq!(
            queued(&b),
            vec![
                (records::CHECKIN.to_owned(), false),
                (records::SCREENER.to_owned(), false)
            ],
            "adding: what the backup brought, not what was already here"
        );
        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Add).unwrap();
        assert_eq!(
            queued(&b),
            vec![],
            "the same backup again brings nothing new"
        );

        restore_bytes(&mut b, &bytes, PASS, RestoreMode::Replace).unwrap();
        let q = queued(&b);
        assert!(
            q.contains(&(records::CHECKIN.to_owned(), true)),
            "replacing: the check-in it took away goes as a delete: {q:?}"
        );
        assert_eq!(q.iter().filter(|(_, d)| !d).count(), 2, "{q:?}");
        assert!(checkins::get(&b, &here.id).unwrap().is_none());
    }
}
