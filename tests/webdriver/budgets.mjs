// The app's budgets, measured on the release build in the real window (not part of
// `npm test`; run by `scripts/budgets.sh`, which builds first):
//  - start to first interactive screen: the app launched directly (no WebDriver), from
//    spawning the process until the UI reports its first screen painted (the app's log line
//    "first screen shown"). Also through WebDriver, from asking for a session (which launches
//    WebKitWebDriver, then the app) until the first heading is found: an upper bound;
//  - memory after a full flow (set up, check in, trends, history, directory search, the
//    demo team's talk-to-a-peer answered, settings): resident memory of the app process and
//    of the WebKit processes it started. The demo team (relay and answering peers) runs in
//    its own process when PEERLINE_BUDGET_INVITE is set, as it does from budgets.sh.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Resident memory by mapping (a library's file, `[heap]`, or `anon` for unnamed), largest first. */
function rssByMapping(pid) {
  const byName = new Map();
  let name = '';
  try {
    for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
      const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (header) {
        name = header[1] || 'anon';
        continue;
      }
      const rss = /^Rss:\s+(\d+) kB/.exec(line);
      if (rss) byName.set(name, (byName.get(name) ?? 0) + Number(rss[1]));
    }
  } catch {
    return [];
  }
  return [...byName.entries()].sort((a, b) => b[1] - a[1]);
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

/** Spawn to first painted screen, the app alone, on a fresh data directory. */
function directStartTime() {
  const dataDir = mkdtempSync(join(tmpdir(), 'peerline-budget-'));
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(appBinary, [], {
      env: { ...process.env, PEERLINE_DATA_DIR: dataDir, RUST_LOG: 'info', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let seen = '';
    let done = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no "first screen shown" within 30 s; the app printed: ${seen.slice(-2000)}`));
    }, 30_000);
    const look = (chunk) => {
      seen += chunk;
      const m = /first screen shown after_ms=(\d+)/.exec(seen.replace(/\x1b\[[0-9;]*m/g, ''));
      if (!m || done) return;
      done = true;
      const ms = performance.now() - t0;
      const inApp = Number(m[1]);
      clearTimeout(timer);
      child.kill('SIGTERM');
      child.once('exit', () => {
        rmSync(dataDir, { recursive: true, force: true });
        resolve({ ms, inApp });
      });
    };
    child.stdout.setEncoding('utf8').on('data', look);
    child.stderr.setEncoding('utf8').on('data', look);
    child.once('error', reject);
  });
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
  parts[0].mappings = rssByMapping(tree[0].pid);
  await app.stop();
  return parts;
}

const direct = [];
for (let i = 0; i < RUNS; i += 1) direct.push(await directStartTime());
direct.sort((a, b) => a.ms - b.ms);
const starts = [];
for (let i = 0; i < RUNS; i += 1) starts.push(await startTime());
starts.sort((a, b) => a - b);
const parts = await fullFlowMemory();
const total = parts.reduce((s, p) => s + p.kib, 0);

console.log(`binary: ${appBinary} (${(statSync(appBinary).size / 1_048_576).toFixed(1)} MiB)`);
const mid = direct[Math.floor(RUNS / 2)];
console.log(
  `start to first screen, the app alone, over ${RUNS} launches: median ${mid.ms.toFixed(0)} ms ` +
    `(of which ${mid.inApp} ms after main began), min ${direct[0].ms.toFixed(0)} ms, max ${direct[RUNS - 1].ms.toFixed(0)} ms`,
);
console.log(
  `start to first screen through WebDriver over ${RUNS} launches: median ${starts[Math.floor(RUNS / 2)].toFixed(0)} ms, ` +
    `min ${starts[0].toFixed(0)} ms, max ${starts[RUNS - 1].toFixed(0)} ms`,
);
const pss = parts.reduce((s, p) => s + p.pss, 0);
for (const p of parts) {
  console.log(`${p.comm}: RSS ${(p.kib / 1024).toFixed(1)} MiB, PSS ${(p.pss / 1024).toFixed(1)} MiB`);
}
const fileBacked = parts[0].mappings.filter(([n]) => n.startsWith('/')).reduce((s, [, k]) => s + k, 0);
console.log(
  `the app process: ${(fileBacked / 1024).toFixed(1)} MiB of mapped files (libraries), ` +
    `${((parts[0].kib - fileBacked) / 1024).toFixed(1)} MiB anonymous (heap, stacks); largest:`,
);
for (const [name, kib] of parts[0].mappings.slice(0, 12)) {
  console.log(`  ${(kib / 1024).toFixed(1).padStart(6)} MiB  ${name}`);
}
console.log(`after the full flow, app and its WebKit processes: RSS ${(total / 1024).toFixed(1)} MiB, PSS ${(pss / 1024).toFixed(1)} MiB`);
