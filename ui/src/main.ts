// Must stay the first import: see locale-guard.ts.
import './locale-guard';
import { api } from './api';
import { setUpCrisisButton } from './crisis';
import { h, mount } from './dom';
import { describe, toErrorBody } from './errors';
import { createRouter } from './routes';
import { offerInvite } from './screens/join';
import { store } from './store';

const root = document.getElementById('app') as HTMLElement;
const router = createRouter(root);

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
    canBrowse: () => store.status?.state === 'unlocked',
    browse: () => router.navigate('directory'),
    plan: () => router.navigate('safety-plan'),
    calm: () => router.navigate('calm'),
  });
  // The core locks the vault on its own (auto-lock); cover the screen as soon as it does.
  // Only a change of state swaps the screen, so one on show keeps what was typed into it.
  store.on('vault-status', (status) => {
    if (status.state !== router.state) router.show(status);
  });
  // A `peerline://join` link opened while the app runs (or the one it was started with):
  // the join screen shows it. From the home page (or the lock, for after the unlock) it
  // opens at once; on any other page it waits for the next join screen rather than throw
  // away what is being typed there. During set-up the welcome step's "join" shows it.
  const openInvite = (link: string) => {
    offerInvite(link);
    if (router.state === 'locked' || (router.state === 'unlocked' && router.route === 'home')) {
      router.navigate('join');
    }
  };
  store.on('open-invite', openInvite);
  // A new request's notification was clicked: the inbox, once the vault is open.
  store.on('open-inbox', () => router.navigate('peer'));
  await store.start();
  try {
    router.show(await api.status());
    const link = await api.openedInvite();
    if (link) openInvite(link);
  } catch (e) {
    mount(root, h('h1', {}, 'Peerline could not start'), h('p', {}, describe(toErrorBody(e))));
  }
  // After the next paint, so the figure includes drawing the first screen.
  requestAnimationFrame(() => setTimeout(() => void api.firstScreenShown().catch(() => undefined)));
}

void start();
