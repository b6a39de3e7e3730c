//! The one error type of `peerline-core`. Every variant has a stable code (for the UI to
//! branch on) and a sentence that tells an officer what happened and what to do next.
//! Messages never carry check-in content, passcodes or keys.

use peerline_protocol::ErrorBody;

/// Result with the core error.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The vault is locked and the operation needs it open.
    #[error("Your vault is locked. Enter your passcode to open it.")]
    Locked,
    /// A fault inside the app (a worker stopped); nothing was changed.
    #[error(
        "Something went wrong inside the app. Nothing was lost; please close and reopen Peerline."
    )]
    Internal,
    /// The passcode did not open the vault. The attempt was counted.
    #[error("That passcode is not right. Nothing was changed.")]
    WrongPasscode,
    /// Too many wrong passcodes; wait before the next try.
    #[error("Too many wrong passcodes. For your safety, try again in {}.", wait_words(*retry_after_secs))]
    TooManyAttempts {
        /// Seconds until the next attempt is allowed.
        retry_after_secs: u64,
    },
    /// The chosen passcode is too short.
    #[error("Choose a passcode of at least {min} characters.")]
    PasscodeTooShort {
        /// Minimum length.
        min: usize,
    },
    /// A passcode is needed here (no credential store, or the operation needs one).
    #[error("{0}")]
    PasscodeRequired(&'static str),
    /// A vault already exists here.
    #[error("A vault already exists on this device. Open it, or erase everything to start over.")]
    VaultExists,
    /// There is no vault yet.
    #[error("There is no vault on this device yet. Set one up to begin.")]
    NoVault,
    /// The database is damaged (flipped bytes, cut short, missing).
    #[error(
        "Your vault file is damaged: {detail}. Nothing has been deleted or overwritten. You can set the damaged copy aside and start a new vault, or erase everything."
    )]
    VaultCorrupt {
        /// What was found, in plain words.
        detail: String,
    },
    /// The vault was written by a newer app.
    #[error(
        "This vault was written by a newer version of Peerline (schema {found}, this app knows {supported}). Update the app; nothing was changed."
    )]
    VaultTooNew {
        /// Schema version on disk.
        found: usize,
        /// Latest schema this build knows.
        supported: usize,
    },
    /// The metadata file is unreadable.
    #[error("The vault's settings file is damaged: {0}. Nothing has been deleted.")]
    MetaCorrupt(String),
    /// The key is gone from the credential store and no passcode copy exists.
    #[error(
        "The key that opens your vault is missing from this device's credential store, and there is no passcode copy to recover it. Nothing has been deleted. If the key cannot be restored, erase everything to start over."
    )]
    KeyMissing,
    /// The credential store failed.
    #[error(
        "This device's credential store is not answering ({0}). Try again; if it keeps failing, restart the device."
    )]
    CredentialStore(String),
    /// The disk is full.
    #[error(
        "This device is out of storage space, so nothing new was saved. Everything saved before is safe. Free some space and try again."
    )]
    DiskFull,
    /// Other file-system failure.
    #[error("Could not read or write the vault's files ({0}). Nothing was lost; try again.")]
    Io(#[source] std::io::Error),
    /// Other database failure.
    #[error("The vault could not complete that ({0}). Nothing was lost; try again.")]
    Database(#[source] rusqlite::Error),
    /// The relay could not be reached (offline, down, TLS failure).
    #[error(
        "Peerline can't reach your team's relay right now ({0}). Anything you sent is kept and will go out when the connection is back."
    )]
    RelayUnreachable(String),
    /// The relay refused; its own words.
    #[error("{message}")]
    RelayRefused {
        /// The relay's code, when it is one the relay defines.
        code: Option<peerline_client::ErrorCode>,
        /// The relay's message.
        message: String,
    },
    /// The invite is malformed, expired, used up or withdrawn.
    #[error("{0}")]
    InviteInvalid(String),
    /// A roster or reply failed verification; it was not used.
    #[error("{0}")]
    NotAuthentic(String),
    /// No team joined yet.
    #[error("This phone has not joined a peer team yet. Ask your coordinator for an invite.")]
    NotJoined,
    /// Nobody to send to.
    #[error(
        "Your team has no peer supporters listed yet. Call or text 988 now if you need someone; your coordinator can add peers."
    )]
    NoPeers,
    /// Another peer claimed first.
    #[error("Another peer has already taken this request.")]
    AlreadyTaken,
    /// Input that does not fit (out of range, too long, wrong state).
    #[error("{0}")]
    InvalidInput(String),
    /// The record asked for is not there (deleted meanwhile).
    #[error("{0}")]
    NotFound(&'static str),
    /// The backup's passphrase is not the one it was made with.
    #[error(
        "That passphrase does not open this backup. Check it and try again; nothing was changed."
    )]
    BackupPassphrase,
    /// The backup file is damaged, cut short or not a Peerline backup.
    #[error("This backup file can't be used: {0}. Nothing was changed on this phone.")]
    BackupDamaged(String),
    /// Restoring would touch records already on this phone; the officer must choose.
    #[error(
        "This phone already holds {checkins} check-ins and {screeners} questionnaire results. Choose whether to add the backup to them or to replace them; nothing has been changed yet."
    )]
    RestoreNeedsChoice {
        /// Check-ins on this phone now.
        checkins: u64,
        /// Screener results on this phone now.
        screeners: u64,
    },
    /// A newer agency directory failed verification; it was not installed.
    #[error("Your agency's directory update was not installed: {reason}. {}", directory_kept_words(*kept))]
    DirectoryRefused {
        /// What was wrong, in plain words.
        reason: String,
        /// Whether a good earlier copy is still in use.
        kept: bool,
    },
    /// A link outside the allow-list (only tel:, sms: and https: are opened).
    #[error(
        "Peerline only opens phone calls, text messages and secure (https) web pages, so this link was not opened."
    )]
    LinkNotAllowed,
}

