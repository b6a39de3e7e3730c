// Linking a second device in two real windows: the first (on the demo team, sync on) shows a
// one-time link; the second uses it and shows a code; the first asks whether that code is the
// new device's, and only after "yes" does the second hold the first's check-in, in its trends.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp } from './harness.mjs';

const PASS = 'two-devices-42';
let first;
let second;

before(async () => {
  first = await startApp({ PEERLINE_DEMO: '1' });
  await first.phoneSize();
});

after(async () => {
  await second?.stop();
  await first?.stop();
});

test('the first device joins the demo team, saves a check-in and turns sync on', async () => {
  await first.choosePasscode(PASS);
  await first.click('#role-officer');
  await first.waitFor('#welcome-join-now', /Join my team now/);
  await first.click('#welcome-join-now');
  await first.waitFor('#use-demo', /Use the demo team/, 60_000);
  await first.click('#use-demo');
  await first.click('form button[type=submit]');
  await first.waitFor('h1', /How are you doing\?/, 30_000);
  await first.click('label[for=mood-4]');
  await first.click('form.checkin button[type=submit]');
  await first.waitFor('form.checkin .message', /Saved/);

  await first.click('#nav-settings');
  await first.waitFor('h1', /Settings/);
  await first.click('#sync-on');
  const code = await first.waitFor('#sync-code', /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/, 30_000);
  await first.type('#sync-confirm', code.slice(-4));
  await first.click('#sync-confirm ~ button');
  await first.waitFor('#sync-state', /Sync is on/);
  await first.click('#sync-now');
  await first.waitFor('#sync-msg', /Synced: 1 sent/, 20_000);
});

test('a second window links with the code the first asks about, and shows the check-in in its trends', async () => {
  await first.click('#sync-link');
  await first.waitFor('#link-out img.qr', null, 20_000);
  const link = await first.script(() => document.querySelector('#link-text')?.value ?? '');
  assert.match(link, /^peerline:\/\/link\?v=1&relay=http%3A%2F%2F127\.0\.0\.1/);
  await first.screenshot('45-link-out');

  second = await startApp({}, { port: 4454 });
  await second.phoneSize();
  await second.setUp(PASS);
  await second.click('#nav-settings');
  await second.waitFor('h1', /Settings/);
  await second.type('#link-in-text', link);
  await second.click('#link-in-go');
  const code = await second.waitFor('#link-in-code', /^\d{4}$/, 20_000);
  await second.screenshot('46-link-in');
  // Nothing handed over yet: the second device's trends are empty.
  assert.equal(await second.script(() => document.querySelector('#sync-state') === null), true);

  const asked = await first.waitFor('#link-ask', /A device wants to link/, 20_000);
  assert.match(asked, new RegExp(`code is ${code}\\.`), 'both windows show the same code');
  await first.screenshot('47-link-confirm');
  await first.click('#link-yes');
  await first.waitFor('#sync-msg', /Linked/);

  await second.waitFor('#sync-msg', /Linked: \d+ records came to this device\./, 30_000);
  await second.waitFor('#sync-state', /Sync is on/);
  await second.click('button.back');
  await second.click('#nav-trends');
  await second.waitFor('h1', /Trends/);
  await second.click('#trends-table-toggle');
  await second.waitFor('#trends-table-mood', /4/);
  const rows = await second.script(() =>
    [...document.querySelectorAll('#trends-table-mood tbody tr')].map((tr) => tr.textContent),
  );
  assert.equal(rows.length, 1, 'the first device\u2019s check-in, once');
  assert.match(rows[0], /4/);
});
