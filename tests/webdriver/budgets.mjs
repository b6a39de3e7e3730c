// The app's budgets, measured on the release build in the real window (not part of
// `npm test`; run by `scripts/budgets.sh`, which builds first):
//  - start to first interactive screen: from asking WebDriver for a session (which launches
//    the app) until the first screen's heading is on screen. WebKitWebDriver's own start-up
//    is inside that figure, so it is an upper bound for the app alone;
//  - memory after a full flow (set up, check in, trends, history, directory search, the
//    demo team's talk-to-a-peer answered, settings): resident memory of the app process and
//    of the WebKit processes it started. The demo team (relay and answering peers) runs in
//    its own process when PEERLINE_BUDGET_INVITE is set, as it does from budgets.sh.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { appBinary, startApp } from './harness.mjs';

const RUNS = Number(process.env.BUDGET_RUNS ?? 5);

/** Proportional set size: shared libraries split between the processes that map them. */
function pssKiB(pid) {
  try {
    const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** The app's pid and its descendants (WebKit's web and network processes). */
function appTree() {
  const out = execFileSync('ps', ['-eo', 'pid=,ppid=,comm='], { encoding: 'utf8' });
  const rows = out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/, 3))
    .map(([pid, ppid, comm]) => ({ pid: Number(pid), ppid: Number(ppid), comm }));
  const app = rows.find((r) => r.comm.startsWith('peerline-app'));
  if (!app) throw new Error('the app process is not running');
  const tree = [app];
  for (let i = 0; i < tree.length; i += 1) {
    tree.push(...rows.filter((r) => r.ppid === tree[i].pid));
  }
  return tree;
}

async function startTime() {
  const t0 = performance.now();
  const app = await startApp();
  await app.waitFor('h1', /Welcome to Peerline/, 30_000);
  const ms = performance.now() - t0;
  await app.stop();
  return ms;
}

async function fullFlowMemory() {
  // The shipped build has no demo mode: it joins the demo team that budgets.sh runs in a
  // process of its own, by its invite, as an officer would join their agency's team.
  const invite = process.env.PEERLINE_BUDGET_INVITE;
  const app = await startApp(invite ? {} : { PEERLINE_DEMO: '1' });
  await app.phoneSize();
  await app.waitFor('h1', /Welcome to Peerline/, 30_000);
  const ids = await app.script(() => [...document.querySelectorAll('input[type=password]')].map((i) => i.id));
  for (const id of ids) await app.type(`#${id}`, 'budget-pass-42');
  await app.click('button[type=submit]');
  await app.finishWelcome();
  await app.click('form.checkin button[type=submit]');
  await app.waitFor('form.checkin .message', /Saved/);
  for (const [nav, heading] of [
    ['#nav-trends', /Trends/],
    ['#nav-history', /check-ins/i],
    ['#nav-directory', /Find professional help/],
  ]) {
    await app.click(nav);
    await app.waitFor('h1', heading);
    if (nav === '#nav-directory') {
      await app.type('#directory-search', 'counselor');
      await app.waitFor('#directory-count', /place/);
    }
    await app.click('button.back');
    await app.waitFor('h1', /How are you doing\?/);
  }
  await app.click('#talk-to-a-peer');
  if (invite) {
    await app.waitFor('h1', /Join your peer team/, 30_000);
    await app.type('#invite', invite);
  } else {
    await app.waitFor('#use-demo', /Use the demo team/, 60_000);
    await app.click('#use-demo');
  }
  await app.click('form button[type=submit]');
  await app.waitFor('h1', /Talk to a peer/, 30_000);
  await app.click('#send-request');
  await app.waitFor('#request-status', /Accepted by/, 45_000);
  await app.click('button.back');
  await app.click('#nav-settings');
  await app.waitFor('h1', /Settings/);
  const tree = appTree();
  const parts = tree.map((p) => ({ comm: p.comm, kib: rssKiB(p.pid), pss: pssKiB(p.pid) }));
  await app.stop();
  return parts;
}

const starts = [];
for (let i = 0; i < RUNS; i += 1) starts.push(await startTime());
starts.sort((a, b) => a - b);
const parts = await fullFlowMemory();
const total = parts.reduce((s, p) => s + p.kib, 0);

console.log(`binary: ${appBinary} (${(statSync(appBinary).size / 1_048_576).toFixed(1)} MiB)`);
console.log(
  `start to first screen over ${RUNS} launches: median ${starts[Math.floor(RUNS / 2)].toFixed(0)} ms, ` +
    `min ${starts[0].toFixed(0)} ms, max ${starts[RUNS - 1].toFixed(0)} ms`,
);
const pss = parts.reduce((s, p) => s + p.pss, 0);
for (const p of parts) {
  console.log(`${p.comm}: RSS ${(p.kib / 1024).toFixed(1)} MiB, PSS ${(p.pss / 1024).toFixed(1)} MiB`);
}
console.log(`after the full flow, app and its WebKit processes: RSS ${(total / 1024).toFixed(1)} MiB, PSS ${(pss / 1024).toFixed(1)} MiB`);
