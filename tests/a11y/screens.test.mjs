// Every screen of the built UI, reached by clicking as a person would, checked with axe-core
// in light and dark mode at 390×844: no serious or critical violation is allowed. Then, at
// normal and at doubled text (root 17 px -> 34 px), nothing may overflow the viewport sideways.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ACCEPTED_REQUEST, CONSOLE_TEAM, FOLLOW_UP, INBOX, SAFETY_PLAN, STATUS } from './fixtures.mjs';
import { launchBrowser, openApp, serveDist } from './harness.mjs';
import { world } from './ipc.mjs';

const BLOCKING = new Set(['serious', 'critical']);
// The root font size is 17 px (style.css); 200 % text doubles it.
const NORMAL_TEXT = '17px';
const TEXT_SIZES = [
  ['100 %', NORMAL_TEXT],
  ['200 %', '34px'],
];

/** Answers the open PHQ-9 by clicking each choice's label. */
async function answerPhq9(app, answers) {
  for (const [i, value] of answers.entries()) await app.click(`label[for="q${i}-${value}"]`);
  await app.click('form button[type="submit"]');
}

/** From the home screen (vault open). */
const home = (app) => app.waitFor('main .last', /Last check-in/);

/** @param {any} app */
const openConsole = async (app) => {
  await home(app);
  await app.click('#nav-settings');
  await app.click('#open-console');
  await app.waitFor('#console-tab-roster');
};

/**
 * name: screenshot and test name; world: what the fake core holds; reach: the clicks that
 * get there, ending once the screen has everything it loads.
 */
