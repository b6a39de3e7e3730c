//! The IPC surface. Each command is one core call; no logic lives here.

use peerline_core::checkins::{self, CheckIn, QuickCheckIn};
use peerline_core::screeners;
use peerline_core::session::VaultStatus;
use peerline_protocol::ErrorBody;
use tauri::State;
use zeroize::Zeroizing;

use crate::state::AppState;

type Res<T> = Result<T, ErrorBody>;

/// The UI calls this once, when its first screen has been painted. The log line is how
/// start-up time is measured from outside without WebDriver in the way
/// (`scripts/budgets.sh`); it says nothing but the time.
#[tauri::command]
pub fn first_screen_shown() {
    tracing::info!(
        after_ms = crate::STARTED.get().map_or(0, |t| t.elapsed().as_millis()),
        "first screen shown"
    );
}

#[tauri::command]
pub async fn vault_status(state: State<'_, AppState>) -> Res<VaultStatus> {
    state.run(|s| Ok(s.status())).await
}

#[tauri::command]
pub async fn vault_retry(state: State<'_, AppState>) -> Res<VaultStatus> {
    state.run(|s| Ok(s.retry())).await
}

#[tauri::command]
pub async fn vault_create(
    state: State<'_, AppState>,
    passcode: Option<String>,
) -> Res<VaultStatus> {
    let passcode = passcode.map(Zeroizing::new);
    state
        .run(move |s| s.create(passcode.as_deref().map(String::as_str)))
        .await
}

#[tauri::command]
pub async fn vault_unlock(state: State<'_, AppState>, passcode: String) -> Res<VaultStatus> {
    let passcode = Zeroizing::new(passcode);
    state.run(move |s| s.unlock(&passcode)).await
}

#[tauri::command]
pub async fn vault_lock(state: State<'_, AppState>) -> Res<VaultStatus> {
    state.run(|s| s.lock()).await
}

#[tauri::command]
pub async fn vault_set_passcode(
    state: State<'_, AppState>,
    current: Option<String>,
    new_passcode: String,
) -> Res<VaultStatus> {
    let current = current.map(Zeroizing::new);
    let new_passcode = Zeroizing::new(new_passcode);
    state
        .run(move |s| s.set_passcode(current.as_deref().map(String::as_str), &new_passcode))
        .await
}

#[tauri::command]
pub async fn vault_remove_passcode(
    state: State<'_, AppState>,
    current: String,
) -> Res<VaultStatus> {
    let current = Zeroizing::new(current);
    state.run(move |s| s.remove_passcode(&current)).await
}

#[tauri::command]
pub async fn vault_set_auto_lock(
    state: State<'_, AppState>,
    minutes: Option<u32>,
) -> Res<VaultStatus> {
    state.run(move |s| s.set_auto_lock(minutes)).await
}

#[tauri::command]
pub async fn vault_erase(state: State<'_, AppState>) -> Res<VaultStatus> {
    state.run(|s| s.erase_everything()).await
}

#[tauri::command]
pub async fn vault_set_aside_damaged(state: State<'_, AppState>) -> Res<VaultStatus> {
    state.run(|s| s.set_aside_damaged()).await
}

#[tauri::command]
pub async fn checkin_save(state: State<'_, AppState>, entry: QuickCheckIn) -> Res<CheckIn> {
    state
        .run(move |s| checkins::save(s.vault()?, &entry, s.clock().now_local()))
        .await
}

#[tauri::command]
pub async fn checkin_recent(state: State<'_, AppState>, limit: u32) -> Res<Vec<CheckIn>> {
    state
        .run(move |s| checkins::recent(s.vault()?, limit.min(500)))
        .await
}

#[tauri::command]
pub async fn checkin_delete(state: State<'_, AppState>, id: String) -> Res<bool> {
    state.run(move |s| checkins::delete(s.vault()?, &id)).await
}

/// Unlocks with the key from the platform store after the OS has verified the officer's
/// face or fingerprint. Mobile only: on desktop there is no biometric prompt to trust.
#[cfg(mobile)]
#[tauri::command]
pub async fn vault_unlock_biometric(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Res<VaultStatus> {
    use tauri_plugin_biometric::{AuthOptions, BiometricExt as _};
    app.biometric()
        .authenticate("Unlock Peerline".into(), AuthOptions::default())
        .map_err(|_| {
            ErrorBody::new(
                "BIOMETRIC_FAILED",
                "Face or fingerprint was not confirmed. Use your passcode instead.",
            )
        })?;
    state.run(|s| s.unlock_after_device_auth()).await
}

#[tauri::command]
pub async fn screener_form(instrument: screeners::Instrument) -> Res<screeners::Form> {
    Ok(screeners::form(instrument))
}

#[tauri::command]
pub async fn screener_submit(
    state: State<'_, AppState>,
    instrument: screeners::Instrument,
    answers: Vec<u8>,
) -> Res<screeners::SavedScore> {
    state
        .run(move |s| screeners::save(s.vault()?, instrument, &answers, s.clock().now_local()))
        .await
}

#[tauri::command]
pub async fn screener_history(
    state: State<'_, AppState>,
    instrument: screeners::Instrument,
) -> Res<Vec<screeners::SavedScore>> {
    state
        .run(move |s| screeners::history(s.vault()?, instrument, 100))
        .await
}
