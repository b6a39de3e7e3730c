import { api } from '../api';
import { contactSection, roleSection } from './person-settings';
import type { VaultStatus } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { eraseButton } from './erase';
import { currentPasscodeField, passcodeFields } from './passcode';
import { backupSection, exportSection, reminderSection } from './records-settings';
import { syncSection } from './sync-settings';

type OpenStatus = Extract<VaultStatus, { state: 'unlocked' }>;

const AUTO_LOCK_CHOICES: { label: string; minutes: number | null }[] = [
  { label: 'Right away', minutes: 0 },
  { label: 'After 1 minute', minutes: 1 },
  { label: 'After 5 minutes', minutes: 5 },
  { label: 'After 15 minutes', minutes: 15 },
  { label: 'After 1 hour', minutes: 60 },
  { label: 'Never', minutes: null },
];

const MIN_PASSCODE = 6;

/**
 * Settings. A change to the app lock hands the new status to `show`, which draws this
 * screen again for it (or the lock screen, when the vault locked).
 */
export function settings(status: OpenStatus, show: (s: VaultStatus) => void, back: () => void, console: () => void): Screen {
  return { mount: (root) => draw(root, status, show, back, console) };
}

function draw(root: HTMLElement, status: OpenStatus, show: (s: VaultStatus) => void, back: () => void, openConsole: () => void): void {
  const sections: HTMLElement[] = [];

  if (status.app_lock) {
    const msg = messageArea();
    const current = currentPasscodeField();
    const fresh = passcodeFields(MIN_PASSCODE);
    sections.push(
      h('section', { 'aria-labelledby': 'change-h' },
        h('h2', { id: 'change-h' }, 'Change passcode'),
        h('form', {
          class: 'stack',
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            const v = fresh.value();
            if ('error' in v) {
              msg.textContent = v.error;
              return;
            }
            msg.textContent = 'Changing…';
            try {
              show(await api.setPasscode(current.input.value, v.passcode));
            } catch (e) {
              current.input.value = '';
              msg.textContent = describe(toErrorBody(e));
            }
          },
        }, current.element, fresh.element, h('button', { type: 'submit', class: 'primary' }, 'Change passcode'), msg),
      ),
    );

    const autoMsg = messageArea();
    const select = h('select', {
      id: 'auto-lock',
      onchange: async (ev: Event) => {
        const i = Number((ev.target as HTMLSelectElement).value);
        try {
          show(await api.setAutoLock(AUTO_LOCK_CHOICES[i]?.minutes ?? null));
        } catch (e) {
          autoMsg.textContent = describe(toErrorBody(e));
        }
      },
    }, ...AUTO_LOCK_CHOICES.map((c, i) =>
      h('option', { value: i, selected: c.minutes === (status.auto_lock_minutes ?? null) }, c.label)));
    sections.push(
      h('section', { 'aria-labelledby': 'auto-h' },
        h('h2', { id: 'auto-h' }, 'Auto-lock'),
        h('label', { for: 'auto-lock' }, 'Lock when Peerline is in the background'),
        select,
        autoMsg,
      ),
    );

    if (status.custody === 'credential_store') {
      const offMsg = messageArea();
      const cur = currentPasscodeField();
      sections.push(
        h('section', { 'aria-labelledby': 'off-h' },
          h('h2', { id: 'off-h' }, 'Turn off the app lock'),
          h('form', {
            class: 'stack',
            onsubmit: async (ev: Event) => {
              ev.preventDefault();
              try {
                show(await api.removePasscode(cur.input.value));
              } catch (e) {
                cur.input.value = '';
                offMsg.textContent = describe(toErrorBody(e));
              }
            },
          }, cur.element, h('button', { type: 'submit', class: 'secondary' }, 'Turn off app lock'), offMsg),
        ),
      );
    }
  } else {
    const msg = messageArea();
    const fresh = passcodeFields(MIN_PASSCODE);
    sections.push(
      h('section', { 'aria-labelledby': 'set-h' },
        h('h2', { id: 'set-h' }, 'App lock'),
        h('p', {}, 'Add a passcode so someone holding your unlocked phone cannot open Peerline.'),
        h('form', {
          class: 'stack',
          onsubmit: async (ev: Event) => {
            ev.preventDefault();
            const v = fresh.value();
            if ('error' in v) {
              msg.textContent = v.error;
              return;
            }
            try {
              show(await api.setPasscode(null, v.passcode));
            } catch (e) {
              msg.textContent = describe(toErrorBody(e));
            }
          },
        }, fresh.element, h('button', { type: 'submit', class: 'primary' }, 'Set passcode'), msg),
      ),
    );
  }

  sections.push(roleSection(), contactSection(), reminderSection(), syncSection(), exportSection(), backupSection());

  const teamMsg = messageArea();
  sections.push(
    h('section', { 'aria-labelledby': 'program-h' },
      h('h2', { id: 'program-h' }, 'Run a peer program'),
      h('p', {}, 'For coordinators: the roster, invites, the directory of help and the program\u2019s figures. The team\u2019s key stays in this vault.'),
      h('button', { type: 'button', class: 'secondary', id: 'open-console', onclick: openConsole }, 'Open the coordinator\u2019s console')),
  );
  sections.push(
    h('section', { 'aria-labelledby': 'team-h' },
      h('h2', { id: 'team-h' }, 'Peer team'),
      h('p', {}, 'Leaving forgets the team, its roster and your peer keys on this phone. Your check-ins stay.'),
      h('button', {
        type: 'button',
        class: 'secondary',
        onclick: async () => {
          try {
            await api.teamLeave();
            teamMsg.textContent = 'You have left the team.';
          } catch (e) {
            teamMsg.textContent = describe(toErrorBody(e));
          }
        },
      }, 'Leave team'),
      teamMsg,
    ),
  );
  sections.push(
    h('section', { 'aria-labelledby': 'erase-h' },
      h('h2', { id: 'erase-h' }, 'Erase everything'),
      h('p', {}, 'Deletes your vault and its key from this device. Nothing can bring it back.'),
      eraseButton(show),
    ),
    h('section', { 'aria-labelledby': 'about-h' },
      h('h2', { id: 'about-h' }, 'About'),
      h('p', {}, 'Peerline 0.1.0. Your vault is encrypted with SQLCipher; its key is kept in this device\u2019s secure store or locked with your passcode (Argon2id).'),
      h('p', {}, 'Peerline is open source under the Apache License 2.0. It is built on the work of the projects below.'),
      licencesList(),
    ),
  );

  mount(
    root,
    h('h1', {}, 'Settings'),
    h('button', { type: 'button', class: 'secondary back', onclick: back }, '← Back'),
    ...sections,
  );
}

interface Component {
  name: string;
  version: string;
  licence: string;
  from: 'crates.io' | 'npm';
}

/** The third-party components, loaded from the bundle when first opened (it is long). */
function licencesList(): HTMLElement {
  // It scrolls inside its box, so it takes keyboard focus to be scrolled without a mouse.
  const list = h('ul', { class: 'licences', id: 'licences-list', tabindex: 0, 'aria-label': 'Open-source components' });
  const details = h('details', { class: 'licences-box' }, h('summary', {}, 'Open-source licences'), list);
  details.addEventListener('toggle', () => {
    if (!details.open || list.childElementCount > 0) return;
    fetch('/third-party-licences.json')
      .then((r) => r.json() as Promise<Component[]>)
      .then((all) => {
        list.replaceChildren(
          h('li', { class: 'hint' }, `${all.length} components, each under its own licence:`),
          ...all.map((c) => h('li', {}, `${c.name} ${c.version} (${c.from}) — ${c.licence}`)),
        );
      })
      .catch(() => list.replaceChildren(h('li', {}, 'The list could not be read from the app bundle.')));
  });
  return details;
}
