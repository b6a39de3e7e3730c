//! Coordinator commands: create a team, issue and revoke invites, sign and publish the
//! roster and the directory, see the team's counts. The team's private key stays in a
//! local file readable only by its owner; the relay only ever gets the public half.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use peerline_client::{ClientError, Coordinator, TeamKeyFile, TeamSettings};
use peerline_protocol::documents::{Directory, Roster};
use peerline_protocol::relay::BlobKind;

#[derive(Subcommand)]
pub enum Command {
    /// Team commands.
    #[command(subcommand)]
    Team(TeamCommand),
    /// Invite commands.
    #[command(subcommand)]
    Invite(InviteCommand),
    /// Roster commands.
    #[command(subcommand)]
    Roster(PublishCommand),
    /// Directory commands.
    #[command(subcommand)]
    Directory(PublishCommand),
}

#[derive(Subcommand)]
pub enum TeamCommand {
    /// Create a team on a relay; writes the team key file (keep it safe, 0600).
    Create {
        /// Relay base URL, e.g. https://relay.example.org
        #[arg(long)]
        relay: String,
        /// File holding the relay operator's admin token.
        #[arg(long)]
        admin_token_file: PathBuf,
        /// Where to write the team key file.
        #[arg(long, default_value = "team.key")]
        key_file: PathBuf,
        /// Seconds an urgent request may go unclaimed before it goes to every peer.
        #[arg(long, default_value_t = 180)]
        escalation_secs: u32,
        /// Anonymous request tokens one phone may get per day.
        #[arg(long, default_value_t = 20)]
        tokens_per_day: u32,
    },
    /// Show the team's counts (devices, open requests, versions).
    Status {
        /// The team key file.
        #[arg(long, default_value = "team.key")]
        key_file: PathBuf,
    },
    /// Print the program's figures as JSON: ended weeks pooled into periods of at least
    /// five requests, and peers on duty by hour.
    Figures {
        /// The team key file.
        #[arg(long, default_value = "team.key")]
        key_file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum InviteCommand {
    /// Issue an invite and print its link (paste it or turn it into a QR code).
    Issue {
        /// The team key file.
        #[arg(long, default_value = "team.key")]
        key_file: PathBuf,
        /// Days until it expires.
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// How many devices may join with it.
        #[arg(long, default_value_t = 1)]
        uses: u32,
    },
    /// List the team's invites.
    List {
        /// The team key file.
        #[arg(long, default_value = "team.key")]
        key_file: PathBuf,
    },
    /// Withdraw an invite.
    Revoke {
        /// The invite id (from `invite list`).
        invite_id: String,
        /// The team key file.
        #[arg(long, default_value = "team.key")]
        key_file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum PublishCommand {
    /// Validate FILE (JSON or TOML), sign it with the team key and publish it.
    SignPublish {
        /// The document.
        file: PathBuf,
        /// The team key file.
        #[arg(long, default_value = "team.key")]
        key_file: PathBuf,
        /// Version to publish; default: one above what the relay has.
        #[arg(long)]
        version: Option<u64>,
    },
}

/// Reads the team key file at `path` (the one format the console also reads).
fn load_key_file(path: &Path) -> Result<Coordinator, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("could not read the team key file {}: {e}", path.display()))?;
    let file = TeamKeyFile::parse(&bytes)
        .ok_or_else(|| format!("{} is not a team key file", path.display()))?;
    let key = file
        .key()
        .ok_or_else(|| format!("{} holds a damaged key", path.display()))?;
    Coordinator::open(&file.relay, &file.team_id, key).map_err(relay_err)
}

fn write_private(path: &Path, contents: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            format!(
                "{} already exists; refusing to overwrite a team key",
                path.display()
            )
        } else {
            format!("could not create {}: {e}", path.display())
        }
    })?;
    f.write_all(contents.as_bytes())
        .and_then(|_| f.sync_all())
        .map_err(|e| format!("could not write {}: {e}", path.display()))
}

