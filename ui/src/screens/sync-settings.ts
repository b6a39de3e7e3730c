// Sync between the officer's own devices: turn it on (the recovery code is shown once and
// confirmed), bring everything back on a new phone from the code, sync now, turn it off.
// Everything goes through the team's relay, sealed with a key only the code opens.
import { api } from '../api';
import type { SyncDevice, SyncStatus } from '../bindings';
import { h, messageArea } from '../dom';
import { describe, toErrorBody } from '../errors';
import { linkIn, linkOut } from './sync-link';

/** The recovery code's last group, which the officer types back to show they kept it. */
function lastGroup(code: string): string {
  return code.split('-').pop() ?? '';
}

export function syncSection(): HTMLElement {
  const msg = messageArea();
  msg.id = 'sync-msg';
  const body = h('div', { class: 'stack' });
  const section = h('section', { 'aria-labelledby': 'sync-h' },
    h('h2', { id: 'sync-h' }, 'Your other devices'),
    h('p', {}, 'Keep your check-ins and questionnaire results on your other phone or computer too. They travel through your team\u2019s relay sealed with a key only your recovery code opens: the relay, your department and your peers cannot read them or tell whose they are.'),
    body,
    msg,
  );

  const showCode = (code: string, lead = 'Your recovery code.') => {
    const confirm = h('input', { type: 'text', id: 'sync-confirm', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false' });
    body.replaceChildren(
      h('p', { id: 'sync-code-lead' }, `${lead} Write it down or print this page, and keep it somewhere safe. It is shown only now. On a new phone, this code alone brings everything back; without it, nothing can be restored.`),
      // A line may break only between groups (after a hyphen), never inside one.
      h('p', { class: 'recovery-code', id: 'sync-code', tabindex: 0, 'aria-label': 'Recovery code' },
        ...code.split('-').flatMap((group, i): (string | Node)[] =>
          i === 0 ? [group] : ['-', document.createElement('wbr'), group])),
      h('form', {
        class: 'stack',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          if (confirm.value.trim().toUpperCase() !== lastGroup(code)) {
            msg.textContent = 'That is not the code\u2019s last group. Look at what you wrote down and try again.';
            return;
          }
          msg.textContent = 'Sync is on. Your other devices can now use this code.';
          void refresh();
        },
      },
      h('label', { for: 'sync-confirm' }, 'To confirm you kept it, type its last four characters'),
      confirm,
      h('button', { type: 'submit', class: 'primary' }, 'I have kept my code')),
    );
  };

  const turnOn = async () => {
    msg.textContent = 'Turning sync on\u2026';
    try {
      showCode(await api.syncTurnOn());
      msg.textContent = '';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  const restoreForm = () => {
    const input = h('input', { type: 'text', id: 'sync-restore-code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false' });
    return h('form', {
      class: 'stack',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        msg.textContent = 'Looking for your records\u2026';
        try {
          const got = await api.syncRestore(input.value);
          input.value = '';
          msg.textContent = `Done: ${got.received} records came back to this device.`;
          void refresh();
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      },
    },
    h('label', { for: 'sync-restore-code' }, 'Already use sync on another device? Its recovery code'),
    input,
    h('button', { type: 'submit', class: 'secondary' }, 'Bring my records to this device'));
  };

  const syncNow = async () => {
    msg.textContent = 'Syncing\u2026';
    try {
      const r = await api.syncNow();
      msg.textContent = `Synced: ${r.sent} sent, ${r.received} received.`;
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  /** The devices that sync, each but this one with a "Remove" that asks twice. */
  const deviceList = (devices: SyncDevice[]) => {
    const list = h('ul', { id: 'sync-devices', class: 'stack plain' });
    for (const d of devices) {
      const label = `${d.name}${d.this_device ? ' (this device)' : ''}, since ${d.added_on}`;
      const item = h('li', { id: `sync-device-${d.id}` }, h('span', {}, label));
      if (!d.this_device) {
        let asked = false;
        const remove = h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${d.name}, since ${d.added_on}` }, 'Remove');
        remove.addEventListener('click', async () => {
          if (!asked) {
            asked = true;
            remove.textContent = 'Tap again to remove it: it keeps what it has, and gets nothing new';
            remove.setAttribute('aria-label', `Tap again to remove ${d.name}: it keeps what it has, and gets nothing new`);
            return;
          }
          msg.textContent = 'Moving your records to a new box that device cannot open…';
          try {
            const code = await api.syncRemoveDevice(d.id);
            msg.textContent = '';
            showCode(code, `${d.name} is removed: your records moved to a new box it cannot open. Your recovery code has changed and the old one no longer works. Your new recovery code.`);
          } catch (e) {
            msg.textContent = describe(toErrorBody(e));
          }
        });
        item.append(remove);
      }
      list.append(item);
    }
    return h('div', { class: 'stack' },
      h('h3', { id: 'sync-devices-h' }, 'Devices that sync'),
      devices.length > 1
        ? h('p', { class: 'hint' }, 'Lost one? Remove it here. Nothing written after that reaches it.')
        : h('p', { class: 'hint' }, 'Only this device so far. Link another below, or use your recovery code on it.'),
      list);
  };

  let armed = false;
  const turnOff = async (button: HTMLButtonElement) => {
    if (!armed) {
      armed = true;
      button.textContent = 'Tap again to turn sync off and delete the copy on the relay';
      return;
    }
    msg.textContent = 'Turning sync off\u2026';
    try {
      await api.syncTurnOff();
      msg.textContent = 'Sync is off. The copy on the relay is deleted; this device keeps its records.';
      void refresh();
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  const draw = async (s: SyncStatus) => {
    armed = false;
    if (!s.on) {
      body.replaceChildren(
        h('button', { type: 'button', class: 'primary', id: 'sync-on', onclick: () => void turnOn() }, 'Turn on sync'),
        linkIn(msg, () => void refresh()),
        restoreForm(),
      );
      return;
    }
    const devices = await api.syncDevices().catch(() => []);
    const off = h('button', { type: 'button', class: 'secondary', id: 'sync-off' }, 'Turn sync off');
    off.addEventListener('click', () => void turnOff(off));
    body.replaceChildren(
      h('p', { id: 'sync-state' }, s.pending
        ? 'Sync is on. A recent change goes up within a few minutes, at a moment the relay cannot match to when you made it.'
        : 'Sync is on. Everything here is synced.'),
      h('p', { class: 'hint' }, 'While Peerline is open it sends a small, sealed upload every few minutes whether or not anything changed, so the relay cannot tell when you wrote something.'),
      deviceList(devices),
      h('button', {
        type: 'button', class: 'secondary', id: 'sync-link',
        onclick: (ev: Event) => {
          const button = ev.currentTarget as HTMLButtonElement;
          msg.textContent = '';
          button.hidden = true;
          button.after(linkOut(msg, () => {
            button.nextElementSibling?.remove();
            button.hidden = false;
            button.focus();
          }));
        },
      }, 'Link another device'),
      h('button', { type: 'button', class: 'secondary', id: 'sync-now', onclick: () => void syncNow() }, 'Sync now'),
      h('p', { class: 'hint' }, 'Sync now sends at once, so the relay can tell that something changed just now.'),
      off,
    );
  };

  const refresh = async () => {
    try {
      await draw(await api.syncStatus());
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  void refresh();
  return section;
}
