import { api } from '../api';
import type { VaultStatus } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { passcodeFields } from './passcode';

type NewStatus = Extract<VaultStatus, { state: 'new' }>;

export function onboarding(status: NewStatus, show: (s: VaultStatus) => void): Screen {
  return { mount: (root) => draw(root, status, show) };
}

function draw(root: HTMLElement, status: NewStatus, show: (s: VaultStatus) => void): void {
  const min = status.min_passcode_len;
  const required = !status.credential_store;
  const msg = messageArea();
  const fields = passcodeFields(min, required ? 'Passcode' : 'Passcode (optional)');

  const create = async (withPasscode: boolean): Promise<void> => {
    msg.textContent = '';
    let passcode: string | null = null;
    if (withPasscode) {
      const check = fields.value();
      if ('error' in check) {
        msg.textContent = check.error;
        return;
      }
      passcode = check.passcode;
    }
    msg.textContent = 'Setting up your vault…';
    try {
      show(await api.create(passcode));
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  mount(
    root,
    h('h1', {}, 'Welcome to Peerline'),
    h(
      'ul',
      { class: 'promises' },
      h('li', {}, 'Your check-ins stay on this phone, in an encrypted vault. Your department cannot see them, and neither can we.'),
      h('li', {}, 'When you ask for a peer, the request is end-to-end encrypted. The relay only ever sees scrambled data.'),
      h('li', {}, 'No name, badge number, phone number or e-mail is ever sent anywhere.'),
    ),
    h('h2', {}, required ? 'Choose a passcode' : 'Add a passcode'),
    h(
      'p',
      {},
      required
        ? `This device has no secure key store, so your passcode is what locks the vault. Use at least ${min} characters; longer is stronger. If you forget it, the vault cannot be opened again.`
        : `Your vault's key is kept in this device's secure store. A passcode adds an app lock, so someone holding your unlocked phone cannot open Peerline.`,
    ),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void create(true);
        },
      },
      fields.element,
      h('button', { type: 'submit', class: 'primary big' }, required ? 'Set passcode and start' : 'Set passcode and start'),
      required
        ? null
        : h('button', { type: 'button', class: 'secondary', onclick: () => void create(false) }, 'Skip — no app lock'),
      msg,
    ),
  );
}
