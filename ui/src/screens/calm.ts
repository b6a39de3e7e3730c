// The next ten minutes: tactical (box) breathing with a paced guide, 5-4-3-2-1 grounding and
// a short muscle relaxation. Offline, nothing recorded, usable with one thumb. The breathing
// guide is a CSS animation (no timers here); with reduced motion it stands still and the
// words carry the count.
import { h, mount } from '../dom';
import type { Screen } from '../screen';

const PHASES = ['Breathe in', 'Hold', 'Breathe out', 'Hold'];

export const SOURCES = {
  breathing: 'Tactical (box) breathing, as taught in police and military stress training (Grossman & Christensen, On Combat).',
  grounding: 'The 5-4-3-2-1 grounding exercise, as in PTSD Coach (U.S. Department of Veterans Affairs).',
  relaxation: 'A short form of progressive muscle relaxation (after Jacobson), as in PTSD Coach.',
};

const GROUNDING = [
  'Name 5 things you can see.',
  'Name 4 things you can feel: your feet on the floor, your back on the chair.',
  'Name 3 things you can hear.',
  'Name 2 things you can smell, or two smells you like.',
  'Name 1 thing you can taste, or one good thing about yourself.',
];

const RELAXATION = [
  'Sit or lie down. Breathe in slowly, out slowly.',
  'Make fists, tight, for 5 seconds. Let go, and notice the difference for 10.',
  'Raise your shoulders to your ears for 5 seconds. Drop them, and rest for 10.',
  'Scrunch your face for 5 seconds. Let it go slack for 10.',
  'Press your feet into the floor and tense your legs for 5 seconds. Let go for 10.',
  'Breathe in slowly, out slowly. Notice where you feel looser.',
];

/** One cycle of the guide (16 s) felt on a phone that can vibrate: a longer pulse as each
 * breath begins, a short one as each hold begins. */
export const PULSES = [120, 3880, 60, 3940, 120, 3880, 60];

/** Vibrates, where the device can (Android; elsewhere nothing happens). */
function pulse(pattern: number | number[]): void {
  if (typeof navigator.vibrate === 'function') navigator.vibrate(pattern);
}

function breathing(): HTMLElement {
  const dot = h('span', { class: 'breath-dot' });
  // Paced by the animation itself (its start and each new cycle), so no timer runs here,
  // and with reduced motion (no animation) nothing vibrates either.
  dot.addEventListener('animationstart', () => pulse(PULSES));
  dot.addEventListener('animationiteration', () => pulse(PULSES));
  const guide = h('div', { class: 'breath-guide', 'aria-hidden': 'true' },
    h('div', { class: 'breath-square' }, dot),
    h('div', { class: 'breath-words' }, ...PHASES.map((p, i) => h('span', { class: `breath-phase p${i}` }, p))));
  const toggle = h('button', {
    type: 'button',
    class: 'primary big',
    id: 'breath-start',
    'aria-pressed': 'false',
    onclick: () => {
      const on = !guide.classList.contains('running');
      guide.classList.toggle('running', on);
      if (!on) pulse(0);
      toggle.setAttribute('aria-pressed', String(on));
      toggle.textContent = on ? 'Stop' : 'Start breathing';
    },
  }, 'Start breathing');
  return h('section', { class: 'stack', 'aria-labelledby': 'breath-h' },
    h('h2', { id: 'breath-h' }, 'Box breathing'),
    h('p', {}, 'In through your nose for 4, hold for 4, out through your mouth for 4, hold for 4. Follow the dot around the square for a few minutes. On a phone that can, you feel each breath begin, so you can close your eyes.'),
    guide,
    toggle,
    h('p', { class: 'hint' }, SOURCES.breathing));
}

/** Steps shown one at a time, with a big "Next": easy with one thumb. */
function stepper(id: string, title: string, steps: string[], source: string): HTMLElement {
  let at = 0;
  const line = h('p', { class: 'calm-step', id: `${id}-step`, 'aria-live': 'polite' }, steps[0]);
  const count = h('p', { class: 'hint', id: `${id}-count` }, `1 of ${steps.length}`);
  const next = h('button', {
    type: 'button',
    class: 'secondary big',
    id: `${id}-next`,
    onclick: () => {
      at = (at + 1) % steps.length;
      line.textContent = steps[at];
      count.textContent = `${at + 1} of ${steps.length}`;
      next.textContent = at === steps.length - 1 ? 'Start again' : 'Next';
    },
  }, 'Next');
  return h('section', { class: 'stack', 'aria-labelledby': `${id}-h` },
    h('h2', { id: `${id}-h` }, title), line, count, next, h('p', { class: 'hint' }, source));
}

/** The next ten minutes. */
export function calm(links: { back: () => void }): Screen {
  return {
    mount(root) {
      mount(root,
        h('h1', {}, 'The next ten minutes'),
        h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
        h('p', {}, 'Something to do right now, on your own. Nothing here is recorded.'),
        breathing(),
        stepper('ground', '5-4-3-2-1 grounding', GROUNDING, SOURCES.grounding),
        stepper('relax', 'Loosen up', RELAXATION, SOURCES.relaxation),
        h('button', { type: 'button', class: 'danger', onclick: () => document.getElementById('crisis-button')?.click() }, 'Call or text 988 now'));
    },
  };
}
