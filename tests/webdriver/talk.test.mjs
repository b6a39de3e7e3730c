// Talk to a peer in the real window, against the embedded demo relay and demo peers:
// join by invite, one tap to send, and the status reaches "accepted by" with the reply.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp } from './harness.mjs';

const PASS = 'night-watch-77';
let app;

before(async () => {
  app = await startApp({ PEERLINE_DEMO: '1' });
  await app.phoneSize();
});

after(async () => {
  await app?.stop();
});

test('set up, then join the demo team from its invite', async () => {
  await app.waitFor('h1', /Welcome to Peerline/);
  const ids = await app.script(() => [...document.querySelectorAll('input[type=password]')].map((i) => i.id));
  await app.type(`#${ids[0]}`, PASS);
  await app.type(`#${ids[1]}`, PASS);
  await app.click('button[type=submit]');
  await app.waitFor('h1', /How are you doing\?/);

  await app.click('#talk-to-a-peer');
  await app.waitFor('h1', /Join your peer team/);
  await app.waitFor('#use-demo', /Use the demo team/, 60_000);
  await app.click('#use-demo');
  await app.click('form button[type=submit]');
  await app.waitFor('h1', /Talk to a peer/, 30_000);
  const hint = await app.text('.hint');
  assert.match(hint, /3 peer supporters/);
});

test('one tap sends, and the officer sees who took it and when', async () => {
  await app.screenshot('10-talk');
  await app.click('#send-request');
  const status = await app.waitFor('#request-status', /Accepted by (Sam|Lee|Kim) \(demo\)/, 45_000);
  assert.match(status, /a demo peer\. I'll call you in 10 minutes/);
  assert.match(status, /about 10 min/);
  await app.screenshot('11-accepted');
});

test('the peer supporter screen shows a roster entry with public keys only', async () => {
  await app.click('button.back');
  await app.waitFor('h1', /How are you doing\?/);
  await app.click('#nav-peer');
  await app.waitFor('h1', /Peer supporter/);
  await app.click('#keys-h ~ button');
  const entry = await app.waitFor('pre.keys', /age_recipient = "age1/);
  assert.doesNotMatch(entry, /AGE-SECRET-KEY/);
  await app.screenshot('12-peer');
});
