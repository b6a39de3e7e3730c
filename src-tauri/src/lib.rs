//! Peerline's Tauri shell: app state, the IPC commands, window lifecycle → auto-lock.
//! All behaviour lives in `peerline-core`.

mod commands;
#[cfg(feature = "demo")]
pub mod demo;
mod directory_commands;
mod state;
mod talk_commands;
mod wellness_commands;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod generated;
#[cfg(test)]
mod licences;

use std::path::PathBuf;
use std::time::Duration;

use peerline_core::session::{Session, SessionConfig};
use tauri::{Emitter as _, Manager as _, WindowEvent};
use tracing::{error, info};

use crate::state::AppState;

/// Where the vault lives: `PEERLINE_DATA_DIR` when set (tests, demos), else the platform's
/// per-app data directory.
fn data_dir(app: &tauri::App) -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("PEERLINE_DATA_DIR") {
        return Ok(PathBuf::from(dir));
    }
    app.path()
        .app_data_dir()
        .map_err(|e| format!("no app data directory: {e}"))
}

/// When `run` began, for the start-up figure in the log.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();

    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init());
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_biometric::init());

    let result = builder
        .setup(|app| {
            let dir = data_dir(app)?;
            info!(dir = %dir.display(), "starting");
            let state = AppState::new(Session::start(SessionConfig::probe(dir)));
            app.manage(state.clone());
            app.manage(wellness_commands::PickedBackup::default());
            spawn_auto_lock_timer(app.handle().clone(), state.clone());
            spawn_reminder_timer(app.handle().clone(), state.clone());
            spawn_outbox_flusher(state.clone());
            spawn_live_updates(app.handle().clone(), state);
            let demo = DemoInvite::default();
            #[cfg(feature = "demo")]
            if std::env::var_os("PEERLINE_DEMO").is_some_and(|v| v == "1") {
                let slot = demo.0.clone();
                tauri::async_runtime::spawn(async move {
                    match demo::start().await {
                        Ok(d) => {
                            if let Ok(mut s) = slot.lock() {
                                *s = Some(d.invite.clone());
                            }
                            // Hold the relay for the life of the app.
                            let _relay = d.relay;
                            std::future::pending::<()>().await;
                        }
                        Err(e) => error!(error = %e, "demo team could not start"),
                    }
                });
            }
            #[cfg(not(feature = "demo"))]
            if std::env::var_os("PEERLINE_DEMO").is_some_and(|v| v == "1") {
                error!("this build has no demo mode (built without the `demo` feature)");
            }
            app.manage(demo);
            Ok(())
        })
        .on_window_event(|window, event| {
            let Some(state) = window.try_state::<AppState>() else {
                return;
            };
            match event {
                WindowEvent::Focused(false) => {
                    state.with(|s| s.app_backgrounded());
                }
                WindowEvent::Focused(true) => {
                    if let Some(status) = state.with(|s| s.app_foregrounded()) {
                        let _ = window.emit("vault-status", status);
                    }
                }
                _ => {}
            }
        })
        .invoke_handler(handlers())
        .run(tauri::generate_context!());
    if let Err(e) = result {
        error!(error = %e, "the app stopped with an error");
        std::process::exit(1);
    }
}

/// Checks the auto-lock deadline while the app sits in the background, and tells the UI
/// when the vault locked so it can cover the screen at once.
fn spawn_auto_lock_timer(app: tauri::AppHandle, state: AppState) {
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(10));
            let changed = state.with(|s| {
                let before = s.status();
                s.tick();
                let after = s.status();
                (before != after).then_some(after)
            });
            if let Some(Some(status)) = changed {
                let _ = app.emit("vault-status", status);
            }
        }
    });
}

