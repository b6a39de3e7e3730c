// @ts-check
// The Rust core, faked at the IPC boundary: every `invoke` the built UI makes arrives here
// (through window.__TAURI_INTERNALS__.invoke, see harness.mjs) and gets what core would
// answer for the world the test sets up. A command this does not know is answered with an
// error and recorded, and the tests fail on it, so a screen can never pass on a
// half-mocked backend.
import * as data from './fixtures.mjs';

/** @typedef {import('../../ui/src/bindings').VaultStatus} VaultStatus */
/** @typedef {import('../../ui/src/bindings').TeamInfo} TeamInfo */
/** @typedef {import('../../ui/src/bindings').RequestView} RequestView */
/** @typedef {import('../../ui/src/bindings').InboxItem} InboxItem */
/** @typedef {import('../../ui/src/bindings').ErrorBody} ErrorBody */
/** @typedef {{ ok: true, value: unknown } | { ok: false, error: ErrorBody }} Reply */
/** @typedef {import('../../ui/src/bindings').Command} Command */
/** @typedef {import('../../ui/src/bindings').Commands} Commands */

/**
 * @typedef {object} World
 * @property {VaultStatus} status
 * @property {TeamInfo | null} team
 * @property {RequestView[]} requests
 * @property {InboxItem[]} inbox
 * @property {import('../../ui/src/bindings').Role | null} role
 * @property {import('../../ui/src/bindings').PlanView | null} plan
 * @property {import('../../ui/src/bindings').ConsoleTeam | null} console
 * @property {import('../../ui/src/bindings').FollowUpView | null} followUp
 * @property {boolean} [syncOn]
 * @property {boolean} [planWhenLocked]
 */

/** @param {Partial<World>} [over] @returns {World} */
export function world(over = {}) {
  return { status: data.STATUS.unlocked, team: data.TEAM, requests: [], inbox: [], role: 'officer', plan: null, console: null, followUp: null, ...over };
}

/** @param {string} code @param {string} message @returns {never} */
function fail(code, message) {
  throw { code, message };
}

/**
 * @template {Command} C
 * @typedef {(w: World, args: Commands[C]['args']) => Commands[C]['result']} Answer
 */

/**
 * What core answers to each command the screens under test call, typed from the generated
 * `Commands` map: a name the shell does not handle, an argument it does not take or a result
 * of the wrong shape fails the type check.
 * @type {{ [C in Command]?: Answer<C> }}
 */