const SCREENS = [
  {
    name: 'onboarding',
    world: { status: STATUS.new },
    reach: (app) => app.waitFor('h1', /Welcome to Peerline/),
  },
  {
    name: 'welcome',
    world: { status: STATUS.new, role: null },
    reach: async (app) => {
      await app.waitFor('h1', /Welcome to Peerline/);
      for (const input of await app.page.$$('input[type=password]')) await input.type('steady-hands-42');
      await app.click('form button[type=submit]');
      await app.waitFor('h1', /How will you use Peerline/);
      await app.click('#role-peer');
      await app.waitFor('#welcome-join:not([hidden])');
    },
  },
  {
    name: 'home-peer-supporter',
    world: { role: 'peer_supporter' },
    reach: async (app) => {
      await home(app);
      await app.waitFor('#home-peer-inbox');
    },
  },
  {
    name: 'unlock',
    world: { status: STATUS.locked },
    reach: async (app) => {
      await app.waitFor('h1', /Peerline is locked/);
      await app.click('details.forgot summary');
      await app.click('details.forgot button.danger-outline');
      await app.waitFor('.confirm:not([hidden])');
    },
  },
  {
    name: 'problem',
    world: { status: STATUS.damaged },
    reach: (app) => app.waitFor('h1', /Your vault needs attention/),
  },
  { name: 'home', world: {}, reach: home },
  {
    name: 'crisis-dialog',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#crisis-button');
      await app.waitFor('#crisis-dialog[open] #crisis-copline');
    },
  },
  {
    name: 'settings',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-settings');
      await app.waitFor('h1', /Settings/);
      await app.page.waitForFunction(() => document.querySelector('#reminder-on')?.checked === true);
    },
  },
  {
    // Sync turned on: the recovery code, shown once, and its confirmation.
    name: 'settings-sync-code',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-settings');
      await app.waitFor('h1', /Settings/);
      await app.click('#sync-on');
      await app.waitFor('#sync-code', /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/);
    },
  },
  {
    // Sync on: "Link another device" shows the link, then asks about the device that came.
    name: 'settings-link-out',
    world: { syncOn: true },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-settings');
      await app.waitFor('h1', /Settings/);
      await app.click('#sync-link');
      await app.waitFor('#link-text', /^peerline:\/\/link\?/);
      await app.page.waitForSelector('#link-out img.qr');
      await app.emit('link', { link: null, state: { state: 'confirm', code: '4821' }, expires_at: Math.floor(Date.now() / 1000) + 600 });
      await app.waitFor('#link-ask', /A device wants to link\. Its code is 4821/);
    },
  },
  {
    // Sync on: the devices that sync; removing one shows the new recovery code.
    name: 'settings-remove-device',
    world: { syncOn: true },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-settings');
      await app.waitFor('h1', /Settings/);
      await app.waitFor('#sync-devices', /Android phone, since 2026-11-20/);
      await app.click('#sync-device-202 button');
      await app.waitFor('#sync-device-202 button', /Tap again/);
      await app.click('#sync-device-202 button');
      await app.waitFor('#sync-code-lead', /Android phone is removed/);
    },
  },
  {
    // A new device: the link used, the code to compare shown.
    name: 'settings-link-in',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-settings');
      await app.waitFor('h1', /Settings/);
      await app.page.type('#link-in-text', 'peerline://link?v=1&relay=https%3A%2F%2Frelay.example.org&secret=CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk');
      await app.click('#link-in-go');
      await app.waitFor('#link-in-code', /^4821$/);
    },
  },
  {
    name: 'settings-licences',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-settings');
      await app.waitFor('h1', /Settings/);
      await app.click('details.licences-box summary');
      await app.waitFor('#licences-list', /components, each under its own licence/);
    },
  },
  {
    name: 'trends',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-trends');
      await app.waitFor('#trends-table-mood');
      await app.page.waitForSelector('[data-plot="screener-who5"] canvas');
    },
  },
  {
    name: 'trends-table',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-trends');
      await app.click('#trends-table-toggle');
      await app.waitFor('#trends-table-mood');
    },
  },
  {
    name: 'history',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-history');
      await app.waitFor('#history-list li');
    },
  },
  {
    name: 'history-delete',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-history');
      await app.click('#delete-c2b7e1');
      await app.waitFor('#confirm-delete');
    },
  },
  {
    name: 'questionnaires',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-screeners');
      await app.waitFor('.screener-list [data-instrument="phq9"]');
    },
  },
  {
    name: 'phq9-form',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-screeners');
      await app.click('[data-instrument="phq9"]');
      await app.waitFor('h1', /PHQ-9/);
      await app.click('label[for="q0-2"]');
    },
  },
  {
    name: 'phq9-result',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-screeners');
      await app.click('[data-instrument="phq9"]');
      await answerPhq9(app, [1, 2, 1, 2, 1, 1, 1, 0, 0]);
      await app.waitFor('#screener-score', /9 — Mild/);
    },
  },
  {
    name: 'phq9-safety',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-screeners');
      await app.click('[data-instrument="phq9"]');
      await answerPhq9(app, [2, 2, 1, 2, 1, 2, 1, 1, 1]);
      await app.waitFor('#safety-talk');
    },
  },
  {
    name: 'talk',
    world: { requests: [ACCEPTED_REQUEST] },
    reach: async (app) => {
      await home(app);
      await app.click('#talk-to-a-peer');
      await app.waitFor('#request-status .reply', /Sam/);
      await app.waitFor('#hand-off-ask', /Dana Lee/);
    },
  },
  {
    name: 'talk-new-request',
    world: { requests: [] },
    reach: async (app) => {
      await home(app);
      await app.click('#talk-to-a-peer');
      await app.waitFor('#send-request');
      await app.click('form[aria-label="Ask for a peer"] details summary');
      await app.waitFor('#contact-number');
    },
  },
  {
    name: 'talk-choose',
    world: { requests: [] },
    reach: async (app) => {
      await home(app);
      await app.click('#talk-to-a-peer');
      await app.waitFor('#send-request');
      await app.click('#choose-details summary');
      await app.waitFor('#choose-units');
    },
  },
  {
    name: 'talk-no-match',
    world: { requests: [] },
    reach: async (app) => {
      await home(app);
      await app.click('#talk-to-a-peer');
      await app.click('#send-request');
      await app.waitFor('#no-match', /Nothing has been sent/);
    },
  },
  {
    name: 'safety-plan',
    world: { plan: SAFETY_PLAN },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-plan');
      await app.waitFor('#plan-steps', /Sgt\. Diaz/);
      await app.waitFor('#plan-when-locked-hint', /anyone holding the phone/);
    },
  },
  {
    // Locked, with the plan kept readable: the lock screen offers it and the next ten
    // minutes; the plan opens without the passcode.
    name: 'locked-plan',
    world: { status: STATUS.locked, plan: SAFETY_PLAN, planWhenLocked: true },
    reach: async (app) => {
      await app.waitFor('h1', /Peerline is locked/);
      await app.waitFor('#locked-plan', /My safety plan/);
      await app.click('#locked-plan');
      await app.waitFor('#plan-steps', /Sgt\. Diaz/);
    },
  },
  {
    // Locked, no copy kept: the next ten minutes, from the lock screen.
    name: 'locked-calm',
    world: { status: STATUS.locked, plan: SAFETY_PLAN },
    reach: async (app) => {
      await app.waitFor('h1', /Peerline is locked/);
      await app.click('#locked-calm');
      await app.waitFor('h1', /The next ten minutes/);
      await app.click('button.back');
      await app.waitFor('h1', /Peerline is locked/);
      if (await app.page.$eval('#locked-plan', (b) => !b.hidden)) throw new Error('the plan offered while locked without the choice');
    },
  },
  {
    // Step 5 filled from the directory.
    name: 'safety-plan-edit-directory',
    world: { plan: null },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-plan');
      await app.click('#plan-start');
      await app.click('details.plan-picker summary');
      await app.page.type('#edit-professionals-search', '988');
      await app.click('#edit-professionals-search-go');
      await app.waitFor('#edit-professionals-results', /Add /);
    },
  },
  {
    name: 'safety-plan-edit',
    world: { plan: null },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-plan');
      await app.click('#plan-start');
      await app.waitFor('form[aria-label="Edit my safety plan"]', /Making my surroundings safe/);
    },
  },
  {
    name: 'phq9-safety-with-plan',
    world: { plan: SAFETY_PLAN },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-screeners');
      await app.click('[data-instrument="phq9"]');
      await answerPhq9(app, [2, 2, 1, 2, 1, 2, 1, 1, 1]);
      await app.waitFor('#plan-steps', /My kids/);
    },
  },
  {
    name: 'calm',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-calm');
      await app.click('#breath-start');
      await app.waitFor('#breath-start', /Stop/);
    },
  },
  {
    name: 'home-follow-up',
    world: { followUp: FOLLOW_UP },
    reach: async (app) => {
      await home(app);
      await app.waitFor('#follow-up', /a week after the incident/);
      await app.waitFor('#follow-up-pcl5');
      await app.waitFor('#check-on-me', /check on me in 3 days/);
    },
  },
  {
    name: 'home-follow-up-between-steps',
    world: { followUp: { ...FOLLOW_UP, current: null, steps: FOLLOW_UP.steps.map((st) => (st.state === 'due' ? { ...st, state: 'done' } : st)) } },
    reach: async (app) => {
      await home(app);
      await app.waitFor('#follow-up-next', /next check-in/);
    },
  },
  {
    name: 'console-setup',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-settings');
      await app.click('#open-console');
      await app.waitFor('#console-create');
    },
  },
  {
    name: 'console-team',
    world: { console: CONSOLE_TEAM },
    reach: async (app) => {
      await openConsole(app);
      await app.waitFor('#console-status', /41/);
    },
  },
  {
    name: 'console-roster',
    world: { console: CONSOLE_TEAM },
    reach: async (app) => {
      await openConsole(app);
      await app.click('#console-tab-roster');
      await app.waitFor('#roster-peers', /to fix/);
      await app.waitFor('#coverage-table');
      await app.waitFor('#roster-history', /again/);
    },
  },
  {
    name: 'console-invites',
    world: { console: CONSOLE_TEAM },
    reach: async (app) => {
      await openConsole(app);
      await app.click('#console-tab-invites');
      await app.waitFor('#invite-rows', /Active/);
      await app.click('#console-issue');
      await app.waitFor('#console-invite-link', /peerline:\/\/join/);
    },
  },
  {
    name: 'console-directory',
    world: { console: CONSOLE_TEAM },
    reach: async (app) => {
      await openConsole(app);
      await app.click('#console-tab-directory');
      await app.waitFor('#directory-entries', /https:\/\//);
    },
  },
  {
    name: 'console-figures',
    world: { console: CONSOLE_TEAM },
    reach: async (app) => {
      await openConsole(app);
      await app.click('#console-tab-figures');
      await app.waitFor('#figures-periods', /fewer than 5/);
      await app.waitFor('#figures-duty');
    },
  },
  {
    name: 'join',
    world: { team: null },
    reach: async (app) => {
      await home(app);
      await app.click('#talk-to-a-peer');
      await app.waitFor('#use-demo');
    },
  },
  {
    name: 'peer',
    world: { inbox: INBOX },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-peer');
      await app.waitFor('.inbox-item');
      await app.waitFor('.conversation .thread', /diner/);
      await app.click('#keys-h ~ button');
      await app.waitFor('img.qr');
    },
  },
  {
    name: 'directory',
    world: {},
    reach: async (app) => {
      await home(app);
      await app.click('#nav-directory');
      await app.waitFor('#directory-agency', /version 4/);
      await app.waitFor('#directory-results #dir-agency-2');
      await app.click('details.filters summary');
    },
  },
  {
    name: 'directory-no-team',
    world: { team: null },
    reach: async (app) => {
      await home(app);
      await app.click('#nav-directory');
      await app.waitFor('#directory-agency', /Join your team/);
      await app.waitFor('#directory-results #dir-copline');
    },
  },
];

