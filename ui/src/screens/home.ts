import { api } from '../api';
import type { CheckIn, QuickCheckIn, Tag, VaultStatus } from '../bindings';
import { SCALES, TAGS, type ScaleName, sleepWords, when, word } from '../checkin-words';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';

type OpenStatus = Extract<VaultStatus, { state: 'unlocked' }>;

function scale(name: ScaleName, entry: QuickCheckIn): HTMLElement {
  const { label, words } = SCALES[name];
  return h(
    'fieldset',
    { class: 'scale' },
    h('legend', {}, label),
    h(
      'div',
      { class: 'segments' },
      ...words.map((w, i) => {
        const id = `${name}-${i + 1}`;
        const input = h('input', {
          type: 'radio',
          name,
          id,
          value: i + 1,
          checked: entry[name] === i + 1,
          onchange: () => {
            entry[name] = i + 1;
          },
        });
        return h('span', { class: 'segment' }, input, h('label', { for: id }, w));
      }),
    ),
  );
}

function sleepControl(entry: QuickCheckIn): HTMLElement {
  const out = h('output', { id: 'sleep-value', 'aria-live': 'polite' }, sleepWords(entry.sleep_half_hours));
  const step = (d: number) => {
    entry.sleep_half_hours = Math.min(28, Math.max(0, entry.sleep_half_hours + d));
    out.textContent = sleepWords(entry.sleep_half_hours);
  };
  return h(
    'fieldset',
    { class: 'scale' },
    h('legend', {}, 'Sleep last night'),
    h(
      'div',
      { class: 'stepper' },
      h('button', { type: 'button', class: 'secondary', 'aria-label': 'Half an hour less sleep', onclick: () => step(-1) }, '−'),
      out,
      h('button', { type: 'button', class: 'secondary', 'aria-label': 'Half an hour more sleep', onclick: () => step(1) }, '+'),
    ),
  );
}

function tagChips(entry: QuickCheckIn): HTMLElement {
  return h(
    'fieldset',
    { class: 'scale' },
    h('legend', {}, 'Anything behind it? (optional)'),
    h(
      'div',
      { class: 'chips' },
      ...TAGS.map(({ tag, label }) => {
        const id = `tag-${tag}`;
        const input = h('input', {
          type: 'checkbox',
          id,
          onchange: (ev: Event) => {
            const on = (ev.target as HTMLInputElement).checked;
            entry.tags = on ? [...entry.tags, tag] : entry.tags.filter((t: Tag) => t !== tag);
          },
        });
        return h('span', { class: 'chip' }, input, h('label', { for: id }, label));
      }),
    ),
  );
}

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
  talk: () => void;
  peer: () => void;
}

export async function home(
  root: HTMLElement,
  status: OpenStatus,
  show: (s: VaultStatus) => void,
  links: HomeLinks,
): Promise<void> {
  const entry: QuickCheckIn = { mood: 3, stress: 3, energy: 3, sleep_half_hours: 14, tags: [], note: null };
  const msg = messageArea();
  const last = h('div', {});
  const note = h('textarea', { id: 'note', rows: 3, maxlength: 4000 });
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
      await api.saveCheckIn({ ...entry, note: note.value.trim() === '' ? null : note.value });
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

  mount(
    root,
    h('button', { type: 'button', class: 'primary big talk', id: 'talk-to-a-peer', onclick: links.talk }, 'Talk to a peer'),
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
      scale('mood', entry),
      scale('stress', entry),
      scale('energy', entry),
      sleepControl(entry),
      tagChips(entry),
      h('label', { for: 'note' }, 'A note for yourself (optional, stays on this phone)'),
      note,
      h('button', { type: 'submit', class: 'primary big' }, 'Save check-in'),
      msg,
    ),
    h('nav', { class: 'row', 'aria-label': 'More' },
      h('button', { type: 'button', class: 'secondary', id: 'nav-screeners', onclick: links.screeners }, 'Questionnaires'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-settings', onclick: links.settings }, 'Settings'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-peer', onclick: links.peer }, 'Peer supporter'),
      lockButton,
    ),
  );
  await refreshLast();
}
