//! IPC for the desktop only: starting at login, so a peer supporter's app is in the tray
//! (and hears new requests) from the moment they log in.

use peerline_protocol::ErrorBody;
use tauri_plugin_autostart::ManagerExt as _;

type Res<T> = Result<T, ErrorBody>;

/// The argument a login start passes: the app starts in the tray, its window hidden.
pub const HIDDEN_ARG: &str = "--hidden";

fn autostart_failed(e: impl std::fmt::Display) -> ErrorBody {
    tracing::warn!(error = %e, "start at login could not be changed");
    ErrorBody::new(
        "AUTOSTART_FAILED",
        "Peerline could not change whether it starts at login. Check that your session allows \
         programs to start at login, then try again.",
    )
}

/// Whether Peerline starts (in the tray) when the user logs in.
#[tauri::command]
pub fn autostart_get(app: tauri::AppHandle) -> Res<bool> {
    app.autolaunch().is_enabled().map_err(autostart_failed)
}

/// Turns starting at login on or off; answers what it is now.
#[tauri::command]
pub fn autostart_set(app: tauri::AppHandle, on: bool) -> Res<bool> {
    let launcher = app.autolaunch();
    if on {
        launcher.enable()
    } else {
        launcher.disable()
    }
    .map_err(autostart_failed)?;
    launcher.is_enabled().map_err(autostart_failed)
}
