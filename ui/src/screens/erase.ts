import { api } from '../api';
import type { VaultStatus } from '../bindings';
import { h, messageArea } from '../dom';
import { describe, toErrorBody } from '../errors';

/** "Erase everything", behind a confirmation that says exactly what will happen. */
export function eraseButton(show: (s: VaultStatus) => void): HTMLElement {
  const msg = messageArea();
  const confirmBox = h(
    'div',
    { class: 'confirm', hidden: true, role: 'alertdialog', 'aria-labelledby': 'erase-q' },
    h('p', { id: 'erase-q' }, 'Erase every check-in, setting and key on this device? This cannot be undone.'),
    h('button', {
      type: 'button',
      class: 'danger big',
      onclick: async () => {
        msg.textContent = 'Erasing…';
        try {
          show(await api.erase());
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      },
    }, 'Yes, erase everything'),
    h('button', { type: 'button', class: 'secondary', onclick: () => { confirmBox.hidden = true; open.focus(); } }, 'Cancel'),
  );
  const open = h('button', {
    type: 'button',
    class: 'danger-outline',
    onclick: () => {
      confirmBox.hidden = false;
      confirmBox.querySelector<HTMLButtonElement>('button.secondary')?.focus();
    },
  }, 'Erase everything');
  return h('div', { class: 'stack' }, open, confirmBox, msg);
}
