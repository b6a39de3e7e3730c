// The officer's own records in the real window: a check-in shows in the trend table, can be
// edited and deleted from the history, and the daily reminder is set in Settings, at phone
// size with screenshots.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApp } from './harness.mjs';

let app;

before(async () => {
  app = await startApp();
  await app.phoneSize();
  await app.waitFor('h1', /Welcome to Peerline/);
  const ids = await app.script(() => [...document.querySelectorAll('input[type=password]')].map((i) => i.id));
  for (const id of ids) await app.type(`#${id}`, 'records-pass-42');
  await app.click('button[type=submit]');
  await app.finishWelcome();
});

after(async () => {
  await app?.stop();
});

test('a check-in appears in the trends table for today', async () => {
  await app.click('label[for=mood-4]');
  await app.click('form.checkin button[type=submit]');
  await app.waitFor('form.checkin .message', /Saved/);
  await app.click('#nav-trends');
  await app.waitFor('h1', /Trends/);
  await app.waitFor('#trends-table-toggle');
  await app.click('#trends-table-toggle');
  const table = await app.waitFor('#trends-table-mood', /Good|4/);
  // One day with a check-in: mood 4, one check-in.
  const cells = await app.script(() =>
    [...document.querySelectorAll('#trends-table-mood tbody tr')].map((tr) => tr.textContent),
  );
  assert.equal(cells.length, 1, `one day recorded: ${table}`);
  assert.match(cells[0], /4/);
  await app.screenshot('30-trends');
  await app.click('button.back');
});

test('history edits and deletes a check-in', async () => {
  await app.click('#nav-history');
  await app.waitFor('h1', /check-ins/i);
  await app.waitFor('#history-list li');
  const id = await app.script(() => document.querySelector('#history-list li')?.id.replace('checkin-', ''));
  assert.ok(id, 'the check-in is listed');
  await app.click(`#edit-${id}`);
  await app.waitFor('#save-edit');
  await app.click('label[for=mood-1]');
  await app.click('#save-edit');
  await app.waitFor('.message', /Saved your changes/);
  await app.waitFor(`#checkin-${id}`, /Very low/);
  await app.screenshot('31-history');
  await app.click(`#delete-${id}`);
  await app.waitFor('#confirm-delete');
  await app.click('#confirm-delete');
  await app.waitFor('.message', /deleted/);
  const left = await app.script(() => document.querySelectorAll('#history-list li').length);
  assert.equal(left, 0);
  await app.click('button.back');
});

test('the daily reminder is set and remembered; settings tap targets are 44 px', async () => {
  await app.click('#nav-settings');
  await app.waitFor('h1', /Settings/);
  await app.waitFor('#reminder-h', /Daily reminder/);
  await app.script(() => {
    const t = document.querySelector('#reminder-time');
    t.value = '21:15';
  });
  await app.click('label[for=reminder-on]');
  await app.waitFor('section[aria-labelledby=reminder-h] .message', /each day at 21:15/);
  await app.screenshot('32-settings-records');
  assert.deepEqual(await app.smallTapTargets(), []);
  // Back home and into Settings again: the reminder was kept by core.
  await app.click('button.back');
  await app.waitFor('h1', /How are you doing\?/);
  await app.click('#nav-settings');
  await app.waitFor('#reminder-h', /Daily reminder/);
  const kept = await app.script(async () => {
    for (let i = 0; i < 50; i++) {
      const on = document.querySelector('#reminder-on');
      if (on?.checked) return document.querySelector('#reminder-time').value;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
  });
  assert.equal(kept, '21:15');
});
