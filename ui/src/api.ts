// Typed calls into the Rust core. Argument names are camelCase on this side; Tauri maps
// them to the Rust parameters' snake_case.
import { invoke } from '@tauri-apps/api/core';
import type {
  AgencyInfo,
  Role,
  Hit,
  Query,
  BackupReport,
  ExportFormat,
  ExportOptions,
  ReminderTime,
  RestoreMode,
  Bucket,
  CheckIn,
  Contact,
  Form,
  Instrument,
  SavedScore,
  InboxItem,
  NewRequest,
  PeerPublicKeys,
  QuickCheckIn,
  RequestView,
  TeamInfo,
  Trends,
  VaultStatus,
  Command,
} from './bindings';
import { ApiError, toErrorBody } from './errors';

// `Command` is generated from the shell's one list of commands: a name it does not handle
// fails the type check.
async function call<T>(cmd: Command, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw new ApiError(toErrorBody(e));
  }
}

export const api = {
  status: () => call<VaultStatus>('vault_status'),
  firstScreenShown: () => call<null>('first_screen_shown'),
  retry: () => call<VaultStatus>('vault_retry'),
  create: (passcode: string | null) => call<VaultStatus>('vault_create', { passcode }),
  unlock: (passcode: string) => call<VaultStatus>('vault_unlock', { passcode }),
  lock: () => call<VaultStatus>('vault_lock'),
  setPasscode: (current: string | null, newPasscode: string) =>
    call<VaultStatus>('vault_set_passcode', { current, newPasscode }),
  removePasscode: (current: string) => call<VaultStatus>('vault_remove_passcode', { current }),
  setAutoLock: (minutes: number | null) => call<VaultStatus>('vault_set_auto_lock', { minutes }),
  erase: () => call<VaultStatus>('vault_erase'),
  setAsideDamaged: () => call<VaultStatus>('vault_set_aside_damaged'),
  saveCheckIn: (entry: QuickCheckIn) => call<CheckIn>('checkin_save', { entry }),
  recentCheckIns: (limit: number) => call<CheckIn[]>('checkin_recent', { limit }),
  deleteCheckIn: (id: string) => call<boolean>('checkin_delete', { id }),
  updateCheckIn: (id: string, entry: QuickCheckIn) => call<CheckIn>('checkin_update', { id, entry }),
  // `days` counts back from today (local), today included.
  trends: (bucket: Bucket, days: number) => call<Trends>('trends', { bucket, days }),
  teamJoin: (invite: string) => call<TeamInfo | null>('team_join', { invite }),
  teamInfo: () => call<TeamInfo | null>('team_info'),
  teamSync: () => call<TeamInfo | null>('team_sync'),
  talkAsk: (request: NewRequest) => call<RequestView>('talk_ask', { request }),
  talkRequests: () => call<RequestView[]>('talk_requests'),
  talkRefresh: (id: string) => call<RequestView>('talk_refresh', { id }),
  talkCancel: (id: string) => call<RequestView>('talk_cancel', { id }),
  peerKeys: (keyId: string | null) => call<PeerPublicKeys>('peer_keys', { keyId }),
  peerDuty: (minutes: number) => call<string[]>('peer_duty', { minutes }),
  peerInbox: () => call<InboxItem[]>('peer_inbox'),
  peerClaim: (id: string) => call<null>('peer_claim', { id }),
  peerReply: (id: string, message: string, etaMinutes: number) =>
    call<null>('peer_reply', { id, message, etaMinutes }),
  peerClose: (id: string) => call<null>('peer_close', { id }),
  demoInvite: () => call<string | null>('demo_invite'),
  screenerForm: (instrument: Instrument) => call<Form>('screener_form', { instrument }),
  screenerSubmit: (instrument: Instrument, answers: number[]) =>
    call<SavedScore>('screener_submit', { instrument, answers }),
  teamLeave: () => call<null>('team_leave'),
  contact: () => call<Contact>('settings_contact'),
  setContact: (contact: Contact) => call<null>('settings_set_contact', { contact }),
  role: () => call<Role | null>('settings_role'),
  setRole: (role: Role) => call<null>('settings_set_role', { role }),
  reminderGet: () => call<ReminderTime | null>('reminder_get'),
  reminderSet: (at: ReminderTime | null) => call<ReminderTime | null>('reminder_set', { at }),
  /** Opens the system save dialog; `null` when the officer cancels. */
  exportSave: (format: ExportFormat, options: ExportOptions) =>
    call<number | null>('export_save', { format, options }),
  backupSave: (passphrase: string) => call<BackupReport | null>('backup_save', { passphrase }),
  /** Opens the system file chooser; the chosen file's name, or `null` when cancelled. */
  backupChoose: () => call<string | null>('backup_choose'),
  backupRestore: (passphrase: string, mode: RestoreMode) =>
    call<BackupReport>('backup_restore', { passphrase, mode }),
  /** The built-in national resources; works locked. */
  directoryBuiltin: () => call<Hit[]>('directory_builtin'),
  directorySearch: (query: Query) => call<Hit[]>('directory_search', { query }),
  directoryInfo: () => call<AgencyInfo | null>('directory_info'),
  directorySync: () => call<AgencyInfo | null>('directory_sync'),
  /** Hands a call / text / web link to the system, after core's allow-list. */
  directoryOpen: (uri: string) => call<null>('directory_open', { uri }),
};
