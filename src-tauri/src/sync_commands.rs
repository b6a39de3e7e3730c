//! IPC for sync between the officer's own devices: each command is one core call.

use peerline_core::sync::devices::{self, SyncDevice};
use peerline_core::sync::link::{self, LinkView};
use peerline_core::sync::round::{self, SyncReport, SyncStatus};
use peerline_protocol::ErrorBody;
use tauri::State;
use zeroize::Zeroizing;

use crate::state::AppState;

type Res<T> = Result<T, ErrorBody>;

#[tauri::command]
pub async fn sync_status(state: State<'_, AppState>) -> Res<SyncStatus> {
    state.run(|s| round::status(s.vault()?.conn())).await
}

/// Turns sync on; the recovery code, to show once.
#[tauri::command]
pub async fn sync_turn_on(state: State<'_, AppState>) -> Res<String> {
    state
        .flow(|s| async move {
            let code = round::turn_on(&*s).await?;
            Ok(code.display().to_string())
        })
        .await
}

#[tauri::command]
pub async fn sync_restore(state: State<'_, AppState>, code: String) -> Res<SyncReport> {
    let code = Zeroizing::new(code);
    state
        .flow(|s| async move { round::restore_on_team(&*s, &code).await })
        .await
}

#[tauri::command]
pub async fn sync_now(state: State<'_, AppState>) -> Res<SyncReport> {
    state
        .flow(|s| async move { round::sync_now(&*s).await })
        .await
}

#[tauri::command]
pub async fn sync_turn_off(state: State<'_, AppState>) -> Res<()> {
    state
        .flow(|s| async move { round::turn_off(&*s).await })
        .await
}

/// On the device that has sync: a one-time link for a new device (QR and text).
#[tauri::command]
pub async fn sync_link_start(state: State<'_, AppState>) -> Res<LinkView> {
    state.flow(|s| async move { link::start(&s).await }).await
}

/// On the new device: uses the link; the code to compare with the other device.
#[tauri::command]
pub async fn sync_link_join(state: State<'_, AppState>, link: String) -> Res<LinkView> {
    let link = Zeroizing::new(link);
    state
        .flow(|s| async move { link::join(&s, &link).await })
        .await
}

/// On the device that has sync: yes (hand the keys over) or no to the device that came.
#[tauri::command]
pub async fn sync_link_answer(state: State<'_, AppState>, yes: bool) -> Res<LinkView> {
    state
        .flow(|s| async move { link::answer(&s, yes).await })
        .await
}

/// The link under way, if any.
#[tauri::command]
pub async fn sync_link_view(state: State<'_, AppState>) -> Res<Option<LinkView>> {
    state.flow(|s| async move { Ok(link::view(&s)) }).await
}

/// Ends the link under way.
#[tauri::command]
pub async fn sync_link_cancel(state: State<'_, AppState>) -> Res<()> {
    state
        .flow(|s| async move {
            link::cancel(&s).await;
            Ok(())
        })
        .await
}

/// The officer's synced devices (this one first).
#[tauri::command]
pub async fn sync_devices(state: State<'_, AppState>) -> Res<Vec<SyncDevice>> {
    state.run(|s| devices::list(s.vault()?.conn())).await
}

/// Removes a device: the records move to a new box it cannot open. The new recovery code,
/// to show once.
#[tauri::command]
pub async fn sync_remove_device(state: State<'_, AppState>, id: String) -> Res<String> {
    state
        .flow(|s| async move {
            let code = round::remove_device(&*s, &id).await?;
            Ok(code.display().to_string())
        })
        .await
}