impl Error {
    /// The stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Locked => "VAULT_LOCKED",
            Self::WrongPasscode => "WRONG_PASSCODE",
            Self::TooManyAttempts { .. } => "TOO_MANY_ATTEMPTS",
            Self::PasscodeTooShort { .. } => "PASSCODE_TOO_SHORT",
            Self::PasscodeRequired(_) => "PASSCODE_REQUIRED",
            Self::VaultExists => "VAULT_EXISTS",
            Self::NoVault => "NO_VAULT",
            Self::VaultCorrupt { .. } => "VAULT_CORRUPT",
            Self::VaultTooNew { .. } => "VAULT_TOO_NEW",
            Self::MetaCorrupt(_) => "VAULT_SETTINGS_CORRUPT",
            Self::KeyMissing => "KEY_MISSING",
            Self::CredentialStore(_) => "CREDENTIAL_STORE_UNAVAILABLE",
            Self::DiskFull => "DISK_FULL",
            Self::Io(_) => "STORAGE_ERROR",
            Self::Database(_) => "DATABASE_ERROR",
            Self::InvalidInput(_) => "INVALID_INPUT",
            Self::RelayUnreachable(_) => "RELAY_UNREACHABLE",
            Self::Internal => "INTERNAL",
            Self::RelayRefused { .. } => "RELAY_REFUSED",
            Self::InviteInvalid(_) => "INVITE_INVALID",
            Self::NotAuthentic(_) => "NOT_AUTHENTIC",
            Self::NotJoined => "NOT_JOINED",
            Self::NoPeers => "NO_PEERS",
            Self::AlreadyTaken => "ALREADY_TAKEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BackupPassphrase => "BACKUP_WRONG_PASSPHRASE",
            Self::BackupDamaged(_) => "BACKUP_DAMAGED",
            Self::RestoreNeedsChoice { .. } => "RESTORE_NEEDS_CHOICE",
            Self::DirectoryRefused { .. } => "DIRECTORY_REFUSED",
            Self::LinkNotAllowed => "LINK_NOT_ALLOWED",
        }
    }

    /// The `{code, message}` body the UI receives.
    pub fn to_body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_owned(),
            message: self.to_string(),
            retry_after_secs: match self {
                Self::TooManyAttempts { retry_after_secs } => Some(*retry_after_secs),
                _ => None,
            },
        }
    }

    pub(crate) fn from_io(e: std::io::Error) -> Self {
        if is_disk_full(&e) {
            Self::DiskFull
        } else {
            Self::Io(e)
        }
    }

    pub(crate) fn from_sqlite(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        match e.sqlite_error_code() {
            Some(C::DiskFull) => Self::DiskFull,
            Some(C::NotADatabase) => Self::VaultCorrupt {
                detail: "it is not readable as a vault (bytes changed or the file was replaced)"
                    .into(),
            },
            Some(C::DatabaseCorrupt) => Self::VaultCorrupt {
                detail: "some of its pages are damaged or cut short".into(),
            },
            _ => Self::Database(e),
        }
    }

    pub(crate) fn from_migration(e: rusqlite_migration::Error) -> Self {
        match e {
            rusqlite_migration::Error::RusqliteError { err, .. } => Self::from_sqlite(err),
            other => {
                Self::InvalidInput(format!("The vault's schema could not be upgraded: {other}"))
            }
        }
    }
}

impl From<peerline_client::ClientError> for Error {
    fn from(e: peerline_client::ClientError) -> Self {
        use peerline_client::ClientError as C;
        match e {
            C::InvalidAddress => Self::InviteInvalid("The relay address in this invite is not valid.".into()),
            C::InsecureAddress => Self::InviteInvalid(
                "This invite points at a relay without encryption in transit (https). Peerline will not use it; ask your coordinator.".into(),
            ),
            C::Unreachable(why) => Self::RelayUnreachable(why.to_string()),
            // Down or overloaded: keep what was sent and try again later.
            C::Refused { status, body } if status >= 500 => Self::RelayUnreachable(body.message),
            C::Refused { body, .. } => Self::RelayRefused {
                code: body.relay_code(),
                message: body.message,
            },
            C::BadAnswer(_) => {
                Self::RelayUnreachable("the relay's answer could not be read".into())
            }
        }
    }
}

fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28)
}

fn directory_kept_words(kept: bool) -> &'static str {
    if kept {
        "The list you had is kept and still works; tell your coordinator so they can publish a corrected one."
    } else {
        "The national crisis lines and resources still work; tell your coordinator so they can publish a corrected list."
    }
}

fn wait_words(secs: u64) -> String {
    match secs {
        0..=1 => "a second".into(),
        2..=59 => format!("{secs} seconds"),
        60 => "a minute".into(),
        _ => format!("{} minutes", secs.div_ceil(60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_are_sentences() {
        let e = Error::TooManyAttempts {
            retry_after_secs: 90,
        };
        assert_eq!(e.code(), "TOO_MANY_ATTEMPTS");
        let body = e.to_body();
        assert_eq!(body.retry_after_secs, Some(90));
        assert!(body.message.contains("2 minutes"), "{}", body.message);
        assert_eq!(Error::WrongPasscode.to_body().code, "WRONG_PASSCODE");
    }

    #[test]
    fn enospc_becomes_disk_full() {
        let e = std::io::Error::from_raw_os_error(28);
        assert_eq!(Error::from_io(e).code(), "DISK_FULL");
    }
}
