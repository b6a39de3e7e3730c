// Must stay the first import: see locale-guard.ts.
import './locale-guard';
import { listen } from '@tauri-apps/api/event';
import { api } from './api';
import type { VaultStatus } from './bindings';
import { setUpCrisisButton } from './crisis';
import { h, mount } from './dom';
import { describe, toErrorBody } from './errors';
import { directory } from './screens/directory';
import { historyScreen } from './screens/history';
import { home } from './screens/home';
import { join } from './screens/join';
import { peerScreen } from './screens/peer';
import { talk } from './screens/talk';
import { trends } from './screens/trends';
import { onboarding } from './screens/onboarding';
import { problem } from './screens/problem';
import { screeners } from './screens/screeners';
import { settings } from './screens/settings';
import { unlock } from './screens/unlock';
import { welcome } from './screens/welcome';

const root = document.getElementById('app') as HTMLElement;
let current: VaultStatus | undefined;
type Page =
  | 'home'
  | 'welcome'
  | 'settings'
  | 'talk'
  | 'join'
  | 'peer'
  | 'screeners'
  | 'trends'
  | 'history'
  | 'directory';
let page: Page = 'home';
let leave: (() => void) | undefined;

function go(next: Page): void {
  leave?.();
  leave = undefined;
  page = next;
  if (current) show(current);
}

async function openTalk(): Promise<void> {
  leave?.();
  leave = undefined;
  try {
    const team = await api.teamInfo();
    if (!team) {
      page = 'join';
      join(root, (t) => (t ? go('talk') : go('home')), () => go('home'));
      return;
    }
    page = 'talk';
    leave = await talk(root, team, () => go('home'));
  } catch (e) {
    mount(root, h('h1', {}, 'Talk to a peer'), h('p', {}, describe(toErrorBody(e))));
  }
}

function show(status: VaultStatus): void {
  current = status;
  switch (status.state) {
    case 'new':
      leave?.();
      page = 'home';
      // Once the vault exists, finish set-up with the role and the team.
      onboarding(root, status, (s) => {
        page = 'welcome';
        show(s);
      });
      break;
    case 'locked':
      leave?.();
      page = 'home';
      unlock(root, status, show);
      break;
    case 'unlocked':
      if (page === 'welcome') {
        welcome(root, {
          join: () => {
            page = 'join';
            join(root, () => go('home'), () => go('home'));
          },
          done: () => go('home'),
        });
      } else if (page === 'settings') {
        settings(root, status, show, () => go('home'));
      } else if (page === 'talk' || page === 'join') {
        void openTalk();
      } else if (page === 'screeners') {
        screeners(root, { back: () => go('home'), talk: () => void openTalk() });
      } else if (page === 'trends') {
        leave = trends(root, { back: () => go('home') });
      } else if (page === 'directory') {
        leave = directory(root, { back: () => go('home') });
      } else if (page === 'history') {
        historyScreen(root, { back: () => go('home') });
      } else if (page === 'peer') {
        void peerScreen(root, () => go('home')).then((stop) => (leave = stop));
      } else {
        void home(root, status, show, {
          settings: () => go('settings'),
          screeners: () => go('screeners'),
          trends: () => go('trends'),
          history: () => go('history'),
          directory: () => go('directory'),
          talk: () => void openTalk(),
          peer: () => go('peer'),
        });
      }
      break;
    case 'damaged':
    case 'key_missing':
    case 'unavailable':
      problem(root, status, show);
      break;
  }
}

/** Covers the screen while the app is in the background, so the task switcher's snapshot
 * shows nothing of what was on it. */
function coverWhenHidden(): void {
  const cover = () => document.body.classList.toggle('covered', document.visibilityState === 'hidden');
  document.addEventListener('visibilitychange', cover);
  window.addEventListener('pagehide', () => document.body.classList.add('covered'));
  window.addEventListener('pageshow', cover);
}

async function start(): Promise<void> {
  coverWhenHidden();
  setUpCrisisButton({
    canBrowse: () => current?.state === 'unlocked',
    browse: () => go('directory'),
  });
  // The core locks the vault on its own (auto-lock); cover the screen as soon as it does.
  await listen<VaultStatus>('vault-status', (ev) => {
    const was = current?.state;
    if (was !== ev.payload.state) show(ev.payload);
  });
  try {
    show(await api.status());
  } catch (e) {
    mount(root, h('h1', {}, 'Peerline could not start'), h('p', {}, describe(toErrorBody(e))));
  }
  // After the next paint, so the figure includes drawing the first screen.
  requestAnimationFrame(() => setTimeout(() => void api.firstScreenShown().catch(() => undefined)));
}

void start();
