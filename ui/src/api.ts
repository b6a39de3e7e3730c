// Typed calls into the Rust core. Argument names are camelCase on this side; Tauri maps
// them to the Rust parameters' snake_case.
import { invoke } from '@tauri-apps/api/core';
import type {
  Role,
  Query,
  ExportFormat,
  ExportOptions,
  ReminderTime,
  RestoreMode,
  Bucket,
  Contact,
  Instrument,
  NewRequest,
  Preferences,
  SafetyPlan,
  QuickCheckIn,
  NewTeam,
  Step,
  Roster,
  Directory,
  DirectoryFormat,
  DocumentKind,
  Command,
  Commands,
} from './bindings';
import { ApiError, toErrorBody } from './errors';

/** The arguments `cmd` takes: none, or the one object its Rust function reads. */
type ArgsOf<C extends Command> = Commands[C]['args'] extends Record<string, never>
  ? []
  : [args: Commands[C]['args']];

// `Commands` is generated from the shell's command functions: a name it does not handle,
// a missing or mistyped argument, or a wrong result type fails the type check.
async function call<C extends Command>(cmd: C, ...args: ArgsOf<C>): Promise<Commands[C]['result']> {
  try {
    return await invoke<Commands[C]['result']>(cmd, args[0]);
  } catch (e) {
    throw new ApiError(toErrorBody(e));
  }
}