fn relay_err(e: ClientError) -> String {
    e.to_string()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub async fn run(command: Command) -> Result<(), String> {
    match command {
        Command::Team(TeamCommand::Create {
            relay,
            admin_token_file,
            key_file,
            escalation_secs,
            tokens_per_day,
        }) => {
            if key_file.exists() {
                return Err(format!(
                    "{} already exists; refusing to overwrite a team key",
                    key_file.display()
                ));
            }
            let token = std::fs::read_to_string(&admin_token_file)
                .map_err(|e| format!("could not read {}: {e}", admin_token_file.display()))?;
            let coordinator = Coordinator::create_team(
                &relay,
                &token,
                TeamSettings {
                    escalation_secs: Some(escalation_secs),
                    tokens_per_day: Some(tokens_per_day),
                },
            )
            .await
            .map_err(relay_err)?;
            let json = serde_json::to_string_pretty(&TeamKeyFile::of(&coordinator))
                .map_err(|e| e.to_string())?;
            write_private(&key_file, &json)?;
            println!("{}", coordinator.team_id());
            eprintln!(
                "Team created. Its signing key is in {} (owner-only). Keep a backup somewhere safe.",
                key_file.display()
            );
            Ok(())
        }
        Command::Team(TeamCommand::Status { key_file }) => {
            let status = load_key_file(&key_file)?
                .status()
                .await
                .map_err(relay_err)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&status).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Team(TeamCommand::Figures { key_file }) => {
            let figures = load_key_file(&key_file)?
                .figures()
                .await
                .map_err(relay_err)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&figures).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Command::Invite(InviteCommand::Issue {
            key_file,
            days,
            uses,
        }) => {
            let coordinator = load_key_file(&key_file)?;
            if days == 0 || days > 365 {
                return Err("--days must be between 1 and 365".into());
            }
            let expires_at = now() + i64::from(days) * 86_400;
            let issued = coordinator
                .issue_invite(uses, expires_at)
                .await
                .map_err(relay_err)?;
            println!("{}", issued.invite.to_link());
            eprintln!(
                "Invite {} for {uses} device(s), valid {days} day(s). Share the link, or show it as a QR code.",
                issued.invite_id
            );
            Ok(())
        }
        Command::Invite(InviteCommand::List { key_file }) => {
            let list = load_key_file(&key_file)?
                .list_invites()
                .await
                .map_err(relay_err)?;
            for i in list {
                let state = if i.revoked {
                    "revoked"
                } else if i.expires_at <= now() {
                    "expired"
                } else if i.uses >= i.max_uses {
                    "used up"
                } else {
                    "active"
                };
                println!(
                    "{}  {state:8}  {}/{} used  expires {}",
                    i.invite_id, i.uses, i.max_uses, i.expires_at
                );
            }
            Ok(())
        }
        Command::Invite(InviteCommand::Revoke {
            invite_id,
            key_file,
        }) => {
            load_key_file(&key_file)?
                .revoke_invite(&invite_id)
                .await
                .map_err(relay_err)?;
            eprintln!("Invite {invite_id} revoked.");
            Ok(())
        }
        Command::Roster(PublishCommand::SignPublish {
            file,
            key_file,
            version,
        }) => publish(BlobKind::Roster, &file, &key_file, version).await,
        Command::Directory(PublishCommand::SignPublish {
            file,
            key_file,
            version,
        }) => publish(BlobKind::Directory, &file, &key_file, version).await,
    }
}

/// Reads a roster or directory (JSON or TOML by extension), validates it, and returns its
/// canonical JSON. Errors point at the line or the entry and field.
pub fn read_document(kind: BlobKind, path: &Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("could not read {}: {e}", path.display()))?;
    let is_toml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let shown = path.display();
    fn parse<T: serde::de::DeserializeOwned>(
        text: &str,
        toml: bool,
        shown: &str,
    ) -> Result<T, String> {
        if toml {
            toml::from_str(text).map_err(|e| format!("{shown}: {e}"))
        } else {
            serde_json::from_str(text).map_err(|e| format!("{shown}: {e}"))
        }
    }
    match kind {
        BlobKind::Roster => {
            let doc: Roster = parse(&text, is_toml, &shown.to_string())?;
            doc.validate().map_err(|e| format!("{shown}: {e}"))?;
            serde_json::to_vec(&doc).map_err(|e| e.to_string())
        }
        BlobKind::Directory => {
            let doc: Directory = parse(&text, is_toml, &shown.to_string())?;
            doc.validate().map_err(|e| format!("{shown}: {e}"))?;
            serde_json::to_vec(&doc).map_err(|e| e.to_string())
        }
    }
}

async fn publish(
    kind: BlobKind,
    path: &Path,
    key_file: &Path,
    version: Option<u64>,
) -> Result<(), String> {
    let payload = read_document(kind, path)?;
    let version = load_key_file(key_file)?
        .publish(kind, &payload, version)
        .await
        .map_err(relay_err)?;
    eprintln!("Published {} version {version}.", kind.as_str());
    Ok(())
}
