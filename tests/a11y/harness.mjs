// Serves ui/dist on loopback, starts Debian's headless Chromium through puppeteer-core,
// and opens the built UI with the Tauri IPC replaced at its boundary
// (window.__TAURI_INTERNALS__) by the fake core in ipc.mjs. The UI's own code runs as
// shipped. Nothing here talks to any address but the 127.0.0.1 server it starts.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';
import { backend } from './ipc.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const DIST = resolve(here, '../../ui/dist');
export const screenshotDir = join(here, 'screenshots');
export const VIEWPORT = { width: 390, height: 844 };
const CHROMIUM = process.env.PEERLINE_CHROMIUM ?? '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Serves ui/dist on 127.0.0.1 at a port the OS picks. */
export async function serveDist() {
  if (!existsSync(join(DIST, 'index.html'))) {
    throw new Error(`${DIST}/index.html is missing: build the UI first (cd ui && npm run build)`);
  }
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405).end();
      return;
    }
    let path;
    try {
      path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (path.endsWith('/')) path += 'index.html';
    const file = resolve(DIST, `.${path}`);
    if (!file.startsWith(DIST + sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404).end();
    }
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', ok);
  });
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Headless Chromium at a phone's viewport, with no way out to the network. */
export async function launchBrowser() {
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true, // --headless=new
    timeout: 30_000,
    protocolTimeout: 30_000,
    defaultViewport: { ...VIEWPORT, deviceScaleFactor: 1, isMobile: true, hasTouch: true },
    args: [
      '--no-sandbox', // root in a container
      '--disable-dev-shm-usage',
      '--disable-gpu',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider',
      '--no-proxy-server',
      // Only loopback resolves; anything else the browser itself might try fails at once.
      '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--lang=en-US',
      '--font-render-hinting=none',
    ],
  });
}

/**
 * Runs in the page before any of its scripts: the slice of Tauri's internals that
 * @tauri-apps/api uses (invoke and the callback registry that `listen` needs). Every
 * invoke goes to the fake core in Node through an exposed binding.
 */
function installIpc() {
  const callbacks = new Map();
  let next = 1;
  window.__TAURI_INTERNALS__ = {
    invoke: async (cmd, args = {}) => {
      const reply = await window.__peerlineIpc(cmd, args);
      if (reply.ok) return reply.value;
      throw reply.error;
    },
    transformCallback: (callback, once = false) => {
      const id = next++;
      callbacks.set(id, (data) => {
        if (once) callbacks.delete(id);
        return callback && callback(data);
      });
      return id;
    },
    unregisterCallback: (id) => callbacks.delete(id),
    runCallback: (id, data) => callbacks.get(id)?.(data),
    callbacks,
    metadata: { currentWindow: { label: 'main' }, currentWebview: { windowLabel: 'main', label: 'main' } },
  };
  window.__TAURI_EVENT_PLUGIN_INTERNALS__ = { unregisterListener: () => {} };
}

/** Describes an element for a report: tag#id.class "text…". */
function describeInPage() {
  window.__describe = (el) => {
    const id = el.id ? `#${el.id}` : '';
    const cls = typeof el.className === 'string' && el.className.trim() ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 50);
    return `${el.tagName.toLowerCase()}${id}${cls}${text ? ` "${text}"` : ''}`;
  };
}

