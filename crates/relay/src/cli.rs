//! Command-line interface: `serve` for the operator, the rest for coordinators.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use peerline_relay::push::PushConfig;
use peerline_relay::{Database, Limits, ServeConfig};

#[derive(Parser)]
#[command(
    name = "peerline-relay",
    version,
    about = "Peerline's blind relay and coordinator tools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the relay.
    Serve {
        /// Address to listen on. Anything but loopback needs --insecure-behind-proxy.
        #[arg(long, env = "PEERLINE_RELAY_LISTEN", default_value = "127.0.0.1:8787")]
        listen: SocketAddr,
        /// SQLite database file (created if missing), or a postgres:// URL that several
        /// relay nodes share.
        /// (`--help` never shows the variable's value: it may hold a password.)
        #[arg(long, env = "PEERLINE_RELAY_DATABASE", hide_env_values = true,
              default_value = "peerline-relay.db", value_parser = Database::parse)]
        database: Database,
        /// File holding the operator's admin token (needed to create teams).
        #[arg(long, env = "PEERLINE_RELAY_ADMIN_TOKEN_FILE")]
        admin_token_file: Option<PathBuf>,
        /// Serve plain HTTP on a non-loopback address because a TLS proxy is in front.
        #[arg(long, env = "PEERLINE_RELAY_INSECURE_BEHIND_PROXY")]
        insecure_behind_proxy: bool,
        /// Serve HTTPS with this PEM certificate chain (needs --tls-key).
        #[arg(long, env = "PEERLINE_RELAY_TLS_CERT", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The PEM private key for --tls-cert.
        #[arg(long, env = "PEERLINE_RELAY_TLS_KEY", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Largest request body accepted, in bytes.
        #[arg(long, default_value_t = Limits::default().max_body_bytes)]
        max_body_bytes: usize,
        /// Most simultaneous WebSocket connections.
        #[arg(long, default_value_t = Limits::default().max_websockets)]
        max_websockets: usize,
        /// Sustained requests per second allowed from one IP address.
        #[arg(long, default_value_t = Limits::default().per_ip_per_sec)]
        per_ip_per_sec: u32,
        /// Burst allowed from one IP address.
        #[arg(long, default_value_t = Limits::default().per_ip_burst)]
        per_ip_burst: u32,
        /// Sustained signed requests per second allowed from one device or coordinator.
        #[arg(long, default_value_t = Limits::default().per_signer_per_sec)]
        per_signer_per_sec: u32,
        /// Burst allowed from one device or coordinator.
        #[arg(long, default_value_t = Limits::default().per_signer_burst)]
        per_signer_burst: u32,
        /// The operator's contact that push services see with each wake-up (RFC 8292):
        /// `mailto:you@agency.example` or an `https://` page. Some services refuse pushes
        /// without a real one.
        #[arg(long, env = "PEERLINE_RELAY_PUSH_CONTACT", value_parser = parse_contact,
              default_value_t = PushConfig::default().contact)]
        push_contact: String,
    },
    #[command(flatten)]
    Coordinator(coordinator::Command),
}

mod coordinator;

/// A VAPID contact: `mailto:` or `https:` (RFC 8292 section 2.1).
fn parse_contact(s: &str) -> Result<String, String> {
    if (s.starts_with("mailto:") && s.len() > "mailto:".len() && s.contains('@'))
        || s.starts_with("https://")
    {
        Ok(s.to_owned())
    } else {
        Err("give a mailto: address or an https:// page".into())
    }
}

pub fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Serve {
                listen,
                database,
                admin_token_file,
                insecure_behind_proxy,
                tls_cert,
                tls_key,
                max_body_bytes,
                max_websockets,
                per_ip_per_sec,
                per_ip_burst,
                per_signer_per_sec,
                per_signer_burst,
                push_contact,
            } => {
                let admin_token = match admin_token_file {
                    Some(p) => Some(
                        std::fs::read_to_string(&p)
                            .map_err(|e| {
                                format!("could not read the admin token file {}: {e}", p.display())
                            })?
                            .trim()
                            .to_owned(),
                    ),
                    None => None,
                };
                serve(ServeConfig {
                    listen,
                    database,
                    admin_token,
                    insecure_behind_proxy,
                    tls: tls_cert
                        .zip(tls_key)
                        .map(|(cert, key)| peerline_relay::TlsFiles { cert, key }),
                    limits: Limits {
                        max_body_bytes,
                        max_websockets,
                        per_ip_per_sec,
                        per_ip_burst,
                        per_signer_per_sec,
                        per_signer_burst,
                        ..Limits::default()
                    },
                    push: PushConfig {
                        contact: push_contact,
                        ..PushConfig::default()
                    },
                })
                .await
            }
            Command::Coordinator(c) => coordinator::run(c).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(config: ServeConfig) -> Result<(), String> {
    let mut relay = peerline_relay::start(config)
        .await
        .map_err(|e| e.to_string())?;
    let trigger = relay.take_shutdown();
    tokio::spawn(async move {
        // Ctrl-C at a terminal, SIGTERM from systemd (`systemctl stop`) or a container:
        // both finish the requests in flight before the process ends.
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        if let Some(t) = trigger {
            let _ = t.send(());
        }
    });
    relay.wait().await.map_err(|e| e.to_string())
}
