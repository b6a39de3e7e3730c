//! IPC for the officer's own records beyond the quick check-in: editing, trends, the daily
//! reminder, exports and the encrypted backup. Each command is one core call; the only
//! thing added here is the system file dialog, so a file is written or read only where the
//! officer points, never at a path the web view names.

use std::path::PathBuf;

use peerline_core::backup::{self, BackupReport, RestoreMode};
use peerline_core::checkins::{self, CheckIn, QuickCheckIn};
use peerline_core::export::{self, ExportFormat, ExportOptions};
use peerline_core::followup::{FollowUpView, Step};
use peerline_core::reminders::ReminderTime;
use peerline_core::safety_plan::{self, PlanView, SafetyPlan};
use peerline_core::trends::{self, Bucket, Trends};
use peerline_protocol::ErrorBody;
use tauri::State;
use tauri_plugin_dialog::DialogExt as _;
use zeroize::Zeroizing;

use crate::state::AppState;

type Res<T> = Result<T, ErrorBody>;

/// The backup file the officer picked for a restore, kept between "choose" and "restore"
/// (which may be asked twice: once to learn the vault is not empty, once with a choice).
#[derive(Default)]
pub struct PickedBackup(pub std::sync::Mutex<Option<PathBuf>>);

#[tauri::command]
pub async fn checkin_update(
    state: State<'_, AppState>,
    id: String,
    entry: QuickCheckIn,
) -> Res<CheckIn> {
    state
        .run(move |s| checkins::update(s.vault()?, &id, &entry))
        .await
}

#[tauri::command]
pub async fn trends(state: State<'_, AppState>, bucket: Bucket, days: u32) -> Res<Trends> {
    state
        .run(move |s| {
            let today = s.clock().now_local().date_naive();
            trends::last_days(s.vault()?, bucket, days, today)
        })
        .await
}

#[tauri::command]
pub async fn safety_plan(state: State<'_, AppState>) -> Res<Option<PlanView>> {
    state.run(|s| safety_plan::get(s.vault()?)).await
}

#[tauri::command]
pub async fn safety_plan_save(
    state: State<'_, AppState>,
    plan: SafetyPlan,
) -> Res<Option<PlanView>> {
    state
        .run(move |s| {
            let now = s.clock().now();
            s.save_safety_plan(plan, now)
        })
        .await
}

/// Whether the plan stays readable while the app is locked.
#[tauri::command]
pub async fn safety_plan_locked_get(state: State<'_, AppState>) -> Res<bool> {
    state.run(|s| Ok(s.plan_readable_when_locked())).await
}

/// Keeps the plan readable while locked (a copy outside the vault), or stops and deletes it.
#[tauri::command]
pub async fn safety_plan_locked_set(state: State<'_, AppState>, on: bool) -> Res<()> {
    state
        .run(move |s| s.set_plan_readable_when_locked(on))
        .await
}

/// The plan as a locked app shows it: the copy the officer chose to keep, if any.
#[tauri::command]
pub async fn safety_plan_while_locked(state: State<'_, AppState>) -> Res<Option<PlanView>> {
    state.run(|s| s.plan_while_locked()).await
}

#[tauri::command]
pub async fn followup_view(state: State<'_, AppState>) -> Res<Option<FollowUpView>> {
    state.run(|s| s.follow_up()).await
}

#[tauri::command]
pub async fn followup_start(state: State<'_, AppState>) -> Res<Option<FollowUpView>> {
    state.run(|s| s.follow_up_start()).await
}

#[tauri::command]
pub async fn followup_done(state: State<'_, AppState>, step: Step) -> Res<Option<FollowUpView>> {
    state.run(move |s| s.follow_up_done(step)).await
}

#[tauri::command]
pub async fn followup_stop(state: State<'_, AppState>) -> Res<()> {
    state.run(|s| s.follow_up_stop()).await
}

#[tauri::command]
pub async fn reminder_get(state: State<'_, AppState>) -> Res<Option<ReminderTime>> {
    state.run(|s| Ok(s.reminder())).await
}

#[tauri::command]
pub async fn reminder_set(
    state: State<'_, AppState>,
    at: Option<ReminderTime>,
) -> Res<Option<ReminderTime>> {
    state.run(move |s| s.set_reminder(at)).await
}

pub(crate) fn dialog_failed() -> ErrorBody {
    ErrorBody::new(
        "FILE_DIALOG_FAILED",
        "The file chooser could not be opened. Nothing was written; try again.",
    )
}

/// Asks the officer where to save; `None` when they cancel.
pub(crate) async fn ask_where_to_save(
    app: &tauri::AppHandle,
    name: &str,
    filter: (&str, &[&str]),
) -> Res<Option<PathBuf>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_file_name(name)
        .add_filter(filter.0, filter.1)
        .save_file(move |p| {
            let _ = tx.send(p);
        });
    match rx.await.map_err(|_| dialog_failed())? {
        None => Ok(None),
        Some(p) => p.into_path().map(Some).map_err(|_| dialog_failed()),
    }
}

#[tauri::command]
pub async fn export_save(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    format: ExportFormat,
    options: ExportOptions,
) -> Res<Option<u64>> {
    let (name, filter) = match format {
        ExportFormat::Csv => ("peerline-checkins.csv", ("CSV", &["csv"][..])),
        ExportFormat::Summary => ("peerline-summary.html", ("Web page", &["html"][..])),
    };
    let Some(path) = ask_where_to_save(&app, name, filter).await? else {
        return Ok(None);
    };
    state
        .run(move |s| {
            let today = s.clock().now_local().date_naive();
            export::write(s.vault()?, format, options, today, &path).map(Some)
        })
        .await
}

#[tauri::command]
pub async fn backup_save(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    passphrase: String,
) -> Res<Option<BackupReport>> {
    let passphrase = Zeroizing::new(passphrase);
    if passphrase.chars().count() < backup::MIN_PASSPHRASE_CHARS {
        // Say so before the file chooser, not after.
        return Err(peerline_core::Error::InvalidInput(format!(
            "Choose a backup passphrase of at least {} characters; it is all that protects the file.",
            backup::MIN_PASSPHRASE_CHARS
        ))
        .to_body());
    }
    let name = "peerline.backup";
    let Some(path) = ask_where_to_save(&app, name, ("Peerline backup", &["backup"])).await? else {
        return Ok(None);
    };
    state
        .run(move |s| backup::write(s.vault()?, &passphrase, &path).map(Some))
        .await
}

/// Asks for the backup file to restore; returns its name (to show), `None` if cancelled.
#[tauri::command]
pub async fn backup_choose(
    app: tauri::AppHandle,
    picked: State<'_, PickedBackup>,
) -> Res<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .add_filter("Peerline backup", &["backup"])
        .pick_file(move |p| {
            let _ = tx.send(p);
        });
    let Some(p) = rx.await.map_err(|_| dialog_failed())? else {
        return Ok(None);
    };
    let path = p.into_path().map_err(|_| dialog_failed())?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    *picked.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(path);
    Ok(Some(name))
}

#[tauri::command]
pub async fn backup_restore(
    state: State<'_, AppState>,
    picked: State<'_, PickedBackup>,
    passphrase: String,
    mode: RestoreMode,
) -> Res<BackupReport> {
    let passphrase = Zeroizing::new(passphrase);
    let path = picked
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| ErrorBody::new("NO_BACKUP_CHOSEN", "Choose a backup file first."))?;
    state
        .run(move |s| s.restore_backup(&path, &passphrase, mode))
        .await
}
