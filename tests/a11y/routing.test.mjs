// Routing driven by the shell's events, in headless Chromium against the built UI with the
// IPC faked at the boundary: a click on a new request's notification ("open-inbox") leads to
// the peer inbox, through the unlock screen when the vault is locked.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { INBOX, PASSCODE, STATUS } from './fixtures.mjs';
import { launchBrowser, openApp, serveDist } from './harness.mjs';
import { world } from './ipc.mjs';

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

test('a clicked new-request notification opens the inbox once the vault is unlocked', { timeout: 60_000 }, async () => {
  const app = await openApp(browser, server.origin, world({ status: STATUS.locked, role: 'peer', inbox: INBOX }));
  try {
    await app.waitFor('h1', /Peerline is locked/);
    await app.emit('open-inbox', null);
    // Still locked: nothing of the inbox shows before the passcode.
    await app.waitFor('h1', /Peerline is locked/);
    await app.page.type('input[type=password]', PASSCODE);
    await app.click('button[type=submit]');
    await app.waitFor('h1', /Peer supporter/);
    await app.waitFor('ul.inbox', /./);
    assert.deepEqual(app.core.unmocked, []);
    assert.deepEqual(app.errors, []);
  } finally {
    await app.page.close();
  }
});

test('with the vault open it goes straight to the inbox', { timeout: 60_000 }, async () => {
  const app = await openApp(browser, server.origin, world({ status: STATUS.unlocked, role: 'peer', inbox: INBOX }));
  try {
    await app.waitFor('main .last', /Last check-in/);
    await app.emit('open-inbox', null);
    await app.waitFor('h1', /Peer supporter/);
    assert.deepEqual(app.core.unmocked, []);
  } finally {
    await app.page.close();
  }
});
