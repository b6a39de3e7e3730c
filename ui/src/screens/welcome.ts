// The last step of set-up: how this person uses Peerline, and joining the peer team now or
// later. Shown once, right after the vault is made; both choices can be changed later.
import { api } from '../api';
import type { Role } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';

interface Links {
  join: () => void;
  done: () => void;
}

const ROLES: { role: Role; id: string; label: string; detail: string }[] = [
  {
    role: 'officer',
    id: 'role-officer',
    label: 'I’m an officer',
    detail: 'Check in privately, and reach a trained peer when you want to talk.',
  },
  {
    role: 'peer_supporter',
    id: 'role-peer',
    label: 'I’m a peer supporter',
    detail: 'The same, plus the inbox where you take requests from your team.',
  },
];

export function welcome(links: Links): Screen {
  return { mount: (root) => draw(root, links) };
}

function draw(root: HTMLElement, links: Links): void {
  const msg = messageArea();
  const next = h(
    'section',
    { class: 'stack', id: 'welcome-join', hidden: true, 'aria-labelledby': 'welcome-join-h' },
    h('h2', { id: 'welcome-join-h', tabindex: -1 }, 'Join your peer team'),
    h(
      'p',
      {},
      'Your peer-support coordinator gives you an invite link or QR code. Join now, or later from “Talk to a peer”. Check-ins and the help directory work without a team.',
    ),
    h('button', { type: 'button', class: 'primary big', id: 'welcome-join-now', onclick: links.join }, 'Join my team now'),
    h('button', { type: 'button', class: 'secondary', id: 'welcome-later', onclick: links.done }, 'Not now'),
  );
  const choose = async (role: Role) => {
    try {
      await api.setRole(role);
      msg.textContent =
        role === 'peer_supporter'
          ? 'Peer supporter: your inbox is on the home screen.'
          : 'Officer: you can switch to peer supporter in Settings.';
      next.hidden = false;
      next.querySelector<HTMLElement>('h2')?.focus();
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  mount(
    root,
    h('h1', {}, 'How will you use Peerline?'),
    h(
      'div',
      { class: 'stack', role: 'group', 'aria-label': 'Your role' },
      ...ROLES.map((r) =>
        h(
          'button',
          { type: 'button', class: 'secondary big role', id: r.id, onclick: () => void choose(r.role) },
          h('span', { class: 'role-label' }, r.label),
          h('span', { class: 'role-detail' }, r.detail),
        ),
      ),
    ),
    msg,
    next,
  );
}
