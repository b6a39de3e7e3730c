//! IPC for the professional-help directory. Each command is one core call; opening a link
//! happens here, in Rust, after core's allow-list has passed it, so the web view holds no
//! opener permission and cannot open anything else.

use peerline_core::directory::{self, AgencyInfo, Hit, Query};
use peerline_protocol::ErrorBody;
use tauri::State;
use tauri_plugin_opener::OpenerExt as _;

use crate::state::AppState;

type Res<T> = Result<T, ErrorBody>;

/// The built-in national resources, crisis lines first. Needs no vault, so the crisis
/// sheet works on the lock screen and on first launch.
#[tauri::command]
pub fn directory_builtin() -> Vec<Hit> {
    directory::builtin_hits()
}

#[tauri::command]
pub async fn directory_search(state: State<'_, AppState>, query: Query) -> Res<Vec<Hit>> {
    state
        .run(move |s| directory::search(s.vault()?, &query))
        .await
}

/// The agency directory held on the phone, without asking the relay.
#[tauri::command]
pub async fn directory_info(state: State<'_, AppState>) -> Res<Option<AgencyInfo>> {
    state.run(|s| directory::agency_info(s.vault()?)).await
}

/// Fetches the agency's newest signed directory and installs it if it verifies.
#[tauri::command]
pub async fn directory_sync(state: State<'_, AppState>) -> Res<Option<AgencyInfo>> {
    state
        .flow(|s| async move { directory::sync_directory(&*s).await })
        .await
}

/// Opens a call, text or web link: only what core's allow-list passes is handed to the
/// system.
#[tauri::command]
pub fn directory_open(app: tauri::AppHandle, uri: String) -> Res<()> {
    let uri = directory::allowed_uri(&uri).map_err(|e| e.to_body())?;
    app.opener().open_url(uri, None::<&str>).map_err(|_| {
        ErrorBody::new(
            "OPEN_FAILED",
            "This device could not open that. Dial or type the number shown instead.",
        )
    })
}
