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
/**
 * What the UI can invoke: the shell's commands (generated from its one list in Rust) and the
 * event plugin's two. A `case` for a name the shell does not handle fails the type check.
 * @typedef {import('../../ui/src/bindings').Command | 'plugin:event|listen' | 'plugin:event|unlisten'} Invokable
 */

/**
 * @typedef {object} World
 * @property {VaultStatus} status
 * @property {TeamInfo | null} team
 * @property {RequestView[]} requests
 * @property {InboxItem[]} inbox
 * @property {import('../../ui/src/bindings').Role | null} role
 */

/** @param {Partial<World>} [over] @returns {World} */
export function world(over = {}) {
  return { status: data.STATUS.unlocked, team: data.TEAM, requests: [], inbox: [], role: 'officer', ...over };
}

/** @param {string} code @param {string} message @returns {never} */
function fail(code, message) {
  throw { code, message };
}

/**
 * @param {World} w
 * @param {Invokable} cmd
 * @param {Record<string, any>} args
 * @returns {unknown}
 */
function answer(w, cmd, args) {
  switch (cmd) {
    // The event plugin: `listen` gets back the id of the callback it registered.
    case 'plugin:event|listen':
      return args.handler;
    case 'plugin:event|unlisten':
      return null;

    case 'vault_status':
      return w.status;
    case 'first_screen_shown':
      return null;
    case 'vault_create':
      w.status = data.STATUS.unlocked;
      return w.status;
    case 'settings_role':
      return w.role;
    case 'settings_set_role':
      w.role = args.role;
      return null;
    case 'checkin_recent':
      return data.checkIns().slice(0, args.limit);
    case 'trends':
      return data.trends(args.bucket, args.days);
    case 'reminder_get':
      return data.REMINDER;
    case 'settings_contact':
      return data.CONTACT;
    case 'settings_set_contact':
      return null;

    case 'team_info':
    case 'team_sync':
      return w.team;
    case 'demo_invite':
      return data.DEMO_INVITE;
    case 'talk_requests':
      return w.requests;
    case 'talk_refresh':
      return w.requests.find((r) => r.request_id === args.id) ?? fail('NOT_FOUND', 'That request is no longer on this phone.');

    case 'peer_keys':
      return data.PEER_KEYS;
    case 'peer_inbox':
      return w.inbox;

    case 'screener_form':
      if (args.instrument !== 'phq9') fail('INTERNAL', `the a11y mock only has the PHQ-9, not ${args.instrument}`);
      return data.PHQ9;
    case 'screener_submit':
      return data.scorePhq9(args.answers);

    case 'directory_builtin':
      return data.BUILTIN;
    case 'directory_search':
      return data.searchDirectory(args.query);
    case 'directory_info':
    case 'directory_sync':
      return w.team ? data.AGENCY_INFO : null;
  }
  return undefined;
}

/** A fake core for one page load. */
export function backend(/** @type {World} */ w) {
  /** @type {string[]} */
  const calls = [];
  /** @type {string[]} */
  const unmocked = [];
  let inflight = 0;
  let lastActivity = Date.now();
  return {
    calls,
    unmocked,
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
      try {
        // Names outside the list fall through to "not mocked" and fail the test.
        const value = answer(w, /** @type {Invokable} */ (cmd), args ?? {});
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
