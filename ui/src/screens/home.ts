import { api } from '../api';
import type { CheckIn, QuickCheckIn, VaultStatus } from '../bindings';
import { checkInControls, noteField, noteOrNull } from '../checkin-form';
import { sleepWords, when, word } from '../checkin-words';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';

type OpenStatus = Extract<VaultStatus, { state: 'unlocked' }>;

function lastCheckIn(c: CheckIn | undefined): HTMLElement {
  if (!c) return h('p', { class: 'hint' }, 'No check-ins yet. One tap is enough to start.');
  return h(
    'p',
    { class: 'last' },
    `Last check-in: ${when(c.recorded_at_utc)} — mood ${word('mood', c.mood).toLowerCase()}, stress ${word('stress', c.stress).toLowerCase()}, ${sleepWords(c.sleep_half_hours)} sleep.`,
  );
}

export interface HomeLinks {
  settings: () => void;
  screeners: () => void;
  trends: () => void;
  history: () => void;
  directory: () => void;
  talk: () => void;
  peer: () => void;
  plan: () => void;
  calm: () => void;
}

export function home(status: OpenStatus, show: (s: VaultStatus) => void, links: HomeLinks): Screen {
  return { mount: (root) => draw(root, status, show, links) };
}

async function draw(root: HTMLElement, status: OpenStatus, show: (s: VaultStatus) => void, links: HomeLinks): Promise<void> {
  const entry: QuickCheckIn = { mood: 3, stress: 3, energy: 3, sleep_half_hours: 14, tags: [], note: null };
  const msg = messageArea();
  const last = h('div', {});
  const [noteLabel, note] = noteField(null);
  const refreshLast = async () => {
    try {
      const [c] = await api.recentCheckIns(1);
      last.replaceChildren(lastCheckIn(c));
    } catch (e) {
      last.replaceChildren(h('p', { class: 'message' }, describe(toErrorBody(e))));
    }
  };

  const save = async (): Promise<void> => {
    msg.textContent = 'Saving…';
    try {
      await api.saveCheckIn({ ...entry, note: noteOrNull(note.value) });
      note.value = '';
      msg.textContent = 'Saved. Thanks for checking in.';
      await refreshLast();
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  const lockButton = status.app_lock
    ? h('button', {
        type: 'button',
        class: 'secondary',
        id: 'nav-lock',
        onclick: async () => {
          try {
            show(await api.lock());
          } catch (e) {
            msg.textContent = describe(toErrorBody(e));
          }
        },
      }, 'Lock now')
    : null;

  const talk = h('button', { type: 'button', class: 'primary big talk', id: 'talk-to-a-peer', onclick: links.talk }, 'Talk to a peer');
  mount(
    root,
    talk,
    h('h1', {}, 'How are you doing?'),
    last,
    h(
      'form',
      {
        class: 'stack checkin',
        'aria-label': 'Quick check-in',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void save();
        },
      },
      ...checkInControls(entry),
      noteLabel,
      note,
      h('button', { type: 'submit', class: 'primary big' }, 'Save check-in'),
      msg,
    ),
    h('button', { type: 'button', class: 'secondary big', id: 'nav-directory', onclick: links.directory }, 'Find professional help'),
    h('nav', { class: 'row', 'aria-label': 'More' },
      h('button', { type: 'button', class: 'secondary', id: 'nav-trends', onclick: links.trends }, 'Trends'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-history', onclick: links.history }, 'History'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-screeners', onclick: links.screeners }, 'Questionnaires'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-plan', onclick: links.plan }, 'My safety plan'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-calm', onclick: links.calm }, 'Breathe, ground, relax'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-settings', onclick: links.settings }, 'Settings'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-peer', onclick: links.peer }, 'Peer supporter'),
      lockButton,
    ),
  );
  // A peer supporter's inbox sits next to the big button; everyone else finds it under More.
  // Once this screen has gone, the button is out of the page and `after` adds nothing.
  void api
    .role()
    .then((role) => {
      if (role !== 'peer_supporter') return;
      talk.after(
        h('button', { type: 'button', class: 'primary big', id: 'home-peer-inbox', onclick: links.peer }, 'Peer inbox'),
      );
    })
    .catch(() => undefined);
  await refreshLast();
}
