//! IPC for talk to a peer: each command is one core call.

use peerline_core::talk::choose::{self, Preferences};
use peerline_core::talk::conversation::{self, ConversationView, Said};
use peerline_core::talk::officer::{self, AskOutcome, NewRequest, RequestView};
use peerline_core::talk::peer::{self, InboxItem, PeerPublicKeys};
use peerline_core::talk::scheduled::{self, ScheduledAsk};
use peerline_core::talk::team::{self, TeamInfo};
use peerline_protocol::ErrorBody;
use tauri::State;

use crate::state::AppState;

type Res<T> = Result<T, ErrorBody>;

#[tauri::command]
pub async fn team_join(state: State<'_, AppState>, invite: String) -> Res<Option<TeamInfo>> {
    state
        .engine()
        .join_team(&invite)
        .await
        .map_err(|e| e.to_body())
}

#[tauri::command]
pub async fn team_info(state: State<'_, AppState>) -> Res<Option<TeamInfo>> {
    state.run(|s| team::team_info(s.vault()?)).await
}

#[tauri::command]
pub async fn team_sync(state: State<'_, AppState>) -> Res<Option<TeamInfo>> {
    state
        .flow(|s| async move { team::sync_roster(&*s).await })
        .await?;
    state.run(|s| team::team_info(s.vault()?)).await
}

#[tauri::command]
pub async fn talk_ask(state: State<'_, AppState>, request: NewRequest) -> Res<AskOutcome> {
    state
        .flow(|s| async move { officer::ask_for_peer(&*s, request).await })
        .await
}

/// "Ask a peer to check on me in N days": sent then, through the usual path.
#[tauri::command]
pub async fn talk_schedule(
    state: State<'_, AppState>,
    request: NewRequest,
    days: u32,
) -> Res<ScheduledAsk> {
    state
        .run(move |s| {
            let now = s.clock().now().timestamp();
            scheduled::schedule(s.vault()?, &request, days, now)
        })
        .await
}

#[tauri::command]
pub async fn talk_scheduled(state: State<'_, AppState>) -> Res<Vec<ScheduledAsk>> {
    state.run(|s| scheduled::list(s.vault()?)).await
}

#[tauri::command]
pub async fn talk_scheduled_cancel(
    state: State<'_, AppState>,
    id: String,
) -> Res<Vec<ScheduledAsk>> {
    state
        .run(move |s| {
            scheduled::cancel(s.vault()?, &id)?;
            scheduled::list(s.vault()?)
        })
        .await
}

#[tauri::command]
pub async fn talk_preferences(state: State<'_, AppState>) -> Res<Preferences> {
    state.run(|s| choose::remembered(s.vault()?)).await
}

#[tauri::command]
pub async fn talk_set_preferences(
    state: State<'_, AppState>,
    preferences: Preferences,
) -> Res<Preferences> {
    state
        .run(move |s| {
            let v = s.vault()?;
            choose::remember(v, &preferences.tidy())?;
            choose::remembered(v)
        })
        .await
}

#[tauri::command]
pub async fn talk_conversation(state: State<'_, AppState>, id: String) -> Res<ConversationView> {
    state
        .run(move |s| conversation::view(s.vault()?, &id))
        .await
}

#[tauri::command]
pub async fn talk_send(
    state: State<'_, AppState>,
    id: String,
    text: String,
) -> Res<ConversationView> {
    state
        .flow(|s| async move { conversation::send(&*s, &id, Said::Text { text }).await })
        .await
}

#[tauri::command]
pub async fn talk_read(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .flow(|s| async move { conversation::mark_read(&*s, &id).await })
        .await
}

#[tauri::command]
pub async fn talk_keep(
    state: State<'_, AppState>,
    id: String,
    keep: bool,
) -> Res<ConversationView> {
    state
        .run(move |s| conversation::set_keep(s.vault()?, &id, keep))
        .await
}

#[tauri::command]
pub async fn talk_answer_hand_off(
    state: State<'_, AppState>,
    id: String,
    agree: bool,
) -> Res<ConversationView> {
    state
        .flow(|s| async move { officer::answer_hand_off(&*s, &id, agree).await })
        .await
}

