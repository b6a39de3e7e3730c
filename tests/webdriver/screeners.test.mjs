// The PHQ-9 in the real window: an answer to item 9 above zero opens the safety screen
// (crisis line, a peer now, a professional) before the score is shown.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp } from './harness.mjs';

const PASS = 'quiet-morning-19';
let app;

before(async () => {
  app = await startApp();
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
  await app.click('main button.secondary');
  const score = await app.waitFor('#screener-score', /2 — Minimal/);
  assert.ok(score);
});
