//! The app's state: one vault session behind a mutex, and a way to run core calls off the
//! UI thread (Argon2id takes a few hundred milliseconds on purpose).

use std::sync::{Arc, Mutex};

use peerline_core::session::Session;
use peerline_protocol::ErrorBody;

/// Shared with every command.
#[derive(Clone)]
pub struct AppState {
    session: Arc<Mutex<Session>>,
}

impl AppState {
    pub fn new(session: Session) -> Self {
        Self {
            session: Arc::new(Mutex::new(session)),
        }
    }

    /// Runs `f` on the session in a blocking worker and maps core errors to `{code, message}`.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ErrorBody>
    where
        T: Send + 'static,
        F: FnOnce(&mut Session) -> peerline_core::Result<T> + Send + 'static,
    {
        let session = self.session.clone();
        tauri::async_runtime::spawn_blocking(move || {
            // A panic elsewhere must not leave the app unable to lock or erase.
            let mut s = session.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut s).map_err(|e| e.to_body())
        })
        .await
        .map_err(|_| internal())?
    }

    /// The session, for core's async flows (they lock it only briefly, never across I/O).
    pub fn session(&self) -> Arc<Mutex<Session>> {
        self.session.clone()
    }

    /// Runs `f` on the session right here (cheap calls from event handlers and the timer).
    pub fn with<T>(&self, f: impl FnOnce(&mut Session) -> T) -> Option<T> {
        let mut s = self.session.lock().unwrap_or_else(|p| p.into_inner());
        Some(f(&mut s))
    }
}

fn internal() -> ErrorBody {
    ErrorBody::new(
        "INTERNAL",
        "Something went wrong inside the app. Nothing was lost; please close and reopen Peerline.",
    )
}
