// Choosing who may read a request: the choices the roster offers, the form that sets them,
// and the "nobody on duty matches" panel. What is chosen stays on the phone (the core
// matches it and encrypts only to the peers who fit); these words say so.

import type { Gender, NoMatch, PeerCard, Preferences } from './bindings';
import { h } from './dom';

const GENDER_LABELS: Record<Gender, string> = {
  woman: 'A woman',
  man: 'A man',
  nonbinary: 'A non-binary peer',
};

/** The distinct values the roster has for a field, in roster order, case-insensitively. */
function distinct(values: (string | null)[]): string[] {
  const seen = new Map<string, string>();
  for (const v of values) {
    const t = v?.trim();
    if (t && !seen.has(t.toLowerCase())) seen.set(t.toLowerCase(), t);
  }
  return [...seen.values()];
}

/** What the roster lets an officer choose between. Empty lists hide their control. */
export interface Options {
  units: string[];
  genders: Gender[];
  languages: string[];
  experience: string[];
  peers: PeerCard[];
}

export function optionsFrom(peers: PeerCard[]): Options {
  const genders = (Object.keys(GENDER_LABELS) as Gender[]).filter((g) => peers.some((p) => p.gender === g));
  return {
    units: distinct(peers.map((p) => p.unit)),
    genders,
    languages: distinct(peers.flatMap((p) => p.languages)),
    experience: distinct(peers.flatMap((p) => p.specialties)),
    peers,
  };
}

export function emptyPreferences(): Preferences {
  return { not_units: [], gender: null, language: null, experience: null, peer: null, escalate_to_all: false };
}

/** How many things the officer has chosen: shown on the summary so a choice is never hidden. */
export function choiceCount(p: Preferences): number {
  return p.not_units.length + [p.gender, p.language, p.experience, p.peer].filter((v) => v !== null).length;
}

/** A peer as one line: name, and the unit if the roster gives one. */
export function peerLine(p: PeerCard): string {
  return p.unit ? `${p.display_name} \u2014 ${p.unit}` : p.display_name;
}

function select(id: string, label: string, any: string, options: { value: string; label: string }[], value: string | null, set: (v: string | null) => void): HTMLElement[] {
  const el = h('select', { id, onchange: (ev: Event) => { const v = (ev.target as HTMLSelectElement).value; set(v === '' ? null : v); } },
    h('option', { value: '' }, any),
    ...options.map((o) => h('option', { value: o.value, selected: o.value === value }, o.label)));
  return [h('label', { for: id }, label), el];
}

/**
 * The choosing form. It edits `prefs` in place and calls `changed` after every edit, so the
 * screen knows the officer made a choice this time.
 */
export function preferencesForm(o: Options, prefs: Preferences, changed: () => void): HTMLElement {
  const parts: HTMLElement[] = [
    h('p', { class: 'hint' }, 'Optional. This stays on your phone: only the peers who fit can read your request, and the relay cannot tell what you chose.'),
  ];
  if (o.units.length > 0) {
    parts.push(h('fieldset', { class: 'chips-set', id: 'choose-units' },
      h('legend', {}, 'Not from these units'),
      h('div', { class: 'chips' }, ...o.units.map((unit, i) => h('span', { class: 'chip' },
        h('input', {
          type: 'checkbox',
          id: `not-unit-${i}`,
          checked: prefs.not_units.includes(unit),
          onchange: (ev: Event) => {
            const on = (ev.target as HTMLInputElement).checked;
            prefs.not_units = on ? [...prefs.not_units, unit] : prefs.not_units.filter((u) => u !== unit);
            changed();
          },
        }),
        h('label', { for: `not-unit-${i}` }, unit))))));
  }
  if (o.genders.length > 0) {
    parts.push(...select('choose-gender', 'Rather talk to', 'No preference', o.genders.map((g) => ({ value: g, label: GENDER_LABELS[g] })), prefs.gender, (v) => {
      prefs.gender = o.genders.find((g) => g === v) ?? null;
      changed();
    }));
  }
  if (o.languages.length > 1) {
    parts.push(...select('choose-language', 'Language', 'Any language', o.languages.map((l) => ({ value: l, label: l })), prefs.language, (v) => { prefs.language = v; changed(); }));
  }
  if (o.experience.length > 0) {
    parts.push(...select('choose-experience', 'Someone who knows', 'Any experience', o.experience.map((e) => ({ value: e, label: e })), prefs.experience, (v) => { prefs.experience = v; changed(); }));
  }
  parts.push(...select('choose-peer', 'One peer in particular', 'Any peer who fits', o.peers.map((p) => ({ value: p.key_id, label: peerLine(p) })), prefs.peer, (v) => { prefs.peer = v; changed(); }));
  if (o.units.length > 0) {
    parts.push(h('span', { class: 'chip' },
      h('input', {
        type: 'checkbox',
        id: 'choose-escalate-all',
        checked: prefs.escalate_to_all,
        onchange: (ev: Event) => { prefs.escalate_to_all = (ev.target as HTMLInputElement).checked; changed(); },
      }),
      h('label', { for: 'choose-escalate-all' }, 'If nobody answers in time, it may reach the units I left out too')));
  }
  return h('div', { class: 'stack' }, ...parts);
}

/** What one tap on a way out of "no match" asks for. */
export type WayOut = { kind: 'any_on_duty' } | { kind: 'peer'; key_id: string } | { kind: 'change' };

/** Nobody on duty matches: say so at once, and offer what there is. */
export function noMatchPanel(n: NoMatch, choose: (w: WayOut) => void, crisis: HTMLElement): HTMLElement {
  const parts: HTMLElement[] = [
    h('h2', { id: 'no-match-title', tabindex: -1 }, 'No peer on duty fits what you chose'),
    h('p', {}, 'Nothing has been sent. You can:'),
  ];
  if (n.others_on_duty > 0) {
    const count = n.others_on_duty === 1 ? 'the 1 peer' : `the ${n.others_on_duty} peers`;
    parts.push(h('button', { type: 'button', class: 'primary', id: 'no-match-any', onclick: () => choose({ kind: 'any_on_duty' }) },
      `Send to ${count} on duty outside the units you left out`));
  }
  if (n.off_duty.length > 0) {
    parts.push(h('p', { class: 'hint' }, 'Or send it to one peer who is off duty. They get it when they come on; nobody else can read it.'));
    parts.push(h('ul', { class: 'stack plain', 'aria-label': 'Peers off duty' },
      ...n.off_duty.map((p) => h('li', {},
        h('button', { type: 'button', class: 'secondary', 'data-peer': p.key_id, onclick: () => choose({ kind: 'peer', key_id: p.key_id }) },
          `Send to ${peerLine(p)}`)))));
  }
  parts.push(h('button', { type: 'button', class: 'secondary', id: 'no-match-change', onclick: () => choose({ kind: 'change' }) }, 'Change what I chose'));
  parts.push(crisis);
  return h('section', { class: 'stack notice', id: 'no-match', 'aria-labelledby': 'no-match-title' }, ...parts);
}
