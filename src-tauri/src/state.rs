//! The app's state: the engine, and the two ways a command reaches it (a blocking call on
//! the session, or one of core's async flows), with core errors mapped to `{code, message}`.

use std::future::Future;
use std::sync::{Arc, Mutex};

use peerline_core::engine::Engine;
use peerline_core::session::Session;
use peerline_protocol::ErrorBody;

/// Shared with every command.
#[derive(Clone)]
pub struct AppState {
    engine: Engine,
}

impl AppState {
    pub fn new(engine: Engine) -> Self {
        Self { engine }
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Runs `f` on the session in a blocking worker (Argon2id takes a few hundred
    /// milliseconds on purpose).
    pub async fn run<T, F>(&self, f: F) -> Result<T, ErrorBody>
    where
        T: Send + 'static,
        F: FnOnce(&mut Session) -> peerline_core::Result<T> + Send + 'static,
    {
        self.engine.blocking(f).await.map_err(|e| e.to_body())
    }

    /// Runs one of core's async flows on the session.
    pub async fn flow<T, F, Fut>(&self, f: F) -> Result<T, ErrorBody>
    where
        F: FnOnce(Arc<Mutex<Session>>) -> Fut,
        Fut: Future<Output = peerline_core::Result<T>>,
    {
        self.engine.flow(f).await.map_err(|e| e.to_body())
    }
}
