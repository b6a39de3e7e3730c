// The roster editor: peers added from the keys their app shows (pasted, or read from the QR
// code's picture), the fields officers choose by, a weekly schedule, problems beside their
// fields, the hours nobody covers, what officers will see, and the versions published.
import { api } from '../api';
import type { Gender, PublishedVersion, RankGroup, Roster, RosterDraft, RosterPeer, ServiceYears } from '../bindings';
import { DAYS, fieldLabel, heat, orNull, problemsFor, splitLines, splitList, weekGrid } from '../console-view';
import { h, messageArea } from '../dom';
import { readQr } from '../qr';
import { describe, toErrorBody } from '../errors';
import type { Panel } from './console';

const GENDERS: [Gender | '', string][] = [['', 'Not given'], ['woman', 'Woman'], ['man', 'Man'], ['nonbinary', 'Non-binary']];
const RANKS: [RankGroup | '', string][] = [['', 'Not given'], ['sworn', 'Sworn'], ['civilian', 'Civilian'], ['retired', 'Retired']];
const YEARS: [ServiceYears | '', string][] = [['', 'Not given'], ['under_5', 'Under 5 years'], ['5_to_14', '5 to 14 years'], ['15_to_24', '15 to 24 years'], ['25_plus', '25 years or more']];

function select<T extends string>(id: string, options: [T | '', string][], value: T | null | undefined): HTMLSelectElement {
  return h('select', { id }, ...options.map(([v, label]) => h('option', { value: v, selected: (value ?? '') === v }, label)));
}

interface PeerEditor {
  el: HTMLElement;
  read: () => RosterPeer;
}

function peerEditor(p: RosterPeer, i: number, problems: Map<string, string>, remove: () => void): PeerEditor {
  const id = (f: string) => `peer-${i}-${f}`;
  const field = (f: string, label: string, input: HTMLElement, hint?: string) => {
    const problem = problems.get(f);
    const described = [hint ? `${id(f)}-hint` : '', problem ? `${id(f)}-problem` : ''].filter(Boolean).join(' ');
    if (described) input.setAttribute('aria-describedby', described);
    if (problem) input.setAttribute('aria-invalid', 'true');
    return h('div', { class: 'stack' },
      h('label', { for: id(f) }, label), input,
      hint ? h('p', { class: 'hint', id: `${id(f)}-hint` }, hint) : null,
      problem ? h('p', { class: 'field-problem', id: `${id(f)}-problem` }, problem) : null);
  };
  const name = h('input', { id: id('display_name'), type: 'text', value: p.display_name, autocomplete: 'off' });
  const unit = h('input', { id: id('unit'), type: 'text', value: p.unit ?? '', autocomplete: 'off' });
  const gender = select(id('gender'), GENDERS, p.gender);
  const rank = select(id('rank_group'), RANKS, p.rank_group);
  const years = select(id('service_years'), YEARS, p.service_years);
  const langs = h('input', { id: id('languages'), type: 'text', value: p.languages.join(', '), autocomplete: 'off' });
  const areas = h('input', { id: id('specialties'), type: 'text', value: p.specialties.join(', '), autocomplete: 'off' });
  const hours = h('input', { id: id('on_duty_hours'), type: 'text', value: p.on_duty_hours ?? '', autocomplete: 'off' });
  const schedule = h('textarea', { id: id('schedule'), rows: 3 });
  schedule.value = (p.schedule ?? []).join('\n');
  const shown = ['display_name', 'unit', 'gender', 'rank_group', 'service_years', 'languages', 'specialties', 'on_duty_hours', 'schedule'];
  const other = [...problems.entries()].filter(([f]) => !shown.includes(f));
  const el = h('details', { class: 'console-card', open: problems.size > 0 || p.display_name === '' },
    h('summary', {}, `${p.display_name || '(no name yet)'}${problems.size ? ' \u2014 needs a fix' : ''}`),
    h('div', { class: 'stack' },
      h('p', { class: 'hint' }, `Key id ${p.key_id}`),
      ...other.map(([f, m]) => h('p', { class: 'field-problem' }, `${fieldLabel(f)}: ${m}`)),
      field('display_name', 'Name officers see', name),
      field('unit', 'Unit or assignment', unit, 'An officer can keep their request away from their own unit.'),
      field('gender', 'Gender', gender),
      field('rank_group', 'Sworn, civilian or retired', rank),
      field('service_years', 'Years of service', years),
      field('languages', 'Languages', langs, 'Separate them with commas.'),
      field('specialties', 'Experience', areas, 'What they know well: critical incident, family, substance use\u2026 Commas between.'),
      field('on_duty_hours', 'Usual hours, in words', hours),
      field('schedule', 'Weekly schedule', schedule, 'One stretch per line in your local time: \u201cmon 18-06\u201d is Monday 18:00 to Tuesday 06:00.'),
      h('button', { type: 'button', class: 'danger-outline', id: id('remove'), onclick: remove }, `Take ${p.display_name || 'this peer'} off the roster`)));
  return {
    el,
    read: () => ({
      ...p,
      display_name: name.value.trim(),
      unit: orNull(unit.value),
      gender: (gender.value || null) as Gender | null,
      rank_group: (rank.value || null) as RankGroup | null,
      service_years: (years.value || null) as ServiceYears | null,
      languages: splitList(langs.value),
      specialties: splitList(areas.value),
      on_duty_hours: orNull(hours.value),
      schedule: splitLines(schedule.value),
    }),
  };
}

