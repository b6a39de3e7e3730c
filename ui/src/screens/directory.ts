// Find professional help: search as you type, filters, and one-tap call / text / web.
// Everything here works offline; the agency's own list is refreshed from the relay when
// the screen opens and on request, and the copy on the phone is used when that fails.
import { api } from '../api';
import type { AgencyInfo, Kind } from '../bindings';
import { h, messageArea, mount } from '../dom';
import {
  COSTS,
  KINDS,
  LANGUAGES,
  SPECIALTIES,
  agencyWords,
  emptyFilters,
  filterCount,
  resultCount,
  toQuery,
} from '../directory-view';
import { describe, toErrorBody } from '../errors';
import { helpCard } from '../help-card';
import { drawnScreen, type Screen } from '../screen';

interface Links {
  back: () => void;
}

/** Long enough to skip the keystrokes of a word being typed, short enough to feel live. */
const TYPING_PAUSE_MS = 150;

function select(id: string, label: string, any: string, options: { value: string; label: string }[], onchange: (v: string) => void): HTMLElement[] {
  const el = h(
    'select',
    { id, onchange: (ev: Event) => onchange((ev.target as HTMLSelectElement).value) },
    h('option', { value: '' }, any),
    ...options.map((o) => h('option', { value: o.value }, o.label)),
  );
  return [h('label', { for: id }, label), el];
}

function toggle(id: string, label: string, onchange: (on: boolean) => void): HTMLElement {
  return h(
    'span',
    { class: 'chip' },
    h('input', { type: 'checkbox', id, onchange: (ev: Event) => onchange((ev.target as HTMLInputElement).checked) }),
    h('label', { for: id }, label),
  );
}

export function directory(links: Links): Screen {
  return drawnScreen((root) => draw(root, links));
}

/** Returns what to call when leaving the screen: a search waiting for typing to pause. */
function draw(root: HTMLElement, links: Links): () => void {
  const f = emptyFilters();
  const list = h('ul', { class: 'help-list', id: 'directory-results', 'aria-label': 'Places to get help' });
  const count = h('p', { class: 'hint', id: 'directory-count', role: 'status', 'aria-live': 'polite' });
  const status = messageArea();
  const agency = h('p', { class: 'hint', id: 'directory-agency' });
  const refused = h('p', { class: 'notice', id: 'directory-refused', hidden: true });
  const filtersLabel = h('span', {}, 'More filters');
  let joined = false;
  let timer: number | undefined;
  let asked = 0;

  const run = async (): Promise<void> => {
    const mine = ++asked;
    try {
      const hits = await api.directorySearch(toQuery(f));
      // An older, slower answer must not replace a newer one.
      if (mine !== asked) return;
      list.replaceChildren(...hits.map((hit) => helpCard(hit, status, 'dir')));
      count.textContent = resultCount(hits.length, f.text.trim() !== '' || filterCount(f) > 0);
    } catch (e) {
      if (mine === asked) count.textContent = describe(toErrorBody(e));
    }
    filtersLabel.textContent = filterCount(f) > 0 ? `More filters (${filterCount(f)})` : 'More filters';
  };
  const soon = () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(() => void run(), TYPING_PAUSE_MS);
  };

  const showAgency = (info: AgencyInfo | null) => {
    agency.textContent = agencyWords(info, joined);
    const r = info?.refused;
    refused.hidden = !r;
    refused.textContent = r
      ? `An update to your agency's list (version ${r.version}) was not installed: ${r.reason}`
      : '';
  };
  const update = async (quiet: boolean): Promise<void> => {
    if (!joined) return;
    if (!quiet) status.textContent = 'Checking for an update…';
    try {
      showAgency(await api.directorySync());
      if (!quiet) status.textContent = 'Your agency’s list is up to date.';
      await run();
    } catch (e) {
      // Opening the screen offline is normal: the list on the phone is still there.
      if (!quiet) status.textContent = `${describe(toErrorBody(e))} The list on this phone still works.`;
    }
  };
  const updateButton = h(
    'button',
    { type: 'button', class: 'secondary', id: 'directory-update', hidden: true, onclick: () => void update(false) },
    'Check for updates',
  );

  const search = h('input', {
    type: 'search',
    id: 'directory-search',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'counselor, PTSD, chaplain…',
    'aria-describedby': 'directory-count',
    oninput: (ev: Event) => {
      f.text = (ev.target as HTMLInputElement).value;
      soon();
    },
  });

  mount(
    root,
    h('h1', {}, 'Find professional help'),
    h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
    h('p', { class: 'hint' }, 'This list is on your phone and works offline. Searching it tells no one. A call or text goes from your own phone, not through Peerline.'),
    h(
      'form',
      { class: 'stack', role: 'search', onsubmit: (ev: Event) => { ev.preventDefault(); void run(); } },
      h('label', { for: 'directory-search' }, 'Search'),
      search,
      h(
        'fieldset',
        { class: 'chips-set' },
        h('legend', { class: 'visually-hidden' }, 'Kind of help'),
        h('div', { class: 'chips' }, ...KINDS.map(({ kind, plural }) =>
          toggle(`kind-${kind}`, plural, (on) => {
            f.kinds = on ? [...f.kinds, kind] : f.kinds.filter((k: Kind) => k !== kind);
            void run();
          }),
        )),
      ),
      h(
        'details',
        { class: 'filters' },
        h('summary', {}, filtersLabel),
        h(
          'div',
          { class: 'stack' },
          h('div', { class: 'chips' },
            toggle('filter-first-responder', 'Knows first responders', (on) => { f.firstResponder = on; void run(); }),
            toggle('filter-telehealth', 'Telehealth', (on) => { f.telehealth = on; void run(); }),
            toggle('filter-always-open', 'Open 24/7', (on) => { f.alwaysOpen = on; void run(); }),
          ),
          ...select('filter-specialty', 'Focus', 'Any focus', SPECIALTIES.map((s) => ({ value: s, label: s })), (v) => { f.specialty = v; void run(); }),
          ...select('filter-cost', 'Cost', 'Any cost', COSTS, (v) => { f.cost = v; void run(); }),
          ...select('filter-language', 'Language', 'Any language', LANGUAGES, (v) => { f.language = v; void run(); }),
        ),
      ),
    ),
    count,
    status,
    list,
    h('section', { class: 'stack', 'aria-label': "Your agency's list" }, agency, refused, updateButton),
  );

  void (async () => {
    await run();
    try {
      joined = (await api.teamInfo()) !== null;
      showAgency(await api.directoryInfo());
      updateButton.hidden = !joined;
      void update(true);
    } catch (e) {
      agency.textContent = describe(toErrorBody(e));
    }
  })();
  return () => window.clearTimeout(timer);
}
