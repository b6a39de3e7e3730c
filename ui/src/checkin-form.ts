// The quick check-in controls, shared by the home screen (a new entry) and the history
// screen (editing one): both start from a QuickCheckIn and write every change back into it.
import type { CheckIn, QuickCheckIn, Tag } from './bindings';
import { SCALES, TAGS, type ScaleName, sleepWords } from './checkin-words';
import { h } from './dom';

/** The editable part of a saved check-in, copied so a cancelled edit leaves it alone. */
export function draftOf(c: CheckIn): QuickCheckIn {
  return {
    mood: c.mood,
    stress: c.stress,
    energy: c.energy,
    sleep_half_hours: c.sleep_half_hours,
    tags: [...c.tags],
    note: c.note,
  };
}

/** A blank or whitespace-only note is no note. */
export function noteOrNull(text: string): string | null {
  return text.trim() === '' ? null : text;
}

export function scale(name: ScaleName, entry: QuickCheckIn): HTMLElement {
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

export function sleepControl(entry: QuickCheckIn): HTMLElement {
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

export function tagChips(entry: QuickCheckIn): HTMLElement {
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
          checked: entry.tags.includes(tag),
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

/** The note box and its label; the text is read back with noteOrNull(textarea.value). */
export function noteField(value: string | null): [HTMLLabelElement, HTMLTextAreaElement] {
  const note = h('textarea', { id: 'note', rows: 3, maxlength: 4000 });
  note.value = value ?? '';
  return [h('label', { for: 'note' }, 'A note for yourself (optional, stays on this phone)'), note];
}

/** Every control of a check-in, in the order the home screen shows them. */
export function checkInControls(entry: QuickCheckIn): HTMLElement[] {
  return [scale('mood', entry), scale('stress', entry), scale('energy', entry), sleepControl(entry), tagChips(entry)];
}