/** Hours of the week with the peers scheduled, as a table; the empty hours stand out. */
export function heatTable(id: string, caption: string, hours: number[], format: (n: number) => string): HTMLElement {
  const grid = weekGrid(hours);
  // Scrolls sideways on a phone: focusable, so it scrolls from the keyboard too.
  return h('div', { class: 'table-wide', tabindex: 0, role: 'region', 'aria-label': caption },
    h('table', { class: 'heat', id },
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'),
        ...Array.from({ length: 24 }, (_, hr) => h('th', { scope: 'col' }, String(hr).padStart(2, '0'))))),
      h('tbody', {}, ...grid.map((row, d) => h('tr', {},
        h('th', { scope: 'row' }, DAYS[d]),
        ...row.map((n) => h('td', { class: `heat-${heat(n)}` }, format(n))))))));
}

export function rosterPanel(): Panel {
  const msg = messageArea();
  msg.id = 'roster-message';
  const list = h('div', { class: 'stack', id: 'roster-peers' });
  const side = h('div', { class: 'stack' });
  let editors: PeerEditor[] = [];
  let unpublished = false;

  const draw = (d: RosterDraft) => {
    unpublished = d.unpublished_changes;
    editors = d.roster.peers.map((p, i) => peerEditor(p, i, problemsFor(d.problems, i), async () => {
      const peers = editors.map((e) => e.read()).filter((_, j) => j !== i);
      await save({ peers });
      list.querySelector<HTMLElement>('#roster-state')?.focus();
    }));
    const whole = problemsFor(d.problems, null);
    list.replaceChildren(
      h('p', { id: 'roster-state', tabindex: -1 },
        d.published_version === null ? 'Not published yet.' : `Version ${d.published_version} is published.`,
        d.unpublished_changes ? ' This draft has changes that are not published.' : '',
        d.problems.length ? h('span', { class: 'problem-count' }, ` ${d.problems.length} to fix before publishing.`) : ''),
      ...[...whole.values()].map((m) => h('p', { class: 'field-problem' }, m)),
      ...editors.map((e) => e.el));
    side.replaceChildren(
      h('section', { class: 'console-card', 'aria-labelledby': 'coverage-h' },
        h('h3', { id: 'coverage-h' }, 'Coverage'),
        h('p', { id: 'coverage-summary' }, d.uncovered_hours === 0
          ? 'Every hour of the week has a peer scheduled.'
          : `${d.uncovered_hours} hours of the week have nobody scheduled (shown in red, as 0).`),
        heatTable('coverage-table', 'Peers scheduled, by day and hour (your local time)', d.coverage, (n) => String(n))),
      h('section', { class: 'console-card', 'aria-labelledby': 'preview-h' },
        h('h3', { id: 'preview-h' }, 'What officers will see'),
        h('ul', { class: 'stack', id: 'roster-preview' }, ...d.preview.map((c) => h('li', {},
          h('strong', {}, c.display_name || '(no name)'),
          [c.unit, c.languages.join(', '), c.specialties.join(', '), c.on_duty_hours].filter(Boolean).length
            ? h('span', { class: 'hint' }, ` \u2014 ${[c.unit, c.languages.join(', '), c.specialties.join(', '), c.on_duty_hours].filter(Boolean).join(' \u00b7 ')}`)
            : null)))));
  };
  const save = async (next: Roster) => {
    try {
      draw(await api.consoleSaveRoster(next));
      msg.textContent = 'Draft saved.';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  const current = (): Roster => ({ peers: editors.map((e) => e.read()) });

  const history = h('ul', { class: 'stack', id: 'roster-history' });
  const drawHistory = (versions: PublishedVersion[]) => {
    history.replaceChildren(...versions.map((v, i) => h('li', {},
      `Version ${v.version}, ${new Date(v.published_at_utc).toLocaleString()}, ${v.items} peers `,
      i === 0 ? h('span', { class: 'hint' }, '(latest)') : h('button', {
        type: 'button', class: 'secondary', id: `roster-reopen-${v.version}`,
        onclick: async () => {
          if (unpublished && !window.confirm(`Your draft has changes that are not published. Replace them with version ${v.version}?`)) return;
          try {
            await api.consoleReopen('roster', v.version);
            draw(await api.consoleRoster());
            msg.textContent = `Version ${v.version} is the draft again: check it, then publish it (it goes out as a new version).`;
          } catch (e) {
            msg.textContent = describe(toErrorBody(e));
          }
        },
      }, `Publish version ${v.version} again\u2026`))));
  };

  const keys = h('textarea', { id: 'console-peer-keys', rows: 5, class: 'keys', autocomplete: 'off', spellcheck: 'false' });
  const name = h('input', { id: 'console-peer-name', type: 'text', autocomplete: 'off' });
  const addMsg = messageArea();
  const qr = h('input', { id: 'console-peer-qr', type: 'file', accept: 'image/*' });
  qr.addEventListener('change', async () => {
    const file = qr.files?.[0];
    if (!file) return;
    const text = await readQr(file).catch(() => null);
    if (text) {
      keys.value = text;
      addMsg.textContent = 'Read the keys from the picture.';
    } else {
      addMsg.textContent = 'No QR code could be read from that picture. Try a sharper one, or paste the text.';
    }
  });
  const add = h('form', {
    class: 'stack',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      try {
        // What is typed in the open editors is kept first.
        await api.consoleSaveRoster(current());
        draw(await api.consoleAddPeer(keys.value, name.value));
        keys.value = '';
        name.value = '';
        addMsg.textContent = 'Added to the draft.';
      } catch (e) {
        addMsg.textContent = describe(toErrorBody(e));
      }
    },
  },
  h('p', { class: 'hint' }, 'On the peer\u2019s phone: Peer support \u2192 Show my keys. They hold only public keys.'),
  h('label', { for: keys.id }, 'Paste the keys'), keys,
  h('div', { class: 'stack' }, h('label', { for: qr.id }, 'Or open a picture of the QR code'), qr),
  h('label', { for: name.id }, 'Name officers will see ("Sam R.")'), name,
  h('button', { type: 'submit', class: 'secondary', id: 'console-add-peer' }, 'Add to the roster'), addMsg);

  const el = h('section', { class: 'console-panel', 'aria-labelledby': 'roster-h' },
    h('h2', { id: 'roster-h' }, 'Roster'),
    h('section', { class: 'console-card', 'aria-labelledby': 'add-peer-h' }, h('h3', { id: 'add-peer-h' }, 'Add a peer supporter'), add),
    list,
    h('div', { class: 'row' },
      h('button', { type: 'button', class: 'secondary', id: 'console-save-roster', onclick: () => save(current()) }, 'Save the draft'),
      h('button', {
        type: 'button', class: 'primary', id: 'console-publish-roster',
        onclick: async () => {
          msg.textContent = 'Publishing…';
          try {
            await api.consoleSaveRoster(current());
            const p = await api.consolePublish('roster');
            draw(await api.consoleRoster());
            drawHistory(await api.consoleHistory('roster'));
            msg.textContent = `Published as version ${p.version}. Phones take it the next time they check.`;
          } catch (e) {
            // The problems, beside their fields.
            await api.consoleRoster().then(draw, () => undefined);
            msg.textContent = describe(toErrorBody(e));
          }
        },
      }, 'Sign and publish')),
    msg, side,
    h('section', { class: 'console-card', 'aria-labelledby': 'roster-history-h' },
      h('h3', { id: 'roster-history-h' }, 'Published from this device'), history));
  void Promise.all([api.consoleRoster(), api.consoleHistory('roster')]).then(([d, v]) => {
    draw(d);
    drawHistory(v);
  }).catch((e) => {
    msg.textContent = describe(toErrorBody(e));
  });
  return { el };
}
