// The directory editor: import a spreadsheet (CSV) or the directory's JSON, edit entries,
// see what a phone would refuse beside its field, sign and publish.
import { api } from '../api';
import type { DirectoryDraft, DirectoryEntry, EntryKind } from '../bindings';
import { fieldLabel, orNull, problemsFor, splitList } from '../console-view';
import { h, messageArea } from '../dom';
import { describe, toErrorBody } from '../errors';
import { fileInput, type Panel } from './console';

const KINDS: [EntryKind, string][] = [
  ['crisis_line', 'Crisis line'], ['counselor', 'Counselor'], ['eap', 'EAP'],
  ['chaplain', 'Chaplain'], ['program', 'Program'], ['peer_team', 'Peer team'],
];

interface EntryEditor {
  el: HTMLElement;
  read: () => DirectoryEntry;
}

function entryEditor(e: DirectoryEntry, i: number, problems: Map<string, string>, remove: () => void): EntryEditor {
  const id = (f: string) => `entry-${i}-${f}`;
  const field = (f: string, label: string, input: HTMLElement) => {
    const problem = problems.get(f);
    if (problem) {
      input.setAttribute('aria-invalid', 'true');
      input.setAttribute('aria-describedby', `${id(f)}-problem`);
    }
    return h('div', { class: 'stack' }, h('label', { for: id(f) }, label), input,
      problem ? h('p', { class: 'field-problem', id: `${id(f)}-problem` }, problem) : null);
  };
  const text = (f: keyof DirectoryEntry, value: string | null) =>
    h('input', { id: id(f), type: 'text', value: value ?? '', autocomplete: 'off' });
  const name = text('name', e.name);
  const kind = h('select', { id: id('kind') }, ...KINDS.map(([k, l]) => h('option', { value: k, selected: k === e.kind }, l)));
  const phone = text('phone', e.phone);
  const sms = text('sms', e.sms);
  const web = text('web', e.web);
  const hours = text('hours', e.hours);
  const region = text('region', e.region);
  const specialties = text('specialties', e.specialties.join(', '));
  const notes = h('textarea', { id: id('notes'), rows: 2 });
  notes.value = e.notes ?? '';
  const fr = h('input', { id: id('fr'), type: 'checkbox', checked: e.first_responder_competent });
  const open = h('input', { id: id('open'), type: 'checkbox', checked: e.always_open });
  const shown = ['name', 'kind', 'phone', 'sms', 'web', 'hours', 'region', 'specialties', 'notes'];
  const other = [...problems.entries()].filter(([f]) => !shown.includes(f));
  return {
    el: h('details', { class: 'console-card', open: problems.size > 0 },
      h('summary', {}, `${e.name || '(no name yet)'}${problems.size ? ' \u2014 needs a fix' : ''}`),
      h('div', { class: 'stack' },
        ...other.map(([f, m]) => h('p', { class: 'field-problem' }, `${fieldLabel(f)}: ${m}`)),
        field('name', 'Name', name), field('kind', 'Kind', kind),
        field('phone', 'Phone', phone), field('sms', 'Text number', sms), field('web', 'Web page (https)', web),
        field('hours', 'Hours, in words', hours), field('region', 'Region', region),
        field('specialties', 'Specialties (commas between)', specialties), field('notes', 'Notes', notes),
        h('div', { class: 'row' }, fr, h('label', { for: fr.id }, 'Experienced with first responders')),
        h('div', { class: 'row' }, open, h('label', { for: open.id }, 'Open around the clock')),
        h('button', { type: 'button', class: 'danger-outline', onclick: remove }, `Remove ${e.name || 'this entry'}`))),
    read: () => ({
      ...e,
      name: name.value.trim(),
      kind: kind.value as EntryKind,
      phone: orNull(phone.value),
      sms: orNull(sms.value),
      web: orNull(web.value),
      hours: orNull(hours.value),
      region: orNull(region.value),
      specialties: splitList(specialties.value),
      notes: orNull(notes.value),
      first_responder_competent: fr.checked,
      always_open: open.checked,
    }),
  };
}

export function directoryPanel(): Panel {
  const msg = messageArea();
  msg.id = 'directory-message';
  const list = h('div', { class: 'stack', id: 'directory-entries' });
  let editors: EntryEditor[] = [];
  const current = () => ({ entries: editors.map((e) => e.read()) });
  const draw = (d: DirectoryDraft) => {
    editors = d.directory.entries.map((e, i) => entryEditor(e, i, problemsFor(d.problems, i), async () => {
      await save({ entries: editors.map((x) => x.read()).filter((_, j) => j !== i) });
      list.querySelector<HTMLElement>('#directory-state')?.focus();
    }));
    list.replaceChildren(
      h('p', { id: 'directory-state', tabindex: -1 },
        `${d.directory.entries.length} entries. `,
        d.published_version === null ? 'Not published yet.' : `Version ${d.published_version} is published.`,
        d.unpublished_changes ? ' This draft has changes that are not published.' : '',
        d.problems.length ? h('span', { class: 'problem-count' }, ` ${d.problems.length} to fix before publishing.`) : ''),
      ...editors.map((e) => e.el));
  };
  const save = async (next: { entries: DirectoryEntry[] }) => {
    try {
      draw(await api.consoleSaveDirectory(next));
      msg.textContent = 'Draft saved.';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  const imported = fileInput('console-dir-file', 'Import a spreadsheet (CSV) or a directory file (JSON)', '.csv,.json,text/csv,application/json', async (text, name) => {
    try {
      draw(await api.consoleImportDirectory(text, name.toLowerCase().endsWith('.json') ? 'json' : 'csv'));
      msg.textContent = `Imported ${name}. Check the entries marked to fix, then publish.`;
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  });
  void api.consoleDirectory().then(draw, (e) => {
    msg.textContent = describe(toErrorBody(e));
  });
  return {
    el: h('section', { class: 'console-panel', 'aria-labelledby': 'directory-h' },
      h('h2', { id: 'directory-h' }, 'Directory of help'),
      h('section', { class: 'console-card' }, imported,
        h('p', { class: 'hint' }, 'A CSV needs a header row naming the columns: name, kind (crisis_line, counselor, eap, chaplain, program, peer_team), phone, sms, web, hours, region, specialties, languages (separate several with ;), first_responder_competent, telehealth, always_open (yes or no), cost, notes.')),
      list,
      h('div', { class: 'row' },
        h('button', { type: 'button', class: 'secondary', onclick: () => save({ entries: [...current().entries, { name: '', kind: 'counselor', specialties: [], first_responder_competent: false, telehealth: false, languages: [], cost: null, always_open: false, hours: null, region: null, phone: null, sms: null, sms_body: null, web: null, notes: null }] }) }, 'Add an entry'),
        h('button', { type: 'button', class: 'secondary', id: 'console-save-directory', onclick: () => save(current()) }, 'Save the draft'),
        h('button', {
          type: 'button', class: 'primary', id: 'console-publish-directory',
          onclick: async () => {
            msg.textContent = 'Publishing…';
            try {
              await api.consoleSaveDirectory(current());
              const p = await api.consolePublish('directory');
              draw(await api.consoleDirectory());
              msg.textContent = `Published as version ${p.version}.`;
            } catch (e) {
              await api.consoleDirectory().then(draw, () => undefined);
              msg.textContent = describe(toErrorBody(e));
            }
          },
        }, 'Sign and publish')),
      msg),
  };
}