#[tauri::command]
pub async fn peer_hand_off(
    state: State<'_, AppState>,
    id: String,
    to: Option<String>,
) -> Res<ConversationView> {
    state
        .flow(|s| async move { conversation::send(&*s, &id, Said::HandOff { to }).await })
        .await
}

#[tauri::command]
pub async fn talk_requests(state: State<'_, AppState>) -> Res<Vec<RequestView>> {
    state.run(|s| officer::list(s.vault()?)).await
}

#[tauri::command]
pub async fn talk_refresh(state: State<'_, AppState>, id: String) -> Res<RequestView> {
    state
        .flow(|s| async move { officer::refresh(&*s, &id).await })
        .await
}

#[tauri::command]
pub async fn talk_cancel(state: State<'_, AppState>, id: String) -> Res<RequestView> {
    state
        .flow(|s| async move { officer::cancel(&*s, &id).await })
        .await
}

#[tauri::command]
pub async fn peer_keys(state: State<'_, AppState>, key_id: Option<String>) -> Res<PeerPublicKeys> {
    state
        .run(move |s| peer::ensure_identity(s.vault()?, key_id.as_deref()))
        .await
}

#[tauri::command]
pub async fn peer_duty(state: State<'_, AppState>, minutes: u32) -> Res<Vec<String>> {
    state
        .engine()
        .set_duty(minutes)
        .await
        .map_err(|e| e.to_body())
}

#[tauri::command]
pub async fn peer_inbox(state: State<'_, AppState>) -> Res<Vec<InboxItem>> {
    state.flow(|s| async move { peer::inbox(&*s).await }).await
}

#[tauri::command]
pub async fn peer_claim(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .flow(|s| async move { peer::claim(&*s, &id).await })
        .await
}

#[tauri::command]
pub async fn peer_reply(
    state: State<'_, AppState>,
    id: String,
    message: String,
    eta_minutes: u32,
) -> Res<()> {
    state
        .flow(|s| async move { peer::reply(&*s, &id, &message, eta_minutes).await })
        .await
}

#[tauri::command]
pub async fn peer_close(state: State<'_, AppState>, id: String) -> Res<()> {
    state
        .flow(|s| async move { peer::close(&*s, &id).await })
        .await
}

/// The demo team's invite link, when the app runs in demo mode.
#[tauri::command]
pub async fn demo_invite(demo: State<'_, crate::DemoInvite>) -> Res<Option<String>> {
    Ok(demo.0.lock().map(|s| s.clone()).unwrap_or(None))
}

/// The invite link the app was opened with (a `peerline://join` link clicked outside the
/// app), once; the join screen shows it for the officer to confirm.
#[tauri::command]
pub async fn opened_invite(
    opened: State<'_, crate::invite_link::OpenedInvite>,
) -> Res<Option<String>> {
    Ok(opened.take())
}

#[tauri::command]
pub async fn team_leave(state: State<'_, AppState>) -> Res<()> {
    state.run(|s| team::leave(s.vault_mut()?)).await
}

#[tauri::command]
pub async fn settings_contact(
    state: State<'_, AppState>,
) -> Res<peerline_core::talk::payload::Contact> {
    state
        .run(|s| peerline_core::settings::contact(s.vault()?))
        .await
}

#[tauri::command]
pub async fn settings_set_contact(
    state: State<'_, AppState>,
    contact: peerline_core::talk::payload::Contact,
) -> Res<()> {
    state
        .run(move |s| peerline_core::settings::set_contact(s.vault()?, &contact))
        .await
}

#[tauri::command]
pub async fn settings_role(
    state: State<'_, AppState>,
) -> Res<Option<peerline_core::settings::Role>> {
    state
        .run(|s| peerline_core::settings::role(s.vault()?))
        .await
}

#[tauri::command]
pub async fn settings_set_role(
    state: State<'_, AppState>,
    role: peerline_core::settings::Role,
) -> Res<()> {
    state
        .run(move |s| peerline_core::settings::set_role(s.vault()?, role))
        .await
}
