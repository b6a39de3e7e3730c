// The PHQ-9 in the real window: an answer to item 9 above zero opens the safety screen
// (crisis line, a peer now, a professional) before the score is shown; with a safety plan
// written, the plan comes first and a person on it is one tap to call.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startApp } from './harness.mjs';

const PASS = 'quiet-morning-19';
let app;
// The system opener, stood in for: what the app hands to `xdg-open` is written to a file.
const bin = mkdtempSync(join(tmpdir(), 'peerline-wd-opener-'));
const opened = join(bin, 'opened.log');

before(async () => {
  writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\necho "$@" >> '${opened}'\n`);
  chmodSync(join(bin, 'xdg-open'), 0o755);
  app = await startApp({ PATH: `${bin}:${process.env.PATH}` });
  await app.phoneSize();
  await app.waitFor('h1', /Welcome to Peerline/);
  const ids = await app.script(() => [...document.querySelectorAll('input[type=password]')].map((i) => i.id));
  await app.type(`#${ids[0]}`, PASS);
  await app.type(`#${ids[1]}`, PASS);
  await app.click('button[type=submit]');
  await app.finishWelcome();
});

after(async () => {
  await app?.stop();
  rmSync(bin, { recursive: true, force: true });
});

test('an unanswered question is named, nothing is scored', async () => {
  await app.click('#nav-screeners');
  await app.waitFor('h1', /Questionnaires/);
  await app.click('button[data-instrument=phq9]');
  await app.waitFor('h1', /PHQ-9/);
  await app.click('label[for=q0-1]');
  await app.click('form button[type=submit]');
  await app.waitFor('form .message', /Please answer question 2/);
});

test('item 9 above zero shows the safety screen before the score', async () => {
  for (let i = 1; i < 8; i++) await app.click(`label[for=q${i}-0]`);
  await app.click('label[for=q8-1]');
  await app.screenshot('20-phq9');
  await app.click('form button[type=submit]');
  await app.waitFor('h1', /don.t have to carry this alone/);
  const text = await app.text('main');
  assert.match(text, /988/);
  assert.match(text, /Talk to a peer now/);
  assert.match(text, /counselor who works with first responders/);
  assert.doesNotMatch(text, /Minimal/, 'the score waits until the officer asks for it');
  await app.screenshot('21-safety');
  await app.click('#safety-see-score');
  const score = await app.waitFor('#screener-score', /2 — Minimal/);
  assert.ok(score);
});

test('the officer writes a safety plan; the next time it is bad, it comes first and a person on it is one tap', async () => {
  await app.click('main button.secondary');
  await app.waitFor('h1', /How are you doing\?/);
  await app.click('#nav-plan');
  await app.click('#plan-start');
  await app.waitFor('form[aria-label="Edit my safety plan"]', /Making my surroundings safe/);
  await app.type('#edit-warning_signs', 'Not sleeping after a bad call');
  await app.type('#edit-helpers-name-0', 'Sgt. Diaz');
  await app.type('#edit-helpers-phone-0', '(555) 010-3000');
  await app.type('#edit-safe_environment', 'Service weapon stays in my locker');
  await app.click('#plan-save');
  await app.waitFor('#plan-steps', /Sgt\. Diaz/);
  await app.screenshot('22-plan');

  await app.click('button.back');
  await app.click('#nav-screeners');
  await app.click('button[data-instrument=phq9]');
  for (let i = 0; i < 8; i++) await app.click(`label[for=q${i}-0]`);
  await app.click('label[for=q8-1]');
  await app.click('form button[type=submit]');
  const first = await app.waitFor('main', /Your safety plan/);
  assert.ok(first.indexOf('Sgt. Diaz') < first.indexOf('Talk to a peer now'), 'the plan comes first');
  await app.screenshot('23-safety-plan');
  await app.click('#plan-steps .action-call');
  const until = Date.now() + 10_000;
  while (!existsSync(opened) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.match(readFileSync(opened, 'utf8'), /^tel:(\+1)?5550103000$/m, 'the opener got the number');

  // From the crisis sheet too, one tap.
  await app.click('#crisis-button');
  await app.click('#crisis-plan');
  await app.waitFor('#plan-steps', /Not sleeping after a bad call/);
});

test('the breathing guide is one tap from the crisis sheet', async () => {
  await app.click('#crisis-button');
  await app.click('#crisis-calm');
  await app.waitFor('h1', /The next ten minutes/);
  await app.click('#breath-start');
  await app.waitFor('#breath-start', /Stop/);
  assert.equal(await app.script(() => document.querySelector('.breath-guide').classList.contains('running')), true);
  await app.click('#ground-next');
  await app.waitFor('#ground-step', /4 things you can feel/);
  await app.screenshot('24-calm');
});

test('kept readable while locked, the plan opens from the lock screen and its numbers still dial', async () => {
  await app.click('button.back');
  await app.waitFor('h1', /How are you doing\?/);
  await app.click('#nav-plan');
  await app.waitFor('#plan-when-locked-hint', /anyone holding the phone/);
  await app.click('label[for=plan-when-locked]');
  await app.waitFor('main', /can now be read from the lock screen/);
  await app.click('button.back');
  await app.click('#nav-lock');
  await app.waitFor('h1', /Peerline is locked/);
  await app.waitFor('#locked-plan', /My safety plan/);
  await app.click('#locked-plan');
  await app.waitFor('#plan-steps', /Sgt\. Diaz/);
  await app.screenshot('25-plan-locked');
  rmSync(opened, { force: true });
  await app.click('#plan-steps .action-call');
  const until = Date.now() + 10_000;
  while (!existsSync(opened) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  assert.match(readFileSync(opened, 'utf8'), /^tel:(\+1)?5550103000$/m, 'dialled while locked');
  // Back to the lock: the rest of the app stays closed.
  await app.click('button.back');
  await app.waitFor('h1', /Peerline is locked/);
  await app.click('#locked-calm');
  await app.waitFor('h1', /The next ten minutes/);
  await app.click('button.back');
  await app.unlock(PASS);
});
