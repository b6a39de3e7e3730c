// Talk to a peer in the real window, against the embedded demo relay and demo peers:
// join by invite, one tap to send, and the status reaches "accepted by" with the reply.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startApp } from './harness.mjs';

const PASS = 'night-watch-77';
// The app's own home, so "start at login" writes its entry here, not in the machine's real
// ~/.config/autostart (the autostart crate reads $HOME, not $XDG_CONFIG_HOME).
const home = mkdtempSync(join(tmpdir(), 'peerline-wd-home-'));
let app;

before(async () => {
  app = await startApp({ PEERLINE_DEMO: '1', HOME: home });
  await app.phoneSize();
});

after(async () => {
  await app?.stop();
  rmSync(home, { recursive: true, force: true });
});

test('set up as a peer supporter and join the demo team from its invite', async () => {
  await app.choosePasscode(PASS);
  await app.click('#role-peer');
  await app.waitFor('#welcome-join-now', /Join my team now/);
  await app.click('#welcome-join-now');
  await app.waitFor('h1', /Join your peer team/);
  await app.waitFor('#use-demo', /Use the demo team/, 60_000);
  await app.click('#use-demo');
  await app.click('form button[type=submit]');
  // Joined: home, with the peer inbox next to the big button for a peer supporter.
  await app.waitFor('h1', /How are you doing\?/, 30_000);
  await app.waitFor('#home-peer-inbox', /Peer inbox/);

  await app.click('#talk-to-a-peer');
  await app.waitFor('h1', /Talk to a peer/, 30_000);
  const hint = await app.text('.hint');
  assert.match(hint, /3 peer supporters/);
});

