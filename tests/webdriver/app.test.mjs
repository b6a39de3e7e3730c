// The real Peerline window, driven as an officer would: set up, check in, lock, unlock,
// reach the crisis lines, erase everything.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startApp, theme } from './harness.mjs';

const PASS = 'steady-hands-42';
let app;

before(async () => {
  app = await startApp();
  await app.phoneSize();
});

after(async () => {
  await app?.stop();
});

test('first launch explains privacy and sets up the vault', async () => {
  await app.waitFor('h1', /Welcome to Peerline/);
  // The screenshots are only worth their name if the page really follows the theme.
  const dark = await app.script(() => matchMedia('(prefers-color-scheme: dark)').matches);
  assert.equal(dark, theme === 'dark', `the window should be in ${theme} mode`);
  const promises = await app.text('.promises');
  assert.match(promises, /stay on this phone/);
  assert.match(promises, /No name, badge number/);
  await app.screenshot('01-onboarding');

  const inputs = await app.script(() =>
    [...document.querySelectorAll('input[type=password]')].map((i) => i.id),
  );
  assert.equal(inputs.length, 2, 'passcode and confirmation');
  await app.type(`#${inputs[0]}`, PASS);
  await app.type(`#${inputs[1]}`, 'different-one');
  await app.click('button[type=submit]');
  await app.waitFor('.message', /not the same/);

  await app.type(`#${inputs[1]}`, PASS);
  await app.click('button[type=submit]');
  await app.waitFor('h1', /How will you use Peerline\?/);
  await app.screenshot('02-welcome');
  assert.deepEqual(await app.smallTapTargets(), []);
  await app.finishWelcome('officer');
  await app.screenshot('02-home');
});

test('a check-in saves and shows as the last one', async () => {
  await app.waitFor('.last, .hint', /No check-ins yet/);
  await app.click('label[for=mood-2]');
  await app.click('label[for=tag-court]');
  await app.type('#note', 'WD-MARKER long day in court');
  await app.click('form.checkin button[type=submit]');
  await app.waitFor('form.checkin .message', /Saved/);
  const last = await app.waitFor('.last', /Last check-in/);
  assert.match(last, /mood low/);
});

test('lock, a wrong passcode, then the right one', async () => {
  await app.click('#nav-lock');
  await app.waitFor('h1', /Peerline is locked/);
  await app.screenshot('03-locked');
  await app.type('input[type=password]', 'wrong-passcode');
  await app.click('button[type=submit]');
  await app.waitFor('.message', /not right/);
  await app.type('input[type=password]', PASS);
  await app.click('button[type=submit]');
  await app.waitFor('h1', /How are you doing\?/);
  await app.waitFor('.last', /mood low/);
});

test('the crisis lines are one tap away', async () => {
  await app.click('#crisis-button');
  const dialog = await app.waitFor('#crisis-dialog', /Call 988/);
  assert.match(dialog, /Text 988/);
  await app.screenshot('04-crisis');
  await app.click('#crisis-close');
});

test('every tap target is at least 44 px', async () => {
  assert.deepEqual(await app.smallTapTargets(), []);
});

test('settings erase everything, and the app starts as new', async () => {
  await app.click('#nav-settings');
  await app.waitFor('h1', /Settings/);
  await app.screenshot('05-settings');
  await app.click('button.danger-outline');
  await app.click('.confirm button.danger');
  await app.waitFor('h1', /Welcome to Peerline/);
  assert.deepEqual(readdirSync(app.dataDir), [], 'no file of the vault remains');
});
