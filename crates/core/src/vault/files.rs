//! The files a vault is made of, and creating them readable by this user only.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// The SQLCipher database.
pub const DB_FILE: &str = "vault.db";
/// The metadata file (custody, wrapped key, lock settings).
pub const META_FILE: &str = "vault.json";
/// Damaged vaults are moved into directories with this prefix, never deleted silently.
pub const DAMAGED_PREFIX: &str = "damaged-";

/// Writes `bytes` to `path`, readable by this user only, so that readers see either the old
/// file or the new one: a crash or a full disk leaves the previous version (or nothing)
/// and no half-written file.
pub fn write_private_atomically(path: &Path, bytes: &[u8]) -> crate::Result<()> {
    use std::io::Write as _;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!("{name}.tmp"));
    let result = (|| -> io::Result<()> {
        let mut f = create_private(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            // Make the rename itself durable.
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&tmp);
        return Err(crate::Error::from_io(e));
    }
    Ok(())
}

/// Paths of one vault.
#[derive(Debug, Clone)]
pub struct VaultPaths {
    dir: PathBuf,
}

impl VaultPaths {
    /// Paths of the vault in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The database file.
    pub fn db(&self) -> PathBuf {
        self.dir.join(DB_FILE)
    }

    /// The metadata file.
    pub fn meta(&self) -> PathBuf {
        self.dir.join(META_FILE)
    }

    /// The database and the side files SQLite may keep next to it.
    pub fn db_files(&self) -> [PathBuf; 3] {
        let db = self.db();
        let wal = sidecar(&db, "-wal");
        let shm = sidecar(&db, "-shm");
        [db, wal, shm]
    }

    /// Every file or directory in the data directory that belongs to the vault, present now.
    pub fn existing_vault_entries(&self) -> io::Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("vault.") || name.starts_with(DAMAGED_PREFIX) {
                out.push(entry.path());
            }
        }
        out.sort();
        Ok(out)
    }
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Creates (or truncates) a file only this user can read.
pub fn create_private(path: &Path) -> io::Result<fs::File> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Creates the data directory, only this user can enter it.
pub fn ensure_private_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Removes a file or a directory tree; absent is fine.
pub fn remove_entry(path: &Path) -> io::Result<()> {
    let res = if path.is_dir() {
        fs::remove_dir_all(path)
    } else {
        fs::remove_file(path)
    };
    match res {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}
