//! Peerline's Tauri shell: the IPC commands, window focus → the engine, and the engine's
//! events → the UI and OS notifications. All behaviour, every timer included, lives in
//! `peerline-core`'s engine.

mod commands;
mod console_commands;
#[cfg(feature = "demo")]
pub mod demo;
#[cfg(desktop)]
mod desktop_commands;
mod directory_commands;
mod invite_link;
mod notify;
mod state;
mod sync_commands;
mod talk_commands;
#[cfg(desktop)]
mod tray;
mod wellness_commands;

#[cfg(test)]
mod bindings;
#[cfg(test)]
mod generated;
#[cfg(test)]
mod licences;
#[cfg(test)]
mod signatures;

use std::path::PathBuf;

use peerline_core::engine::{CoreEvent, Engine};
use peerline_core::session::{Session, SessionConfig};
use tauri::{Emitter as _, Manager as _, WindowEvent};
use tokio::sync::broadcast;
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

    let builder = tauri::Builder::default();
    // First, so a second start hands over its link and exits before anything else runs.
    #[cfg(desktop)]
    let builder = builder.plugin(
        tauri_plugin_single_instance::Builder::new()
            .callback(|app, argv, _cwd| invite_link::second_start(app, argv))
            .dbus_id(invite_link::instance_id("app.peerline"))
            .build(),
    );
    let builder = builder
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init());
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_biometric::init());
    #[cfg(desktop)]
    let builder = builder.plugin(
        tauri_plugin_autostart::Builder::new()
            .arg(desktop_commands::HIDDEN_ARG)
            .build(),
    );

    let result = builder
        .setup(|app| {
            let dir = data_dir(app)?;
            info!(dir = %dir.display(), "starting");
            let engine = Engine::new(Session::start(SessionConfig::probe(dir)));
            #[cfg(desktop)]
            let duty_item = Some(tray::install(app, &engine)?);
            #[cfg(not(desktop))]
            let duty_item = None;
            forward_events(app.handle().clone(), engine.subscribe(), duty_item);
            #[cfg(desktop)]
            if std::env::args().any(|a| a == desktop_commands::HIDDEN_ARG)
                && let Some(w) = app.get_webview_window("main")
            {
                // Started at login: in the tray only, until the peer opens it.
                let _ = w.hide();
            }
            let driver = engine.clone();
            tauri::async_runtime::spawn(async move { driver.run().await });
            app.manage(AppState::new(engine));
            app.manage(wellness_commands::PickedBackup::default());
            let opened = invite_link::OpenedInvite::default();
            if let Some(link) = invite_link::find(std::env::args()) {
                opened.keep(link);
            }
            app.manage(opened);
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
            // The engine emits the vault's status when it changes (a lock after too long
            // in the background).
            match event {
                WindowEvent::Focused(false) => state.engine().app_backgrounded(),
                WindowEvent::Focused(true) => {
                    state.engine().app_foregrounded();
                }
                // A peer supporter's app stays in the tray, listening; anyone else's closes.
                #[cfg(desktop)]
                WindowEvent::CloseRequested { api, .. }
                    if state.engine().serves_in_background() =>
                {
                    api.prevent_close();
                    let _ = window.hide();
                    state.engine().app_backgrounded();
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

/// The tray's duty item on the desktop; nothing on phones.
#[cfg(desktop)]
type DutyItem = tray::DutyItem;
#[cfg(not(desktop))]
type DutyItem = std::convert::Infallible;

/// Forwards every engine event to the UI under its name, raises the OS notification the
/// event carries (fixed words only: it may show on a locked screen), and keeps the tray's
/// duty item true.
fn forward_events(
    app: tauri::AppHandle,
    mut events: broadcast::Receiver<CoreEvent>,
    duty_item: Option<DutyItem>,
) {
    tauri::async_runtime::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                // Events say "this changed"; the UI re-reads state, so a gap loses nothing.
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => return,
            };
            #[cfg(desktop)]
            if let (CoreEvent::Duty(duty), Some(item)) = (&event, &duty_item) {
                item.show(*duty);
            }
            #[cfg(not(desktop))]
            let _ = &duty_item;
            notify::show(&app, &event);
            let _ = app.emit(event.name(), event.payload());
        }
    });
}

/// The demo team's invite, once demo mode has set it up (never, in a build without it).
#[derive(Default, Clone)]
pub struct DemoInvite(pub std::sync::Arc<std::sync::Mutex<Option<String>>>);

/// The one list of IPC commands: the handler and the UI's generated list of names
/// (`ui/src/bindings.ts`, checked for freshness) both come from it. `$then` receives the
/// names; mobile adds the biometric unlock, the desktop starting at login.
macro_rules! with_commands {
    ($then:ident $(, $extra:ident)*) => {
        $then!(
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
            safety_plan,
            safety_plan_save,
            safety_plan_locked_get,
            safety_plan_locked_set,
            safety_plan_while_locked,
            talk_ask,
            talk_preferences,
            talk_schedule,
            talk_scheduled,
            talk_scheduled_cancel,
            talk_set_preferences,
            talk_conversation,
            talk_send,
            talk_read,
            talk_keep,
            talk_answer_hand_off,
            peer_hand_off,
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
            opened_invite,
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
            followup_view,
            followup_start,
            followup_done,
            followup_stop,
            export_save,
            backup_save,
            backup_choose,
            backup_restore,
            directory_builtin,
            directory_search,
            directory_info,
            directory_sync,
            directory_open,
            sync_status,
            sync_turn_on,
            sync_restore,
            sync_now,
            sync_turn_off,
            sync_link_start,
            sync_link_join,
            sync_link_answer,
            sync_link_view,
            sync_link_cancel,
            sync_devices,
            sync_remove_device,
            console_team,
            console_create_team,
            console_import_key,
            console_export_key,
            console_forget,
            console_status,
            console_roster,
            console_save_roster,
            console_add_peer,
            console_directory,
            console_save_directory,
            console_import_directory,
            console_publish,
            console_history,
            console_reopen,
            console_invites,
            console_issue_invite,
            console_revoke_invite,
            console_figures,
            $($extra,)*
        )
    };
}

macro_rules! handler {
    ($($name:ident,)*) => {{
        use commands::*;
        use console_commands::*;
        #[cfg(desktop)]
        use desktop_commands::*;
        use directory_commands::*;
        use sync_commands::*;
        use talk_commands::*;
        use wellness_commands::*;
        tauri::generate_handler![$($name),*]
    }};
}

/// Every command's name, as the UI calls it.
#[cfg(test)]
macro_rules! names {
    ($($name:ident,)*) => {
        &[$(stringify!($name)),*]
    };
}

/// The names of every command on every platform (the mobile-only ones included).
#[cfg(test)]
pub(crate) const COMMAND_NAMES: &[&str] =
    with_commands!(names, vault_unlock_biometric, autostart_get, autostart_set);

#[cfg(desktop)]
fn handlers() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    with_commands!(handler, autostart_get, autostart_set)
}

#[cfg(mobile)]
fn handlers() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    with_commands!(handler, vault_unlock_biometric)
}
