import { api } from '../api';
import type { TeamInfo } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';

/** An invite link opened from outside the app, waiting for the join screen to show it. */
let offered: string | null = null;

/** Keeps `link` for the next join screen (a `peerline://join` link clicked elsewhere). */
export function offerInvite(link: string): void {
  offered = link;
}

/** Joining a peer team from an invite link or the text of its QR code. */
export function join(done: (team: TeamInfo | null) => void, back: () => void): Screen {
  return { mount: (root) => draw(root, done, back) };
}

function draw(root: HTMLElement, done: (team: TeamInfo | null) => void, back: () => void): void {
  const msg = messageArea();
  const field = h('textarea', { id: 'invite', rows: 4, autocomplete: 'off', spellcheck: 'false' });
  const demo = h('div', { class: 'stack' });
  const opened = h('p', { class: 'hint', id: 'invite-opened' });
  if (offered) {
    // Shown, never joined by itself: the officer reads where it leads and confirms.
    field.value = offered;
    offered = null;
    opened.textContent = 'You opened an invite link. Check it is the one your coordinator sent, then join.';
  }
  mount(
    root,
    h('h1', {}, 'Join your peer team'),
    h('button', { type: 'button', class: 'secondary back', onclick: back }, '← Back'),
    h(
      'p',
      {},
      'Paste the invite your peer-support coordinator gave you (a link starting with peerline://join). ' +
        'Your phone joins under a random id: no name, badge number, phone number or e-mail is sent.',
    ),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: async (ev: Event) => {
          ev.preventDefault();
          msg.textContent = 'Joining…';
          try {
            done(await api.teamJoin(field.value));
          } catch (e) {
            msg.textContent = describe(toErrorBody(e));
          }
        },
      },
      opened,
      h('label', { for: 'invite' }, 'Invite link'),
      field,
      h('button', { type: 'submit', class: 'primary big' }, 'Join team'),
      msg,
    ),
    demo,
  );
  void api.demoInvite().then((link) => {
    if (!link) return;
    demo.replaceChildren(
      h('p', { class: 'hint' }, 'This copy of Peerline runs a demo team on this computer, with demo peers who answer.'),
      h('button', {
        type: 'button',
        class: 'secondary',
        id: 'use-demo',
        onclick: () => {
          field.value = link;
          field.focus();
        },
      }, 'Use the demo team'),
    );
  }).catch(() => undefined);
}