/** Opens the built UI on a fresh page, backed by a fake core for `world`. */
export async function openApp(browser, origin, world) {
  const page = await browser.newPage();
  page.setDefaultTimeout(10_000);
  page.setDefaultNavigationTimeout(15_000);
  const core = backend(world);
  /** Requests that tried to leave the loopback server. */
  const outside = [];
  /** Uncaught exceptions in the page. */
  const errors = [];
  await page.setRequestInterception(true);
  page.on('request', (req) => {
    const url = req.url();
    if (url.startsWith(`${origin}/`) || url.startsWith('data:')) {
      void req.continue();
    } else {
      outside.push(url);
      void req.abort('blockedbyclient');
    }
  });
  page.on('pageerror', (e) => errors.push(String(e?.message ?? e)));
  await page.exposeFunction('__peerlineIpc', (cmd, args) => core.handle(cmd, args));
  await page.evaluateOnNewDocument(installIpc);
  await page.evaluateOnNewDocument(describeInPage);
  await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value: 'light' }]);
  await page.goto(`${origin}/`, { waitUntil: 'load' });

  const app = {
    page,
    core,
    outside,
    errors,
    /** Waits until the fake core has been idle a moment and the page has painted. */
    async settle(quietMs = 150, limitMs = 5_000) {
      const until = Date.now() + limitMs;
      while (core.quietFor() < quietMs && Date.now() < until) await sleep(25);
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(null)))));
    },
    async click(selector) {
      await page.waitForSelector(selector, { visible: true });
      await page.click(selector);
      await app.settle();
    },
    /** Waits for `selector`, optionally until its text matches. */
    async waitFor(selector, text) {
      if (!text) {
        await page.waitForSelector(selector, { visible: true });
      } else {
        await page.waitForFunction(
          (sel, src) => {
            const el = document.querySelector(sel);
            return !!el && new RegExp(src).test(el.textContent ?? '');
          },
          {},
          selector,
          text.source,
        );
      }
      await app.settle();
    },
    /** Sends the UI an event as the shell would (`app.emit` in Rust). */
    async emit(event, payload) {
      const ids = core.listeners.get(event) ?? [];
      if (ids.length === 0) throw new Error(`the UI does not listen to ${event}`);
      await page.evaluate(
        (ids, event, payload) => {
          for (const id of ids) window.__TAURI_INTERNALS__.runCallback(id, { event, id, payload });
        },
        ids,
        event,
        payload,
      );
      await app.settle();
    },
    async scheme(value) {
      await page.emulateMediaFeatures([{ name: 'prefers-color-scheme', value }]);
      await app.settle();
    },
    /**
     * axe-core on the whole document with its default rule set: the violations, and what
     * it could not decide (`incomplete`, e.g. contrast of a lone symbol) for a person to review.
     */
    async axe() {
      if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(AXE_SOURCE);
      return page.evaluate(async () => {
        const result = await window.axe.run(document, { resultTypes: ['violations', 'incomplete'] });
        const brief = (v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary ?? '' })),
        });
        return { violations: result.violations.map(brief), incomplete: result.incomplete.map(brief) };
      });
    },
    async screenshot(name) {
      mkdirSync(screenshotDir, { recursive: true });
      // A modal dialog covers the viewport, not the page: shoot what the person sees.
      const modal = await page.evaluate(() => document.querySelector('dialog[open]') !== null);
      await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: !modal });
    },
    /**
     * Sets the root font size (17 px normally) and reports horizontal overflow: the
     * document wider than the viewport, or an open dialog wider than itself, with the
     * innermost elements that stick out.
     */
    async overflowAt(fontSize) {
      await page.evaluate((px) => {
        document.documentElement.style.fontSize = px;
      }, fontSize);
      await app.settle();
      return page.evaluate(() => {
        const de = document.documentElement;
        const vw = de.clientWidth;
        const out = { viewport: vw, scrollWidth: de.scrollWidth, dialogs: [], offenders: [], scrollers: [] };
        const beyond = (r) => r.width > 1 && (r.right > vw + 0.5 || r.left < -0.5);
        // Boxes that clip or scroll their content sideways: what is inside them cannot widen the page.
        const clippers = [...document.body.querySelectorAll('*')].filter((el) => getComputedStyle(el).overflowX !== 'visible');
        const clipped = (el) => clippers.some((c) => c !== el && c.contains(el));
        for (const c of clippers) {
          if (c.scrollWidth > c.clientWidth + 1 && c.clientWidth > 1 && !clipped(c)) {
            out.scrollers.push(`${window.__describe(c)} scrolls sideways inside itself (${c.scrollWidth} > ${c.clientWidth})`);
          }
        }
        const sticksOut = (el) => beyond(el.getBoundingClientRect()) && !clipped(el);
        const all = [...document.body.querySelectorAll('*')].filter(sticksOut);
        // The innermost ones are the culprits; their ancestors only stretch to hold them.
        const innermost = all.filter((el) => !all.some((other) => other !== el && el.contains(other)));
        out.offenders = innermost.map((el) => {
          const r = el.getBoundingClientRect();
          return `${window.__describe(el)} spans x ${Math.round(r.left)}..${Math.round(r.right)}`;
        });
        // Text can spill out of a box that itself fits (a long word in a heading).
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        const range = document.createRange();
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const parent = node.parentElement;
          if (!parent || !node.textContent.trim() || innermost.includes(parent) || clipped(parent)) continue;
          range.selectNodeContents(node);
          if (beyond(range.getBoundingClientRect())) {
            const r = range.getBoundingClientRect();
            out.offenders.push(`text of ${window.__describe(node.parentElement)} spans x ${Math.round(r.left)}..${Math.round(r.right)}`);
          }
        }
        out.offenders = out.offenders.slice(0, 12);
        for (const d of document.querySelectorAll('dialog[open]')) {
          if (d.scrollWidth > d.clientWidth + 0.5) out.dialogs.push(`${window.__describe(d)} scrollWidth ${d.scrollWidth} > ${d.clientWidth}`);
        }
        return out;
      });
    },
    async close() {
      await page.close().catch(() => undefined);
    },
  };
  await app.settle();
  return app;
}
