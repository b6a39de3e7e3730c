//! The desktop tray: a peer supporter's app keeps running with its window closed, so a new
//! request still raises its notification. The menu opens the app, switches duty and quits;
//! its words are fixed (the tray shows nothing private), and duty follows the engine's
//! `duty` events whichever way it was set.

use peerline_core::engine::{DutyStatus, Engine};
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager as _, Runtime, Wry};

const OPEN: &str = "open";
const DUTY: &str = "duty";
const QUIT: &str = "quit";

/// A stretch on duty started from the tray, as from the peer screen's button.
const DUTY_MINUTES: u32 = 8 * 60;

/// What the duty item says.
fn duty_text(duty: DutyStatus) -> &'static str {
    if duty.on_duty_until.is_some() {
        "Go off duty"
    } else {
        "Go on duty for 8 hours"
    }
}

/// The tray menu's duty item, kept so its words can follow the engine.
pub struct DutyItem(MenuItem<Wry>);

impl DutyItem {
    /// Shows `duty` in the menu.
    pub fn show(&self, duty: DutyStatus) {
        if let Err(e) = self.0.set_text(duty_text(duty)) {
            tracing::debug!(error = %e, "tray menu not updated");
        }
    }
}

/// Adds the tray icon and its menu.
pub fn install(app: &tauri::App, engine: &Engine) -> tauri::Result<DutyItem> {
    let open = MenuItem::with_id(app, OPEN, "Open Peerline", true, None::<&str>)?;
    let duty = MenuItem::with_id(app, DUTY, duty_text(engine.duty()), true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit Peerline", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&open, &duty, &separator, &quit])?;
    let mut tray = TrayIconBuilder::with_id("peerline")
        .tooltip("Peerline")
        .menu(&menu)
        .on_menu_event(|app, event| match event.id().as_ref() {
            OPEN => show_window(app),
            DUTY => toggle_duty(app),
            QUIT => app.exit(0),
            _ => {}
        });
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(DutyItem(duty))
}

/// Brings the main window back (the UI shows the unlock screen first when locked).
pub fn show_window<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

/// On duty for a stretch, or off. Signing the duty change needs the peer's key in the
/// vault: when it is locked, the window opens instead so the peer can unlock first.
fn toggle_duty<R: Runtime>(app: &AppHandle<R>) {
    let Some(state) = app.try_state::<crate::state::AppState>() else {
        return;
    };
    let engine = state.engine().clone();
    let locked = engine.with(|s| s.vault().is_err());
    if locked {
        show_window(app);
        return;
    }
    let minutes = if engine.duty().on_duty_until.is_some() {
        0
    } else {
        DUTY_MINUTES
    };
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        if let Err(e) = engine.set_duty(minutes).await {
            // Said in the app, where there is room to say what to do.
            tracing::warn!(code = e.code(), "duty not changed from the tray");
            show_window(&app);
        }
    });
}