const ANSWERS = {
  vault_status: (w) => w.status,
  first_screen_shown: () => null,
  vault_unlock: (w, args) => {
    if (args.passcode !== data.PASSCODE) fail('WRONG_PASSCODE', 'That passcode is not right.');
    w.status = data.STATUS.unlocked;
    return w.status;
  },
  vault_create: (w) => {
    w.status = data.STATUS.unlocked;
    return w.status;
  },
  settings_role: (w) => w.role,
  settings_set_role: (w, args) => {
    w.role = args.role;
    return null;
  },
  checkin_recent: (_w, args) => data.checkIns().slice(0, args.limit),
  trends: (_w, args) => data.trends(args.bucket, args.days),
  reminder_get: () => data.REMINDER,
  settings_contact: () => data.CONTACT,
  settings_set_contact: () => null,

  team_info: (w) => w.team,
  team_sync: (w) => w.team,
  demo_invite: () => data.DEMO_INVITE,
  opened_invite: () => null,
  talk_requests: (w) => w.requests,
  talk_preferences: () => data.PREFERENCES,
  safety_plan: (w) => w.plan,
  safety_plan_locked_get: (w) => w.planWhenLocked ?? false,
  safety_plan_locked_set: (w, args) => {
    w.planWhenLocked = args.on;
    return null;
  },
  safety_plan_while_locked: (w) => (w.planWhenLocked ? w.plan : null),
  safety_plan_save: (w, args) => {
    w.plan = { ...data.SAFETY_PLAN, plan: args.plan };
    return w.plan;
  },
  talk_conversation: (_w, args) => (args.id === data.OFFICER_CONVERSATION.request_id ? data.OFFICER_CONVERSATION : data.PEER_CONVERSATION),
  talk_read: () => null,
  talk_ask: () => ({ outcome: 'no_match', options: data.NO_MATCH }),
  talk_refresh: (w, args) =>
    w.requests.find((r) => r.request_id === args.id) ?? fail('NOT_FOUND', 'That request is no longer on this phone.'),

  peer_keys: () => data.PEER_KEYS,
  peer_inbox: (w) => w.inbox,
  autostart_get: () => false,
  sync_status: (w) => ({ on: w.syncOn ?? false, pending: false }),
  sync_link_start: () => ({
    link: 'peerline://link?v=1&relay=https%3A%2F%2Frelay.example.org&secret=CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk',
    state: { state: 'waiting' },
    expires_at: Math.floor(Date.now() / 1000) + 600,
  }),
  sync_link_join: () => ({ link: null, state: { state: 'show_code', code: '4821' }, expires_at: Math.floor(Date.now() / 1000) + 600 }),
  sync_link_answer: (_w, args) => ({
    link: null,
    state: args.yes ? { state: 'linked', received: 0 } : { state: 'ended', reason: 'You said no, so nothing was handed over.' },
    expires_at: Math.floor(Date.now() / 1000) + 600,
  }),
  sync_link_view: () => null,
  sync_devices: (w) => (w.syncOn
    ? [
      { id: '101', name: 'Linux computer', added_on: '2026-11-02', this_device: true },
      { id: '202', name: 'Android phone', added_on: '2026-11-20', this_device: false },
    ]
    : []),
  sync_remove_device: () => data.RECOVERY_CODE,
  sync_link_cancel: () => null,
  sync_turn_on: () => data.RECOVERY_CODE,

  screener_form: (_w, args) => {
    if (args.instrument !== 'phq9') fail('INTERNAL', `the a11y mock only has the PHQ-9, not ${args.instrument}`);
    return data.PHQ9;
  },
  screener_submit: (_w, args) => data.scorePhq9(args.answers),

  followup_view: (w) => w.followUp,
  talk_scheduled: () => [],
  followup_done: (w) => {
    w.followUp = null;
    return null;
  },
  console_team: (w) => w.console,
  console_create_team: (w) => {
    w.console = data.CONSOLE_TEAM;
    return w.console;
  },
  console_status: () => data.CONSOLE_STATUS,
  console_roster: () => data.ROSTER_DRAFT,
  console_history: () => data.ROSTER_HISTORY,
  console_invites: () => data.INVITES,
  console_issue_invite: () => data.ISSUED_INVITE,
  console_directory: () => data.DIRECTORY_DRAFT,
  console_figures: () => data.FIGURES,

  directory_builtin: () => data.BUILTIN,
  directory_search: (_w, args) => data.searchDirectory(args.query),
  directory_info: (w) => (w.team ? data.AGENCY_INFO : null),
  directory_sync: (w) => (w.team ? data.AGENCY_INFO : null),
};

/**
 * @param {World} w
 * @param {string} cmd
 * @param {Record<string, any>} args
 * @returns {unknown} `undefined` when the command is not mocked
 */
function answer(w, cmd, args) {
  // The event plugin: `listen` gets back the id of the callback it registered.
  if (cmd === 'plugin:event|listen') return args.handler;
  if (cmd === 'plugin:event|unlisten') return null;
  if (!Object.hasOwn(ANSWERS, cmd)) return undefined;
  const reply = /** @type {(w: World, args: any) => unknown} */ (ANSWERS[/** @type {Command} */ (cmd)]);
  return reply(w, args);
}

/** A fake core for one page load. */
export function backend(/** @type {World} */ w) {
  /** @type {string[]} */
  const calls = [];
  /** @type {string[]} */
  const unmocked = [];
  /** The UI's event listeners: event name → the callback ids `listen` registered. */
  /** @type {Map<string, number[]>} */
  const listeners = new Map();
  let inflight = 0;
  let lastActivity = Date.now();
  return {
    calls,
    unmocked,
    listeners,
    /** Milliseconds since the last call started or ended, or 0 while one is running. */
    quietFor: () => (inflight > 0 ? 0 : Date.now() - lastActivity),
    /**
     * @param {string} cmd
     * @param {Record<string, any>} args
     * @returns {Promise<Reply>}
     */
    async handle(cmd, args) {
      inflight++;
      lastActivity = Date.now();
      calls.push(cmd);
      if (cmd === 'plugin:event|listen') {
        listeners.set(args.event, [...(listeners.get(args.event) ?? []), args.handler]);
      }
      try {
        // Names outside the list fall through to "not mocked" and fail the test.
        const value = answer(w, cmd, args ?? {});
        if (value === undefined) {
          unmocked.push(cmd);
          return { ok: false, error: { code: 'INTERNAL', message: `Command ${cmd} is not mocked in tests/a11y/ipc.mjs.` } };
        }
        return { ok: true, value };
      } catch (e) {
        const body = /** @type {ErrorBody} */ (e);
        if (typeof body?.code === 'string') return { ok: false, error: body };
        throw e;
      } finally {
        inflight--;
        lastActivity = Date.now();
      }
    },
  };
}
