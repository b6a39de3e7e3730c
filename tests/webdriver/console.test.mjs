// The coordinator's console in the real window, against a real relay started here on
// 127.0.0.1: create a team, issue an invite that two peers' apps join, add the two peers
// from the keys their apps show, publish, and see the figures screen keep its rule; then an
// officer's app asks five times, and two weeks on the figures show those five.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { startApp } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const relayBinary = process.env.PEERLINE_RELAY_BINARY ?? resolve(here, '../../target/debug/peerline-relay');
const PASS = 'coordinate-this-9';
const ADMIN = 'wd-admin-token-7c1e9a55d0b24f63';
const work = mkdtempSync(join(tmpdir(), 'peerline-wd-console-'));
let relay;
let relayUrl;
let coordinatorDir;
let invite;
const keys = [];

const freePort = () => new Promise((ok, fail) => {
  const s = createServer();
  s.once('error', fail);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address();
    s.close(() => ok(port));
  });
});

let relayPort;

async function startRelay() {
  relay = spawn(relayBinary, ['serve', '--listen', `127.0.0.1:${relayPort}`, '--database', join(work, 'relay.db'), '--admin-token-file', join(work, 'admin-token')], {
    env: { ...process.env, RUST_LOG: 'warn' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const until = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetch(`${relayUrl}/v1/health`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error('the relay did not start');
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  writeFileSync(join(work, 'admin-token'), ADMIN, { mode: 0o600 });
  relayPort = await freePort();
  relayUrl = `http://127.0.0.1:${relayPort}`;
  await startRelay();
});

/** A new app set up in `role` (peer or officer) and joined with the console's invite. */
async function joinAs(app, role) {
  await app.choosePasscode(PASS);
  await app.click(`#role-${role}`);
  await app.waitFor('#welcome-join-now', /Join my team now/);
  await app.click('#welcome-join-now');
  await app.waitFor('h1', /Join your peer team/);
  await app.type('#invite', invite);
  await app.click('form button[type=submit]');
  await app.waitFor('h1', /How are you doing\?/, 30_000);
}

after(() => {
  relay?.kill('SIGTERM');
  if (coordinatorDir) rmSync(coordinatorDir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

test('a coordinator creates a team from the console and issues an invite', async () => {
  const app = await startApp();
  coordinatorDir = app.dataDir;
  try {
    await app.setUp(PASS);
    await app.click('#nav-settings');
    await app.click('#open-console');
    await app.waitFor('h1', /Coordinator/);
    await app.type('#console-relay', relayUrl);
    await app.type('#console-admin-token', 'not-the-token');
    await app.click('#console-create');
    await app.waitFor('.message', /token|admin|refused|not/i);
    await app.type('#console-admin-token', ADMIN);
    await app.click('#console-create');
    // Made: the console moves on to the roster, which is empty.
    await app.waitFor('#roster-state', /Not published yet/, 20_000);
    await app.click('#console-tab-team');
    await app.waitFor('#console-status', /Devices joined/);
    await app.screenshot('70-console-team');

    await app.click('#console-tab-invites');
    await app.type('#console-invite-uses', '3');
    await app.click('#console-issue');
    invite = await app.waitFor('#console-invite-link', /^peerline:\/\/join\?/);
    await app.waitFor('#invite-rows', /0 of 3/);
    await app.screenshot('71-console-invite');
  } finally {
    await app.stop({ keep: true });
  }
});

for (const who of ['first', 'second']) {
  test(`the ${who} peer's app joins with the invite and shows its keys`, async () => {
    const app = await startApp();
    try {
      await joinAs(app, 'peer');
      await app.click('#nav-peer');
      await app.click('#keys-h ~ button');
      keys.push(await app.waitFor('pre.keys', /\[\[peers\]\]/));
    } finally {
      await app.stop();
    }
  });
}

test('the coordinator adds both peers from their keys and publishes the roster', async () => {
  assert.equal(keys.length, 2);
  const app = await startApp({}, { dataDir: coordinatorDir });
  try {
    await app.unlock(PASS);
    await app.click('#nav-settings');
    await app.click('#open-console');
    await app.click('#console-tab-invites');
    await app.waitFor('#invite-rows', /2 of 3/);

    await app.click('#console-tab-roster');
    await app.waitFor('#roster-state', /Not published yet/);
    for (const [i, name] of ['Sam Ortiz', 'Dana Lee'].entries()) {
      await app.type('#console-peer-keys', keys[i]);
      await app.type('#console-peer-name', name);
      await app.click('#console-add-peer');
      await app.waitFor('#roster-preview', new RegExp(name));
    }
    // A schedule with a mistake: the problem shows beside the field, and publishing waits.
    await app.click('#roster-peers details:first-of-type summary');
    await app.type('#peer-0-schedule', 'mon 18-06\nfunday');
    await app.click('#console-publish-roster');
    await app.waitFor('#peer-0-schedule-problem', /mon 18-06/);
    await app.type('#peer-0-schedule', 'mon 18-06');
    await app.click('#console-publish-roster');
    await app.waitFor('#roster-message', /Published as version 1/, 20_000);
    await app.waitFor('#coverage-summary', /156 hours/);
    await app.screenshot('72-console-roster');

    await app.click('#console-tab-figures');
    await app.waitFor('#figures-rule', /fewer than 5/);
    await app.waitFor('#figures-periods', /No ended week/);
    await app.screenshot('73-console-figures');
  } finally {
    await app.stop({ keep: true });
  }
});

test('an officer asks five times; two weeks on, the figures show the five and nothing finer', async () => {
  const officer = await startApp();
  try {
    await joinAs(officer, 'officer');
    await officer.click('#talk-to-a-peer');
    await officer.waitFor('h1', /Talk to a peer/, 30_000);
    for (let i = 0; i < 5; i++) {
      await officer.click('#send-request');
      // Sent (not queued: each of the five has a token from the join), then cancelled.
      await officer.waitFor('#request-status', /^(?![\s\S]*Queued)[\s\S]*Cancel request/, 30_000);
      await officer.click('#request-status > button.secondary');
      await officer.waitFor('#send-request', /Send to a peer now/, 30_000);
    }
  } finally {
    await officer.stop();
  }
  // A week is shown a day after it ends: move the relay's counters back two weeks (the
  // relay stopped, one writer on its file), as if the coordinator looked a fortnight on.
  if (relay.exitCode === null && relay.signalCode === null) {
    const exited = new Promise((r) => relay.once('exit', r));
    relay.kill('SIGTERM');
    await exited;
  }
  execFileSync('sqlite3', [join(work, 'relay.db'), 'UPDATE team_weeks SET week = week - 2']);
  await startRelay();

  const app = await startApp({}, { dataDir: coordinatorDir });
  try {
    await app.unlock(PASS);
    await app.click('#nav-settings');
    await app.click('#open-console');
    await app.click('#console-tab-figures');
    await app.waitFor('#figures-periods', /\d/, 20_000);
    const rows = await app.script(() => [...document.querySelectorAll('#figures-periods tbody tr')]
      .map((tr) => [...tr.children].map((c) => c.textContent)));
    // The week with the five, and the quiet week after it pooled as "fewer than 5".
    const shown = rows.filter((r) => r[1] !== 'fewer than 5');
    assert.equal(shown.length, 1, JSON.stringify(rows));
    assert.equal(shown[0][1], '5', 'five requests');
    assert.equal(shown[0][2], '0%', 'none taken');
    await app.screenshot('74-console-figures-after-requests');
  } finally {
    await app.stop({ keep: true });
  }
});
