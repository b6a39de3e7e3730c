import { api } from '../api';
import type { CheckIn } from '../bindings';
import { checkInControls, draftOf, noteField, noteOrNull } from '../checkin-form';
import { sleepWords, tagLabel, when, word } from '../checkin-words';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';

interface Links {
  back: () => void;
}

const LIMIT = 100;

/** What the list says once it is back: the outcome, and where focus should land. */
interface After {
  status: string;
  focus?: string;
}

/** One line per entry; each "Mood: Good" stays together when the line wraps. */
function summary(c: CheckIn): HTMLElement {
  const parts = [
    `Mood: ${word('mood', c.mood)}`,
    `Stress: ${word('stress', c.stress)}`,
    `Energy: ${word('energy', c.energy)}`,
    `Sleep: ${sleepWords(c.sleep_half_hours)}`,
  ];
  return h('p', { class: 'meta' }, ...parts.flatMap((t, i) => [i > 0 ? ' · ' : null, h('span', { class: 'nowrap' }, t)]));
}

function edit(root: HTMLElement, c: CheckIn, links: Links): void {
  const entry = draftOf(c);
  const msg = messageArea();
  const [noteLabel, note] = noteField(c.note);
  // If the vault locked while saving, the lock screen is showing: stay off it.
  const backToList = (after?: After) => {
    if (note.isConnected) void list(root, links, after ?? { status: '', focus: `edit-${c.id}` });
  };

  const save = async (): Promise<void> => {
    msg.textContent = 'Saving…';
    try {
      const saved = await api.updateCheckIn(c.id, { ...entry, note: noteOrNull(note.value) });
      backToList({ status: `Saved your changes to the check-in from ${when(saved.recorded_at_utc)}.`, focus: `edit-${c.id}` });
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  mount(
    root,
    h('h1', {}, 'Edit check-in'),
    h('button', { type: 'button', class: 'secondary back', onclick: () => backToList() }, '\u2190 Back'),
    h('p', { class: 'hint' }, `From ${when(c.recorded_at_utc)}. The time it was made stays the same.`),
    h(
      'form',
      {
        class: 'stack checkin',
        'aria-label': 'Edit check-in',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void save();
        },
      },
      ...checkInControls(entry),
      noteLabel,
      note,
      h('button', { type: 'submit', class: 'primary big', id: 'save-edit' }, 'Save changes'),
      h('button', { type: 'button', class: 'secondary', id: 'cancel-edit', onclick: () => backToList() }, 'Cancel'),
      msg,
    ),
  );
}

/** The inline "are you sure?" under one check-in; only one is open at a time. */
function confirmDelete(c: CheckIn, opener: HTMLButtonElement, done: (after: After) => void, msg: HTMLElement): HTMLElement {
  document.getElementById('confirm-delete')?.closest('.confirm')?.remove();
  const close = () => {
    box.remove();
    opener.focus();
  };
  const box = h(
    'div',
    { class: 'confirm', role: 'alertdialog', 'aria-labelledby': `delete-q-${c.id}` },
    h('p', { id: `delete-q-${c.id}` }, `Delete the check-in from ${when(c.recorded_at_utc)}? This cannot be undone.`),
    h('button', {
      type: 'button',
      class: 'danger big',
      id: 'confirm-delete',
      onclick: async () => {
        msg.textContent = 'Deleting…';
        try {
          const gone = await api.deleteCheckIn(c.id);
          if (!box.isConnected) return;
          done({ status: gone ? 'Check-in deleted.' : 'That check-in was already gone.' });
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      },
    }, 'Yes, delete it'),
    h('button', { type: 'button', class: 'secondary', id: 'cancel-delete', onclick: close }, 'Cancel'),
  );
  return box;
}

function item(c: CheckIn, root: HTMLElement, links: Links, msg: HTMLElement): HTMLElement {
  const at = when(c.recorded_at_utc);
  const remove: HTMLButtonElement = h('button', {
    type: 'button',
    class: 'danger-outline',
    id: `delete-${c.id}`,
    'aria-label': `Delete check-in, ${at}`,
    onclick: () => {
      const box = confirmDelete(c, remove, (after) => void list(root, links, after), msg);
      li.append(box);
      box.querySelector<HTMLButtonElement>('#cancel-delete')?.focus();
    },
  }, 'Delete');
  const li = h(
    'li',
    { class: 'history-item', id: `checkin-${c.id}` },
    h('h2', {}, at),
    summary(c),
    c.tags.length > 0 ? h('p', { class: 'meta' }, `Tags: ${c.tags.map(tagLabel).join(', ')}`) : null,
    c.note ? h('p', { class: 'note' }, c.note) : null,
    h('div', { class: 'row' },
      h('button', {
        type: 'button',
        class: 'secondary',
        id: `edit-${c.id}`,
        'aria-label': `Edit check-in, ${at}`,
        onclick: () => edit(root, c, links),
      }, 'Edit'),
      remove,
    ),
  );
  return li;
}

async function list(root: HTMLElement, links: Links, after?: After): Promise<void> {
  const msg = messageArea();
  const items = h('ul', { class: 'history', id: 'history-list' });
  mount(
    root,
    h('h1', {}, 'Your check-ins'),
    h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
    h('p', {}, 'Only you see these; they stay on this phone. You can change or delete any of them.'),
    msg,
    items,
  );
  try {
    const all = await api.recentCheckIns(LIMIT);
    if (all.length === 0) {
      items.before(h('p', { class: 'last', id: 'history-empty' }, 'No check-ins yet. They show up here after you save one on the home screen.'));
    } else {
      items.append(...all.map((c) => item(c, root, links, msg)));
      if (all.length === LIMIT) items.after(h('p', { class: 'hint' }, `These are your ${LIMIT} most recent check-ins.`));
    }
  } catch (e) {
    msg.textContent = describe(toErrorBody(e));
    return;
  }
  if (after) {
    msg.textContent = after.status;
    if (after.focus) document.getElementById(after.focus)?.focus();
  }
}

/** "Your check-ins": the recent ones, each with edit and delete. */
export function historyScreen(links: Links): Screen {
  return { mount: (root) => list(root, links) };
}
