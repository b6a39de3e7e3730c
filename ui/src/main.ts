import { listen } from '@tauri-apps/api/event';
import { api } from './api';
import type { VaultStatus } from './bindings';
import { setUpCrisisButton } from './crisis';
import { h, mount } from './dom';
import { describe, toErrorBody } from './errors';
import { home } from './screens/home';
import { onboarding } from './screens/onboarding';
import { problem } from './screens/problem';
import { settings } from './screens/settings';
import { unlock } from './screens/unlock';

const root = document.getElementById('app') as HTMLElement;
let current: VaultStatus | undefined;
let page: 'home' | 'settings' = 'home';

function show(status: VaultStatus): void {
  current = status;
  switch (status.state) {
    case 'new':
      page = 'home';
      onboarding(root, status, show);
      break;
    case 'locked':
      page = 'home';
      unlock(root, status, show);
      break;
    case 'unlocked':
      if (page === 'settings') {
        settings(root, status, show, () => {
          page = 'home';
          show(status);
        });
      } else {
        void home(root, status, show, () => {
          page = 'settings';
          show(status);
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

async function start(): Promise<void> {
  setUpCrisisButton();
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
}

void start();
