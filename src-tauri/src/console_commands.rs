//! IPC for the coordinator's console: each command is one core call. Files the coordinator
//! imports are read by the web view from a file they pick and passed in as text; the one
//! file written (the sealed team key) goes only where the system save dialog points.

use peerline_core::coordinator::documents::{
    self, DirectoryDraft, DirectoryFormat, DocumentKind, Published, PublishedVersion, RosterDraft,
};
use peerline_core::coordinator::figures::{self, FiguresView};
use peerline_core::coordinator::{self, ConsoleTeam, InviteRow, IssuedInvite, NewTeam};
use peerline_protocol::ErrorBody;
use peerline_protocol::documents::{Directory, Roster};
use peerline_protocol::relay::TeamStatus;
use tauri::State;
use zeroize::Zeroizing;

use crate::state::AppState;
use crate::wellness_commands::ask_where_to_save;

type Res<T> = Result<T, ErrorBody>;

#[tauri::command]
pub async fn console_team(state: State<'_, AppState>) -> Res<Option<ConsoleTeam>> {
    state.run(|s| coordinator::team(s.vault()?)).await
}

#[tauri::command]
pub async fn console_create_team(state: State<'_, AppState>, team: NewTeam) -> Res<ConsoleTeam> {
    state
        .flow(|s| async move { coordinator::create_team(&*s, team).await })
        .await
}

#[tauri::command]
pub async fn console_import_key(
    state: State<'_, AppState>,
    text: String,
    passphrase: Option<String>,
) -> Res<ConsoleTeam> {
    let (text, passphrase) = (Zeroizing::new(text), passphrase.map(Zeroizing::new));
    state
        .run(move |s| {
            coordinator::import_key(
                s.vault()?,
                text.as_bytes(),
                passphrase.as_deref().map(|p| p.as_str()),
            )
        })
        .await
}

/// Seals the team key to `passphrase` and saves it where the coordinator points; `false`
/// when they cancel the save dialog.
#[tauri::command]
pub async fn console_export_key(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    passphrase: String,
) -> Res<bool> {
    let passphrase = Zeroizing::new(passphrase);
    // Sealed before the dialog: a short passphrase is refused before anything is asked.
    let sealed = state
        .run(move |s| coordinator::export_key(s.vault()?, &passphrase))
        .await?;
    let Some(path) = ask_where_to_save(&app, "team-key.age", ("Sealed team key", &["age"])).await?
    else {
        return Ok(false);
    };
    state
        .run(move |_| peerline_core::vault::files::write_private_atomically(&path, &sealed))
        .await?;
    Ok(true)
}

#[tauri::command]
pub async fn console_forget(state: State<'_, AppState>) -> Res<()> {
    state.run(|s| coordinator::forget(s.vault_mut()?)).await
}

#[tauri::command]
pub async fn console_status(state: State<'_, AppState>) -> Res<TeamStatus> {
    state
        .flow(|s| async move { coordinator::status(&*s).await })
        .await
}

#[tauri::command]
pub async fn console_roster(state: State<'_, AppState>) -> Res<RosterDraft> {
    state.run(|s| documents::roster_draft(s.vault()?)).await
}

#[tauri::command]
pub async fn console_save_roster(state: State<'_, AppState>, roster: Roster) -> Res<RosterDraft> {
    state
        .run(move |s| documents::save_roster(s.vault()?, roster))
        .await
}

#[tauri::command]
pub async fn console_add_peer(
    state: State<'_, AppState>,
    keys: String,
    name: String,
) -> Res<RosterDraft> {
    state
        .run(move |s| documents::add_peer(s.vault()?, &keys, &name))
        .await
}

#[tauri::command]
pub async fn console_directory(state: State<'_, AppState>) -> Res<DirectoryDraft> {
    state.run(|s| documents::directory_draft(s.vault()?)).await
}

#[tauri::command]
pub async fn console_save_directory(
    state: State<'_, AppState>,
    directory: Directory,
) -> Res<DirectoryDraft> {
    state
        .run(move |s| documents::save_directory(s.vault()?, directory))
        .await
}

#[tauri::command]
pub async fn console_import_directory(
    state: State<'_, AppState>,
    text: String,
    format: DirectoryFormat,
) -> Res<DirectoryDraft> {
    state
        .run(move |s| documents::import_directory(s.vault()?, &text, format))
        .await
}

#[tauri::command]
pub async fn console_publish(state: State<'_, AppState>, kind: DocumentKind) -> Res<Published> {
    state
        .flow(|s| async move { documents::publish(&*s, kind).await })
        .await
}

#[tauri::command]
pub async fn console_history(
    state: State<'_, AppState>,
    kind: DocumentKind,
) -> Res<Vec<PublishedVersion>> {
    state
        .run(move |s| documents::history(s.vault()?, kind))
        .await
}

#[tauri::command]
pub async fn console_reopen(
    state: State<'_, AppState>,
    kind: DocumentKind,
    version: u64,
) -> Res<()> {
    state
        .run(move |s| documents::reopen(s.vault()?, kind, version))
        .await
}

#[tauri::command]
pub async fn console_invites(state: State<'_, AppState>) -> Res<Vec<InviteRow>> {
    state
        .flow(|s| async move { coordinator::invites(&*s).await })
        .await
}

#[tauri::command]
pub async fn console_issue_invite(
    state: State<'_, AppState>,
    uses: u32,
    days: u32,
) -> Res<IssuedInvite> {
    state
        .flow(|s| async move { coordinator::issue_invite(&*s, uses, days).await })
        .await
}

#[tauri::command]
pub async fn console_revoke_invite(
    state: State<'_, AppState>,
    invite_id: String,
) -> Res<Vec<InviteRow>> {
    state
        .flow(|s| async move { coordinator::revoke_invite(&*s, &invite_id).await })
        .await
}

#[tauri::command]
pub async fn console_figures(
    state: State<'_, AppState>,
    utc_offset_minutes: i32,
) -> Res<FiguresView> {
    state
        .flow(|s| async move { figures::load(&*s, utc_offset_minutes).await })
        .await
}
