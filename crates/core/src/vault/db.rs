//! The SQLCipher database behind the vault.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::files;
use super::key::VaultKey;
use super::migrations;
use crate::error::{Error, Result};

/// An open, unlocked vault database.
pub struct Vault {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").field("path", &self.path).finish()
    }
}

impl Vault {
    /// Creates a new encrypted database at `path` and brings it to the latest schema.
    /// Refuses to touch an existing file.
    pub fn create(path: &Path, key: &VaultKey) -> Result<Self> {
        Self::create_at_version(path, key, migrations::LATEST)
    }

    pub(crate) fn create_at_version(path: &Path, key: &VaultKey, version: usize) -> Result<Self> {
        if path.exists() {
            return Err(Error::VaultExists);
        }
        // Create the file ourselves first so it is private from its first byte.
        files::create_private(path).map_err(Error::from_io)?;
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(Error::from_sqlite)?;
        apply_key_and_pragmas(&conn, key)?;
        migrations::migrations()
            .to_version(&mut conn, version)
            .map_err(Error::from_migration)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// Opens an existing vault with its key, checks every page, and migrates the schema.
    /// Never creates a database: a missing or empty file is reported, not replaced.
    pub fn open(path: &Path, key: &VaultKey) -> Result<Self> {
        match std::fs::metadata(path) {
            Ok(m) if m.len() == 0 => {
                return Err(Error::VaultCorrupt {
                    detail: "the vault file is empty (cut short)".into(),
                });
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::VaultCorrupt {
                    detail: "the vault file is missing while its settings say it exists".into(),
                });
            }
            Err(e) => return Err(Error::from_io(e)),
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(Error::from_sqlite)?;
        apply_key_and_pragmas(&conn, key)?;
        check_integrity(&conn)?;
        let version: usize = conn
            .query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))
            .map_err(Error::from_sqlite)?
            .try_into()
            .unwrap_or(0);
        if version == 0 {
            return Err(Error::VaultCorrupt {
                detail: "the vault file holds no schema (it is not the vault that was created)"
                    .into(),
            });
        }
        if version > migrations::LATEST {
            return Err(Error::VaultTooNew {
                found: version,
                supported: migrations::LATEST,
            });
        }
        migrations::migrations()
            .to_latest(&mut conn)
            .map_err(Error::from_migration)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
        })
    }

    /// The connection, for the modules that keep records in the vault.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Mutable connection (transactions).
    pub fn conn_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The schema version in use.
    pub fn schema_version(&self) -> Result<usize> {
        let v: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(Error::from_sqlite)?;
        Ok(usize::try_from(v).unwrap_or(0))
    }

    /// Folds the WAL back into the main file (used before lock and backup).
    pub fn checkpoint(&self) -> Result<()> {
        self.conn
            .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
            .map_err(Error::from_sqlite)
    }

    /// Closes the database, reporting any error instead of dropping it.
    pub fn close(self) -> Result<()> {
        self.conn.close().map_err(|(_, e)| Error::from_sqlite(e))
    }
}

fn apply_key_and_pragmas(conn: &Connection, key: &VaultKey) -> Result<()> {
    // SQLCipher would otherwise print "hmac check failed" on stderr for a damaged page.
    let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE;");
    let value = key.sqlcipher_pragma_value();
    conn.pragma_update(None, "key", &*value)
        .map_err(Error::from_sqlite)?;
    // The first real read is where a wrong key or a damaged header shows up.
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    })
    .map_err(Error::from_sqlite)?;
    // WAL keeps readers and the writer apart and makes a crash mid-write harmless;
    // synchronous=NORMAL is durable across app crashes and loses at most the last commit
    // on a power cut, which is the usual trade for a phone app.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY;",
    )
    .map_err(Error::from_sqlite)?;
    Ok(())
}

/// Reads every page once: with SQLCipher each page carries an HMAC, so a flipped or missing
/// byte anywhere is found here, at open, rather than mid-way through some later screen.
fn check_integrity(conn: &Connection) -> Result<()> {
    let verdict: String = conn
        .query_row("PRAGMA quick_check(1)", [], |r| r.get(0))
        .map_err(Error::from_sqlite)?;
    if verdict != "ok" {
        return Err(Error::VaultCorrupt {
            detail: "the integrity check found damaged pages".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rusqlite::params;

    /// Writes what a vault at schema `v` would hold, using only that version's tables.
    fn seed(conn: &Connection, v: usize) {
        if v >= 1 {
            conn.execute(
                "INSERT INTO settings (key, value) VALUES ('reminder_time', '21:00')",
                [],
            )
            .unwrap();
        }
        if v >= 2 {
            conn.execute(
                "INSERT INTO checkins (id, recorded_at_utc, utc_offset_min, mood, stress, energy,
                   sleep_half_hours, tags, note)
                 VALUES ('c1', '2026-11-01T03:00:00Z', -300, 2, 4, 2, 9, '[\"court\"]', 'long shift')",
                [],
            )
            .unwrap();
        }
    }

    fn verify(conn: &Connection, v: usize) {
        if v >= 1 {
            let t: String = conn
                .query_row(
                    "SELECT value FROM settings WHERE key = 'reminder_time'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(t, "21:00");
        }
        if v >= 2 {
            let (mood, note): (i64, String) = conn
                .query_row("SELECT mood, note FROM checkins WHERE id = 'c1'", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .unwrap();
            assert_eq!((mood, note.as_str()), (2, "long shift"));
        }
    }

    #[test]
    fn upgrades_a_database_written_by_every_earlier_schema_version() {
        for v in 1..=migrations::LATEST {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("vault.db");
            let key = VaultKey::generate();
            {
                let vault = Vault::create_at_version(&path, &key, v).unwrap();
                assert_eq!(vault.schema_version().unwrap(), v);
                seed(vault.conn(), v);
                vault.close().unwrap();
            }
            let vault = Vault::open(&path, &key).unwrap();
            assert_eq!(
                vault.schema_version().unwrap(),
                migrations::LATEST,
                "from v{v}"
            );
            verify(vault.conn(), v);
            seed_latest_still_works(vault.conn());
        }
    }

    fn seed_latest_still_works(conn: &Connection) {
        conn.execute(
            "INSERT INTO checkins (id, recorded_at_utc, utc_offset_min, mood, stress, energy, sleep_half_hours)
             VALUES (?1, '2026-11-02T03:00:00Z', 0, 3, 3, 3, 14)",
            params!["after-upgrade"],
        )
        .unwrap();
    }

    #[test]
    fn wrong_key_is_not_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        Vault::create(&path, &VaultKey::generate())
            .unwrap()
            .close()
            .unwrap();
        let err = Vault::open(&path, &VaultKey::generate()).unwrap_err();
        assert_eq!(err.code(), "VAULT_CORRUPT");
    }

    #[test]
    fn create_refuses_an_existing_file_and_open_refuses_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let key = VaultKey::generate();
        Vault::create(&path, &key).unwrap().close().unwrap();
        assert_eq!(
            Vault::create(&path, &key).unwrap_err().code(),
            "VAULT_EXISTS"
        );
        let missing = dir.path().join("nope.db");
        assert_eq!(
            Vault::open(&missing, &key).unwrap_err().code(),
            "VAULT_CORRUPT"
        );
        assert!(!missing.exists(), "open must never create a database");
    }

    #[test]
    fn uses_wal_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vault.db");
        let vault = Vault::create(&path, &VaultKey::generate()).unwrap();
        let mode: String = vault
            .conn()
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
