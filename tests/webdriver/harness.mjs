// Starts tauri-driver on loopback, opens a WebDriver session on the real Peerline binary
// with a throw-away data directory, and offers the few calls the tests need.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebDriver from 'webdriver';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
const PORT = Number(process.env.TAURI_DRIVER_PORT ?? 4444);

export const appBinary = process.env.PEERLINE_APP_BINARY ?? join(repo, 'target/debug/peerline-app');
export const screenshotDir = join(here, 'screenshots');
/** `light` or `dark`: WebKitGTK takes `prefers-color-scheme` from the GTK theme. */
export const theme = process.env.PEERLINE_WD_THEME === 'dark' ? 'dark' : 'light';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitForPort(port, deadlineMs) {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok || res.status < 500) return;
    } catch {
      // not up yet
    }
    await sleep(200);
  }
  throw new Error(`tauri-driver did not listen on 127.0.0.1:${port} within ${deadlineMs} ms`);
}

/**
 * Starts tauri-driver with the app's data directory set; returns a handle to stop both.
 * `dataDir` reopens an app stopped with `stop({ keep: true })`, as a person reopens it.
 * `port` runs a second app beside the first (its own driver, and WebKit's driver on
 * `port + 1000`).
 */
export async function startApp(extraEnv = {}, { dataDir = mkdtempSync(join(tmpdir(), 'peerline-wd-')), port = PORT } = {}) {
  const driver = spawn('tauri-driver', ['--port', String(port), '--native-port', String(port + 1000)], {
    env: {
      ...process.env,
      PEERLINE_DATA_DIR: dataDir,
      RUST_LOG: 'warn',
      GTK_THEME: theme === 'dark' ? 'Adwaita:dark' : 'Adwaita',
      ...extraEnv,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  await waitForPort(port, 20_000);
  const client = await WebDriver.newSession({
    hostname: '127.0.0.1',
    port,
    logLevel: 'warn',
    connectionRetryTimeout: 60_000,
    capabilities: { 'tauri:options': { application: appBinary } },
  });
  const app = makeApp(client, dataDir);
  app.stop = async ({ keep = false } = {}) => {
    try {
      await client.deleteSession();
    } catch {
      // the window may already be gone
    }
    driver.kill('SIGTERM');
    await sleep(300);
    if (!keep) rmSync(dataDir, { recursive: true, force: true });
  };
  return app;
}

function makeApp(client, dataDir) {
  const find = async (css) => {
    const el = await client.findElement('css selector', css);
    if (!el || !el[ELEMENT]) throw new Error(`no element for ${css}`);
    return el[ELEMENT];
  };
  // Screens mount after their first answer from the core arrives, so an action waits (boundedly)
  // for its element rather than racing the render.
  const present = async (css, timeoutMs = 15_000) => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      try {
        return await find(css);
      } catch (e) {
        if (Date.now() >= until) throw e;
        await sleep(100);
      }
    }
  };
  return {
    client,
    dataDir,
    /** Waits until `css` exists and (optionally) its text matches. */
    async waitFor(css, textPattern, timeoutMs = 15_000) {
      const until = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < until) {
        try {
          const id = await find(css);
          last = await client.getElementText(id);
          if (!textPattern || textPattern.test(last)) return last;
        } catch {
          // not there yet
        }
        await sleep(150);
      }
      throw new Error(`timed out waiting for ${css} ${textPattern ?? ''} (last text: ${JSON.stringify(last)})`);
    },
    async click(css) {
      const id = await present(css);
      // Centre it first: the sticky top bar would otherwise cover elements scrolled to the top.
      await client.executeScript('arguments[0].scrollIntoView({ block: "center" })', [{ [ELEMENT]: id }]);
      await client.elementClick(id);
    },
    async type(css, text) {
      const id = await present(css);
      await client.elementClear(id);
      await client.elementSendKeys(id, text);
    },
    async text(css) {
      return client.getElementText(await find(css));
    },
    async script(fn, ...args) {
      return client.executeScript(`return (${fn}).apply(null, arguments)`, args);
    },
    async screenshot(name) {
      mkdirSync(screenshotDir, { recursive: true });
      const b64 = await client.takeScreenshot();
      writeFileSync(join(screenshotDir, `${name}-${theme}.png`), Buffer.from(b64, 'base64'));
    },
    /** Visible controls smaller than 44×44 px, described for an assertion message. */
    async smallTapTargets() {
      return client.executeScript(
        `return [...document.querySelectorAll('button, select, input:not([type=radio]):not([type=checkbox]), .segment label, .chip label')]
          .filter((el) => el.offsetParent !== null)
          .map((el) => ({ el: el.outerHTML.slice(0, 60), r: el.getBoundingClientRect() }))
          .filter(({ r }) => r.height < 44 || r.width < 44)
          .map(({ el, r }) => el + ' ' + Math.round(r.width) + 'x' + Math.round(r.height));`,
        [],
      );
    },
    /** First start: choose the passcode (typed twice); the welcome step comes next. */
    async choosePasscode(passcode) {
      await this.waitFor('h1', /Welcome to Peerline/);
      const ids = await this.script(() => [...document.querySelectorAll('input[type=password]')].map((i) => i.id));
      await this.type(`#${ids[0]}`, passcode);
      await this.type(`#${ids[1]}`, passcode);
      await this.click('button[type=submit]');
      await this.waitFor('h1', /How will you use Peerline\?/);
    },
    /** First start: the passcode, then the welcome step, leaving joining for later. */
    async setUp(passcode, role = 'officer') {
      await this.choosePasscode(passcode);
      await this.finishWelcome(role);
    },
    async unlock(passcode) {
      await this.waitFor('h1', /Peerline is locked/);
      await this.type('input[type=password]', passcode);
      await this.click('button[type=submit]');
      await this.waitFor('h1', /How are you doing\?/);
    },
    /** The set-up step after the passcode: pick a role, leave joining for later. */
    async finishWelcome(role = 'officer') {
      await this.waitFor('h1', /How will you use Peerline\?/);
      await this.click(role === 'officer' ? '#role-officer' : '#role-peer');
      await this.waitFor('#welcome-later', /Not now/);
      await this.click('#welcome-later');
      await this.waitFor('h1', /How are you doing\?/);
    },
    async phoneSize() {
      await client.setWindowRect(null, null, 390, 844);
    },
  };
}
