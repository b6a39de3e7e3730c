//! OS notifications for the engine's events. The words are fixed and say nothing private
//! (they show on a locked screen). On Linux a new request's notification opens the peer
//! inbox when clicked (after unlock), which the notification plugin cannot do on desktop.

use peerline_core::engine::CoreEvent;
use tauri::AppHandle;

/// The event the shell sends the UI when the peer clicks a new-request notification.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
pub const OPEN_INBOX: &str = "open-inbox";

/// Events the shell itself sends the UI (beside the engine's), with their payload types:
/// rendered into `bindings.ts` with the engine's.
#[cfg(test)]
pub const SHELL_EVENTS: &[(&str, &str)] = &[
    (OPEN_INBOX, "null"),
    (crate::invite_link::OPEN_INVITE, "string"),
];

/// Raises the notification `event` carries, if any.
pub fn show(app: &AppHandle, event: &CoreEvent) {
    let Some((title, text)) = event.notification() else {
        return;
    };
    #[cfg(target_os = "linux")]
    if matches!(event, CoreEvent::PeerEvent(p) if p.new_request)
        && clickable::show(app, title, text)
    {
        return;
    }
    use tauri_plugin_notification::NotificationExt as _;
    let _ = app.notification().builder().title(title).body(text).show();
}

#[cfg(target_os = "linux")]
mod clickable {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use tauri::{AppHandle, Emitter as _};

    /// Notifications waiting for a click at once; past this, new ones are plain (a
    /// notification server that never closes them must not cost a thread each).
    const MAX_WAITING: usize = 8;
    static WAITING: AtomicUsize = AtomicUsize::new(0);

    /// Shows a notification whose click opens the inbox; false when it could not (no
    /// notification server, or too many waiting), for the caller to show a plain one.
    pub fn show(app: &AppHandle, title: &'static str, text: &'static str) -> bool {
        if WAITING.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            WAITING.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        let shown = notify_rust::Notification::new()
            .appname("Peerline")
            .summary(title)
            .body(text)
            .action("default", "Open the inbox")
            .show();
        let handle = match shown {
            Ok(h) => h,
            Err(e) => {
                WAITING.fetch_sub(1, Ordering::SeqCst);
                tracing::debug!(error = %e, "no notification server for a clickable notification");
                return false;
            }
        };
        let app = app.clone();
        // Waiting for the click blocks until the notification is clicked or closed.
        let spawned = std::thread::Builder::new()
            .name("notification".into())
            .spawn(move || {
                handle.wait_for_action(|action| {
                    if action == "default" {
                        crate::tray::show_window(&app);
                        let _ = app.emit(super::OPEN_INBOX, ());
                    }
                });
                WAITING.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            WAITING.fetch_sub(1, Ordering::SeqCst);
        }
        true
    }
}