export const api = {
  status: () => call('vault_status'),
  firstScreenShown: () => call('first_screen_shown'),
  retry: () => call('vault_retry'),
  create: (passcode: string | null) => call('vault_create', { passcode }),
  unlock: (passcode: string) => call('vault_unlock', { passcode }),
  lock: () => call('vault_lock'),
  setPasscode: (current: string | null, newPasscode: string) =>
    call('vault_set_passcode', { current, newPasscode }),
  removePasscode: (current: string) => call('vault_remove_passcode', { current }),
  setAutoLock: (minutes: number | null) => call('vault_set_auto_lock', { minutes }),
  erase: () => call('vault_erase'),
  setAsideDamaged: () => call('vault_set_aside_damaged'),
  saveCheckIn: (entry: QuickCheckIn) => call('checkin_save', { entry }),
  recentCheckIns: (limit: number) => call('checkin_recent', { limit }),
  deleteCheckIn: (id: string) => call('checkin_delete', { id }),
  updateCheckIn: (id: string, entry: QuickCheckIn) => call('checkin_update', { id, entry }),
  // `days` counts back from today (local), today included.
  trends: (bucket: Bucket, days: number) => call('trends', { bucket, days }),
  teamJoin: (invite: string) => call('team_join', { invite }),
  teamInfo: () => call('team_info'),
  teamSync: () => call('team_sync'),
  talkAsk: (request: NewRequest) => call('talk_ask', { request }),
  talkPreferences: () => call('talk_preferences'),
  /** "Ask a peer to check on me in `days` days": sent then, the usual anonymous way. */
  talkSchedule: (request: NewRequest, days: number) => call('talk_schedule', { request, days }),
  talkScheduled: () => call('talk_scheduled'),
  talkScheduledCancel: (id: string) => call('talk_scheduled_cancel', { id }),
  safetyPlan: () => call('safety_plan'),
  safetyPlanSave: (plan: SafetyPlan) => call('safety_plan_save', { plan }),
  safetyPlanLockedGet: () => call('safety_plan_locked_get'),
  /** Keeps a copy of the plan readable while locked (outside the vault), or deletes it. */
  safetyPlanLockedSet: (on: boolean) => call('safety_plan_locked_set', { on }),
  /** The plan as a locked app shows it (only the copy the officer chose to keep). */
  safetyPlanWhileLocked: () => call('safety_plan_while_locked'),
  talkSetPreferences: (preferences: Preferences) => call('talk_set_preferences', { preferences }),
  talkRequests: () => call('talk_requests'),
  talkRefresh: (id: string) => call('talk_refresh', { id }),
  talkCancel: (id: string) => call('talk_cancel', { id }),
  talkConversation: (id: string) => call('talk_conversation', { id }),
  talkSend: (id: string, text: string) => call('talk_send', { id, text }),
  talkRead: (id: string) => call('talk_read', { id }),
  talkKeep: (id: string, keep: boolean) => call('talk_keep', { id, keep }),
  talkAnswerHandOff: (id: string, agree: boolean) => call('talk_answer_hand_off', { id, agree }),
  peerHandOff: (id: string, to: string | null) => call('peer_hand_off', { id, to }),
  peerKeys: (keyId: string | null) => call('peer_keys', { keyId }),
  peerDuty: (minutes: number) => call('peer_duty', { minutes }),
  peerInbox: () => call('peer_inbox'),
  peerClaim: (id: string) => call('peer_claim', { id }),
  peerReply: (id: string, message: string, etaMinutes: number) =>
    call('peer_reply', { id, message, etaMinutes }),
  peerClose: (id: string) => call('peer_close', { id }),
  demoInvite: () => call('demo_invite'),
  openedInvite: () => call('opened_invite'),
  screenerForm: (instrument: Instrument) => call('screener_form', { instrument }),
  screenerSubmit: (instrument: Instrument, answers: number[]) =>
    call('screener_submit', { instrument, answers }),
  teamLeave: () => call('team_leave'),
  contact: () => call('settings_contact'),
  setContact: (contact: Contact) => call('settings_set_contact', { contact }),
  role: () => call('settings_role'),
  setRole: (role: Role) => call('settings_set_role', { role }),
  followUp: () => call('followup_view'),
  followUpStart: () => call('followup_start'),
  followUpDone: (step: Step) => call('followup_done', { step }),
  followUpStop: () => call('followup_stop'),
  reminderGet: () => call('reminder_get'),
  reminderSet: (at: ReminderTime | null) => call('reminder_set', { at }),
  /** Opens the system save dialog; `null` when the officer cancels. */
  exportSave: (format: ExportFormat, options: ExportOptions) =>
    call('export_save', { format, options }),
  backupSave: (passphrase: string) => call('backup_save', { passphrase }),
  /** Opens the system file chooser; the chosen file's name, or `null` when cancelled. */
  backupChoose: () => call('backup_choose'),
  backupRestore: (passphrase: string, mode: RestoreMode) =>
    call('backup_restore', { passphrase, mode }),
  /** The built-in national resources; works locked. */
  directoryBuiltin: () => call('directory_builtin'),
  directorySearch: (query: Query) => call('directory_search', { query }),
  directoryInfo: () => call('directory_info'),
  directorySync: () => call('directory_sync'),
  syncStatus: () => call('sync_status'),
  /** Turns sync on; the recovery code, shown once. */
  syncTurnOn: () => call('sync_turn_on'),
  syncRestore: (code: string) => call('sync_restore', { code }),
  syncNow: () => call('sync_now'),
  syncTurnOff: () => call('sync_turn_off'),
  /** On the device that has sync: a one-time link for a new device. */
  syncLinkStart: () => call('sync_link_start'),
  /** On the new device: uses the link; the code to compare. */
  syncLinkJoin: (link: string) => call('sync_link_join', { link }),
  syncLinkAnswer: (yes: boolean) => call('sync_link_answer', { yes }),
  syncLinkView: () => call('sync_link_view'),
  syncLinkCancel: () => call('sync_link_cancel'),
  syncDevices: () => call('sync_devices'),
  /** Removes a device; the new recovery code, shown once. */
  syncRemoveDevice: (id: string) => call('sync_remove_device', { id }),
  /** Desktop only: whether Peerline starts in the tray at login (fails on phones). */
  autostartGet: () => call('autostart_get'),
  autostartSet: (on: boolean) => call('autostart_set', { on }),
  // The coordinator's console.
  consoleTeam: () => call('console_team'),
  consoleCreateTeam: (team: NewTeam) => call('console_create_team', { team }),
  consoleImportKey: (text: string, passphrase: string | null) =>
    call('console_import_key', { text, passphrase }),
  /** Opens the system save dialog; `false` when the coordinator cancels. */
  consoleExportKey: (passphrase: string) => call('console_export_key', { passphrase }),
  consoleForget: () => call('console_forget'),
  consoleStatus: () => call('console_status'),
  consoleRoster: () => call('console_roster'),
  consoleSaveRoster: (roster: Roster) => call('console_save_roster', { roster }),
  consoleAddPeer: (keys: string, name: string) => call('console_add_peer', { keys, name }),
  consoleDirectory: () => call('console_directory'),
  consoleSaveDirectory: (directory: Directory) => call('console_save_directory', { directory }),
  consoleImportDirectory: (text: string, format: DirectoryFormat) =>
    call('console_import_directory', { text, format }),
  consolePublish: (kind: DocumentKind) => call('console_publish', { kind }),
  consoleHistory: (kind: DocumentKind) => call('console_history', { kind }),
  consoleReopen: (kind: DocumentKind, version: number) => call('console_reopen', { kind, version }),
  consoleInvites: () => call('console_invites'),
  consoleIssueInvite: (uses: number, days: number) => call('console_issue_invite', { uses, days }),
  consoleRevokeInvite: (inviteId: string) => call('console_revoke_invite', { inviteId }),
  consoleFigures: (utcOffsetMinutes: number) => call('console_figures', { utcOffsetMinutes }),
  /** Hands a call / text / web link to the system, after core's allow-list. */
  directoryOpen: (uri: string) => call('directory_open', { uri }),
};
