//! `peerline://join` links opened from outside the app (a mail, a browser, a QR scanner).
//! The desktop entry registers the app for the `peerline` scheme and starts it with the
//! link as an argument. A start while the app already runs hands its arguments to the
//! running app instead (one app per vault: two would fight over it), which brings its
//! window forward and tells the UI; the join screen then shows the link, for the officer
//! to check and confirm. Nothing joins by itself.

use std::sync::{Arc, Mutex};

use peerline_protocol::invite::LINK_PREFIX;
#[cfg(desktop)]
use tauri::{AppHandle, Emitter as _, Manager as _};

/// The event the shell sends the UI when a link is handed to the running app; its payload
/// is the link.
#[cfg_attr(not(desktop), allow(dead_code))]
pub const OPEN_INVITE: &str = "open-invite";

/// Longest argument taken for a link (an invite is a few hundred characters).
const MAX_LINK: usize = 4096;

/// The link the app was started with (or last handed), until the UI takes it.
#[derive(Default, Clone)]
pub struct OpenedInvite(pub Arc<Mutex<Option<String>>>);

impl OpenedInvite {
    /// Keeps `link`, replacing an earlier one not yet taken.
    pub fn keep(&self, link: String) {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(link);
        }
    }

    /// The link, once.
    pub fn take(&self) -> Option<String> {
        self.0.lock().ok()?.take()
    }
}

/// The invite link among `args`, if any; every other argument is ignored.
pub fn find(args: impl IntoIterator<Item = String>) -> Option<String> {
    args.into_iter()
        .find(|a| a.starts_with(LINK_PREFIX) && a.len() <= MAX_LINK)
}

/// The name the running app holds on the session bus. One per data directory, so test
/// and demo runs with their own `PEERLINE_DATA_DIR` run side by side.
#[cfg(desktop)]
pub fn instance_id(identifier: &str) -> String {
    use std::hash::{Hash as _, Hasher as _};
    match std::env::var_os("PEERLINE_DATA_DIR") {
        Some(dir) => {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            dir.hash(&mut h);
            format!("{identifier}.dir_{:016x}", h.finish())
        }
        None => identifier.to_owned(),
    }
}

/// A second start of the app: keep its link, tell the UI, bring the window forward.
#[cfg(desktop)]
pub fn second_start(app: &AppHandle, argv: Vec<String>) {
    if let Some(link) = find(argv) {
        if let Some(slot) = app.try_state::<OpenedInvite>() {
            slot.keep(link.clone());
        }
        let _ = app.emit(OPEN_INVITE, link);
    }
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.show();
        let _ = w.unminimize();
        let _ = w.set_focus();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_invite_link_is_taken_from_the_arguments() {
        let args = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(find(args(&["/usr/bin/peerline", "--hidden"])), None);
        assert_eq!(
            find(args(&["/usr/bin/peerline", "peerline://join?v=1&relay=x"])).as_deref(),
            Some("peerline://join?v=1&relay=x")
        );
        assert_eq!(find(args(&["peerline://settings"])), None);
        let long = format!("peerline://join?{}", "a".repeat(MAX_LINK));
        assert_eq!(find([long]), None);
        let slot = OpenedInvite::default();
        slot.keep("peerline://join?a".into());
        assert_eq!(slot.take().as_deref(), Some("peerline://join?a"));
        assert_eq!(slot.take(), None, "taken once");
    }
}