test('the officer chooses: not my unit, and a language; only the peer who fits takes it', async () => {
  await app.screenshot('40-talk');
  // Sam is in Patrol North; of the others only Lee speaks Spanish.
  await app.click('#choose-details summary');
  await app.waitFor('#choose-units', /Patrol North/);
  const unit = await app.script(() => [...document.querySelectorAll('#choose-units label')].find((l) => l.textContent === 'Patrol North')?.getAttribute('for'));
  await app.click(`label[for="${unit}"]`);
  await app.script(() => {
    const s = document.querySelector('#choose-language');
    s.value = 'Spanish';
    s.dispatchEvent(new Event('change'));
  });
  await app.waitFor('#choose-details summary', /2 chosen/);
  await app.screenshot('40-talk-choose');
  await app.click('#send-request');
  const status = await app.waitFor('#request-status', /Accepted by Lee \(demo\)/, 45_000);
  assert.match(status, /a demo peer\. I'll call you in 10 minutes/);
  assert.match(status, /about 10 min/);
  await app.screenshot('41-accepted');
});

test('officer and peer write to each other in the app, then the officer closes it', async () => {
  await app.waitFor('.conversation textarea');
  await app.type('.conversation textarea', 'Thanks for picking this up.');
  await app.click('.conversation button[type=submit]');
  const thread = await app.waitFor('.conversation .thread', /Lee \(demo\) here\. I read your message/, 30_000);
  assert.match(thread, /Thanks for picking this up\./);
  // Lee's phone fetched and showed it: the officer's line says so.
  await app.waitFor('.conversation .thread .line.mine', /Read|Delivered/, 30_000);
  await app.screenshot('41b-conversation');
  await app.click('#request-status > button.secondary');
  await app.waitFor('#send-request', /Send to a peer now/, 30_000);
  assert.equal(await app.script(() => document.querySelector('.conversation')), null, 'nothing of it stays on screen');
});

test('the peer supporter screen shows a roster entry with public keys only', async () => {
  await app.click('button.back');
  await app.waitFor('h1', /How are you doing\?/);
  await app.click('#nav-peer');
  await app.waitFor('h1', /Peer supporter/);
  await app.click('#keys-h ~ button');
  const entry = await app.waitFor('pre.keys', /age_recipient = "age1/);
  assert.doesNotMatch(entry, /AGE-SECRET-KEY/);
  await app.screenshot('42-peer');
});

test('a peer supporter can have Peerline start in the tray at login, and stop it again', async () => {
  await app.waitFor('#background-h', /When the window is closed/);
  const autostart = join(home, '.config', 'autostart');
  const entries = () => (existsSync(autostart) ? readdirSync(autostart) : []);
  assert.deepEqual(entries(), []);
  await app.click('#autostart');
  const until = Date.now() + 10_000;
  while (entries().length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  const [entry] = entries();
  assert.ok(entry, 'a login entry was written');
  const desktop = readFileSync(join(autostart, entry), 'utf8');
  assert.match(desktop, /^Exec=.*peerline-app.* --hidden/m, 'it starts hidden, in the tray');
  await app.click('#autostart');
  const gone = Date.now() + 10_000;
  while (entries().length > 0 && Date.now() < gone) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(entries(), [], 'turned off again');
});

test('sync turns on in the real window: the recovery code once, confirmed, then a round through the demo relay', async () => {
  await app.click('button.back');
  await app.waitFor('h1', /How are you doing\?/);
  await app.click('#nav-settings');
  await app.waitFor('h1', /Settings/);
  await app.click('#sync-on');
  const code = await app.waitFor('#sync-code', /^[0-9A-Z]{4}(-[0-9A-Z]{4}){7}$/, 30_000);
  await app.screenshot('43-sync-code');
  await app.type('#sync-confirm', code.slice(-4).toLowerCase());
  await app.click('#sync-confirm ~ button');
  await app.waitFor('#sync-state', /Sync is on/);
  await app.click('#sync-now');
  await app.waitFor('#sync-msg', /Synced: \d+ sent, \d+ received\./, 20_000);
  // Left on Settings: the next test goes back home from here.
});

test("the directory lists the built-in lines and the team's signed list, and searches it offline", async () => {
  await app.click('button.back');
  await app.waitFor('h1', /How are you doing\?/);
  await app.click('#nav-directory');
  await app.waitFor('h1', /Find professional help/);
  // Joining the demo team fetched its signed directory; the built-in lines are there too.
  await app.waitFor('#directory-agency', /version 1, 5 entries/, 20_000);
  await app.waitFor('#directory-results', /988 Suicide & Crisis Lifeline/);
  await app.waitFor('#directory-results', /Dr\. Maria Alvarez \(demo\)/);
  await app.screenshot('43-directory');
  assert.deepEqual(await app.smallTapTargets(), []);

  // A typo still finds the counselors; a kind filter narrows to the EAP.
  await app.type('#directory-search', 'counslor');
  // Wait for the search to replace the full list (it runs after a short typing pause).
  const found = await app.waitFor('#directory-results', /^(?![\s\S]*COPLINE)[\s\S]*Alvarez/);
  assert.doesNotMatch(found, /Chaplain Tom/);
  await app.type('#directory-search', ' ');
  await app.click('label[for=kind-eap]');
  await app.waitFor('#directory-count', /^1 place to get help$/);
  const eap = await app.text('#directory-results');
  assert.match(eap, /Employee Assistance Program/);
  assert.match(eap, /Call \+1 555 010 0102/);
  await app.click('label[for=kind-eap]');

  // Only tel:, sms: and https: links are ever handed to the system.
  const refused = await app.script(() =>
    window.__TAURI_INTERNALS__
      .invoke('directory_open', { uri: 'javascript:alert(1)' })
      .then(() => 'opened', (e) => e.code),
  );
  assert.equal(refused, 'LINK_NOT_ALLOWED');
});

test('the crisis sheet lists the built-in crisis lines and leads to the directory', async () => {
  await app.click('#crisis-button');
  const sheet = await app.waitFor('#crisis-dialog', /Crisis Text Line/);
  assert.match(sheet, /Text HOME to 741741/);
  assert.match(sheet, /Call 911/);
  await app.screenshot('44-crisis-lines');
  await app.click('#crisis-browse');
  await app.waitFor('h1', /Find professional help/);
});