function formatViolations(list) {
  return list
    .map((v) => `  ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    - ${n.target}\n      ${n.summary.replace(/\n/g, '\n      ')}`).join('\n')}`)
    .join('\n');
}

describe('accessibility of the built UI (axe-core in headless Chromium, 390×844)', () => {
  let server;
  let browser;

  before(async () => {
    server = await serveDist();
    browser = await launchBrowser();
  }, { timeout: 60_000 });

  after(async () => {
    await browser?.close();
    await server?.close();
  }, { timeout: 30_000 });

  for (const screen of SCREENS) {
    test(screen.name, { timeout: 120_000 }, async (t) => {
      const app = await openApp(browser, server.origin, world(screen.world));
      try {
        await screen.reach(app);

        for (const scheme of ['light', 'dark']) {
          await t.test(`${scheme}: no serious or critical axe violations`, async (st) => {
            await app.scheme(scheme);
            await app.screenshot(`${screen.name}-${scheme}`);
            const { violations, incomplete } = await app.axe();
            for (const v of incomplete) st.diagnostic(`needs review: ${v.id} ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`);
            const minor = violations.filter((v) => !BLOCKING.has(v.impact));
            for (const v of minor) st.diagnostic(`not blocking: ${v.id} (${v.impact}) ${v.help}: ${v.nodes.map((n) => n.target).join(', ')}`);
            const blocking = violations.filter((v) => BLOCKING.has(v.impact));
            assert.equal(blocking.length, 0, `${screen.name} in ${scheme} mode:\n${formatViolations(blocking)}`);
          });
        }

        for (const [label, size] of TEXT_SIZES) {
          await t.test(`${label} text: nothing overflows sideways`, async (st) => {
            await app.scheme('light');
            const o = await app.overflowAt(size);
            if (size !== NORMAL_TEXT) await app.screenshot(`${screen.name}-${label.replace(' %', 'pct')}`);
            const overflowing = o.scrollWidth > o.viewport || o.dialogs.length > 0;
            for (const line of o.scrollers) st.diagnostic(line);
            assert.ok(
              !overflowing,
              `${screen.name} at root ${size}: document scrollWidth ${o.scrollWidth} > viewport ${o.viewport}` +
                `${o.dialogs.length ? `\n  dialog: ${o.dialogs.join('\n  dialog: ')}` : ''}\n  sticking out:\n  ${o.offenders.join('\n  ')}`,
            );
          });
        }

        assert.deepEqual(app.core.unmocked, [], `commands the fake core does not know: ${app.core.unmocked.join(', ')}`);
        assert.deepEqual(app.outside, [], `requests that left the loopback server: ${app.outside.join(', ')}`);
        assert.deepEqual(app.errors, [], `uncaught errors in the page: ${app.errors.join('\n')}`);
      } catch (e) {
        await app.screenshot(`${screen.name}-FAILED`).catch(() => undefined);
        throw e;
      } finally {
        await app.close();
      }
    });
  }
});
