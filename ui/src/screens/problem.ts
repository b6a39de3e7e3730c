import { api } from '../api';
import type { VaultStatus } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { eraseButton } from './erase';

type Problem = Extract<VaultStatus, { state: 'damaged' | 'key_missing' | 'unavailable' }>;

/** Damaged vault, lost key, or something outside the vault failing: say what, offer a way. */
export function problem(status: Problem, show: (s: VaultStatus) => void): Screen {
  return { mount: (root) => draw(root, status, show) };
}

function draw(root: HTMLElement, status: Problem, show: (s: VaultStatus) => void): void {
  const msg = messageArea();
  const act = (f: () => Promise<VaultStatus>) => async () => {
    msg.textContent = '';
    try {
      show(await f());
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  const title = {
    damaged: 'Your vault needs attention',
    key_missing: 'Your vault\u2019s key is missing',
    unavailable: 'Peerline cannot open your vault right now',
  }[status.state];
  const actions: (HTMLElement | null)[] = [
    h('button', { type: 'button', class: 'primary big', onclick: act(api.retry) }, 'Try again'),
    status.state === 'damaged'
      ? h('button', { type: 'button', class: 'secondary', onclick: act(api.setAsideDamaged) }, 'Set the damaged copy aside and start new')
      : null,
    status.state === 'unavailable' ? null : eraseButton(show),
  ];
  mount(
    root,
    h('h1', {}, title),
    h('p', {}, status.message),
    h('p', { class: 'hint' }, 'If you need someone right now, the crisis lines at the top are always available.'),
    ...actions.filter((a): a is HTMLElement => a !== null),
    msg,
  );
}