/// Shows the daily check-in reminder when it is due. Its words are fixed in core and say
/// nothing from the vault, so it is safe on a lock screen.
fn spawn_reminder_timer(app: tauri::AppHandle, state: AppState) {
    use tauri_plugin_notification::NotificationExt as _;
    std::thread::spawn(move || {
        loop {
            std::thread::sleep(Duration::from_secs(30));
            if state.with(|s| s.take_due_reminder()) == Some(true) {
                let _ = app
                    .notification()
                    .builder()
                    .title(peerline_core::reminders::TITLE)
                    .body(peerline_core::reminders::TEXT)
                    .show();
            }
        }
    });
}

/// Keeps a WebSocket to the team's relay open while the vault is open and this device
/// has peer keys: each content-free event wakes the UI, and a new request raises a system
/// notification whose text says nothing private.
fn spawn_live_updates(app: tauri::AppHandle, state: AppState) {
    use tauri_plugin_notification::NotificationExt as _;
    tauri::async_runtime::spawn(async move {
        loop {
            let session = state.session();
            let ready = state
                .with(|s| {
                    s.vault()
                        .ok()
                        .map(|v| {
                            peerline_core::talk::team::load_membership(v)
                                .ok()
                                .flatten()
                                .is_some()
                                && peerline_core::talk::peer::has_identity(v).unwrap_or(false)
                        })
                        .unwrap_or(false)
                })
                .unwrap_or(false);
            if ready {
                let app = app.clone();
                let _ = peerline_core::talk::events::watch_team(&*session, move |event| {
                    if let Some(text) = peerline_core::talk::events::notification_text(&event) {
                        let _ = app
                            .notification()
                            .builder()
                            .title("Peerline")
                            .body(text)
                            .show();
                    }
                    let _ = app.emit("peer-event", event.request_id().to_owned());
                })
                .await;
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
    });
}

/// The demo team's invite, once demo mode has set it up (never, in a build without it).
#[derive(Default, Clone)]
pub struct DemoInvite(pub std::sync::Arc<std::sync::Mutex<Option<String>>>);

/// Sends queued requests when the relay is reachable again. Quiet when there is nothing
/// to send or the vault is locked.
fn spawn_outbox_flusher(state: AppState) {
    tauri::async_runtime::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_secs(15)).await;
            let session = state.session();
            let _ = peerline_core::talk::officer::flush_outbox(&*session).await;
            // Keeps escalation and replies moving even when no screen is polling.
            let _ = peerline_core::talk::officer::refresh_open(&*session).await;
            // Refill anonymous tokens at random moments (about every five minutes while
            // low), never in step with a request.
            let _ = peerline_core::talk::tokens::top_up_at_random(&*session, 20).await;
        }
    });
}

/// One list of commands for every platform; mobile adds the biometric unlock.
macro_rules! commands {
    ($($extra:ident),*) => {{
        use commands::*;
        use talk_commands::*;
        use wellness_commands::*;
        use directory_commands::*;
        tauri::generate_handler![
            first_screen_shown,
            vault_status,
            vault_retry,
            vault_create,
            vault_unlock,
            vault_lock,
            vault_set_passcode,
            vault_remove_passcode,
            vault_set_auto_lock,
            vault_erase,
            vault_set_aside_damaged,
            checkin_save,
            checkin_recent,
            checkin_delete,
            team_join,
            team_info,
            team_sync,
            talk_ask,
            talk_requests,
            talk_refresh,
            talk_cancel,
            peer_keys,
            peer_duty,
            peer_inbox,
            peer_claim,
            peer_reply,
            peer_close,
            demo_invite,
            team_leave,
            settings_contact,
            settings_set_contact,
            settings_role,
            settings_set_role,
            screener_form,
            screener_submit,
            screener_history,
            checkin_update,
            trends,
            reminder_get,
            reminder_set,
            export_save,
            backup_save,
            backup_choose,
            backup_restore,
            directory_builtin,
            directory_search,
            directory_info,
            directory_sync,
            directory_open,
            $($extra,)*
        ]
    }};
}

#[cfg(desktop)]
fn handlers() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    commands!()
}

#[cfg(mobile)]
fn handlers() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    commands!(vault_unlock_biometric)
}
