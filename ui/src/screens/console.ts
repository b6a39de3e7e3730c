// The coordinator's console: run the peer program from the app. The team's key stays in
// this vault; the relay sees only what it always has. One page with a panel per task,
// desktop first and usable on a phone.
import { api } from '../api';
import type { ConsoleTeam } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { directoryPanel } from './console-directory';
import { figuresPanel } from './console-figures';
import { invitesPanel } from './console-invites';
import { rosterPanel } from './console-roster';

type Tab = 'team' | 'roster' | 'invites' | 'directory' | 'figures';

const TABS: { key: Tab; label: string }[] = [
  { key: 'team', label: 'Team' },
  { key: 'roster', label: 'Roster' },
  { key: 'invites', label: 'Invites' },
  { key: 'directory', label: 'Directory' },
  { key: 'figures', label: 'Figures' },
];

/** A panel of the console: its element and what to stop when it goes. */
export interface Panel {
  el: HTMLElement;
  stop?: () => void;
}

export function consoleScreen(back: () => void): Screen {
  let gone = false;
  let panel: Panel | undefined;
  return {
    async mount(root) {
      const body = h('div', { class: 'console-panel', id: 'console-body' });
      const tabs = h('nav', { class: 'console-tabs', 'aria-label': 'Console sections' });
      let team: ConsoleTeam | null = null;
      const show = (tab: Tab, now: ConsoleTeam | null) => {
        team = now;
        panel?.stop?.();
        for (const b of tabs.querySelectorAll('button')) {
          if (b.dataset.tab === tab) b.setAttribute('aria-current', 'page');
          else b.removeAttribute('aria-current');
        }
        tabs.hidden = team === null;
        panel = team === null || tab === 'team'
          ? teamPanel(team, (t) => show(t ? 'roster' : 'team', t))
          : tab === 'roster' ? rosterPanel()
            : tab === 'invites' ? invitesPanel()
              : tab === 'directory' ? directoryPanel()
                : figuresPanel();
        body.replaceChildren(panel.el);
        // A screen reader hears where it landed; keyboard focus is not left on a button
        // that went away.
        const heading = panel.el.querySelector<HTMLElement>('h2');
        if (heading && root.isConnected) {
          heading.tabIndex = -1;
          heading.focus();
        }
      };
      let problem: string | null = null;
      try {
        team = await api.consoleTeam();
      } catch (e) {
        problem = describe(toErrorBody(e));
      }
      if (gone) return;
      tabs.append(...TABS.map((t) => h('button', {
        type: 'button', class: 'secondary', id: `console-tab-${t.key}`, 'data-tab': t.key,
        onclick: () => show(t.key, team),
      }, t.label)));
      if (problem === null) {
        show('team', team);
      } else {
        // Not "set up a team" when the vault could not say whether there is one.
        tabs.hidden = true;
        body.replaceChildren(h('p', { role: 'alert' }, problem));
      }
      mount(root,
        h('h1', {}, 'Coordinator\u2019s console'),
        h('button', { type: 'button', class: 'secondary back', onclick: back }, '\u2190 Back'),
        tabs, body);
    },
    dispose() {
      gone = true;
      panel?.stop?.();
    },
  };
}

/** Reads a picked file as text into `into` (keys, CSV, JSON: all text). */
export function fileInput(id: string, label: string, accept: string, into: (text: string, name: string) => void): HTMLElement {
  const input = h('input', { id, type: 'file', accept });
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (file) into(await file.text(), file.name);
  });
  return h('div', { class: 'stack' }, h('label', { for: id }, label), input);
}

function teamPanel(team: ConsoleTeam | null, changed: (t: ConsoleTeam | null) => void): Panel {
  if (team === null) return { el: setUp(changed) };
  const msg = messageArea();
  const facts = h('dl', { id: 'console-status' });
  const fact = (k: string, v: string) => [h('dt', {}, k), h('dd', {}, v)];
  facts.append(...fact('Relay', team.relay_url), ...fact('Team id', team.team_id));
  void api.consoleStatus().then((s) => {
    facts.append(
      ...fact('Devices joined', String(s.devices)),
      ...fact('Requests open now', String(s.open_requests)),
      ...fact('Invites still usable', String(s.active_invites)),
      ...fact('Roster version', s.roster_version === null ? 'not published yet' : String(s.roster_version)),
      ...fact('Directory version', s.directory_version === null ? 'not published yet' : String(s.directory_version)),
    );
  }).catch((e) => {
    msg.textContent = describe(toErrorBody(e));
  });

  const pass = h('input', { id: 'console-export-pass', type: 'password', autocomplete: 'new-password', minlength: 10 });
  const exportMsg = messageArea();
  const exportForm = h('form', {
    class: 'stack',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      exportMsg.textContent = 'Sealing the key…';
      try {
        const saved = await api.consoleExportKey(pass.value);
        pass.value = '';
        exportMsg.textContent = saved
          ? 'Saved. Give the file and, separately, its passphrase to the second coordinator.'
          : 'Nothing was saved.';
      } catch (e) {
        exportMsg.textContent = describe(toErrorBody(e));
      }
    },
  },
  h('label', { for: pass.id }, 'Passphrase for the file (at least 10 characters)'), pass,
  h('button', { type: 'submit', class: 'secondary' }, 'Export the team key'), exportMsg);

  const forgetMsg = messageArea();
  const confirmForget = h('div', { class: 'confirm', hidden: true },
    h('p', {}, 'The team goes on, on the relay and with anyone else holding its key. Without the key, this device can no longer publish or issue invites. Export the key first if it is still needed.'),
    h('button', {
      type: 'button', class: 'danger', id: 'console-forget-yes',
      onclick: async () => {
        try {
          await api.consoleForget();
          changed(null);
        } catch (e) {
          forgetMsg.textContent = describe(toErrorBody(e));
        }
      },
    }, 'Remove the team from this device'));
  return {
    el: h('section', { class: 'console-panel', 'aria-labelledby': 'console-team-h' },
      h('h2', { id: 'console-team-h' }, 'Your team'), facts, msg,
      h('section', { class: 'console-card', 'aria-labelledby': 'console-export-h' },
        h('h3', { id: 'console-export-h' }, 'A second coordinator'),
        h('p', { class: 'hint' }, 'The team key never leaves this vault except sealed to a passphrase you choose. Anyone with the file and its passphrase can run the team.'),
        exportForm),
      h('section', { class: 'console-card', 'aria-labelledby': 'console-forget-h' },
        h('h3', { id: 'console-forget-h' }, 'Stop coordinating on this device'),
        h('button', { type: 'button', class: 'secondary', id: 'console-forget', onclick: () => { confirmForget.hidden = false; } }, 'Remove the team\u2026'),
        confirmForget, forgetMsg)),
  };
}

function setUp(done: (t: ConsoleTeam) => void): HTMLElement {
  const relay = h('input', { id: 'console-relay', type: 'url', placeholder: 'https://relay.example.org', autocomplete: 'url', required: true });
  const token = h('input', { id: 'console-admin-token', type: 'password', autocomplete: 'off', required: true });
  const minutes = h('input', { id: 'console-escalation', type: 'number', min: 1, max: 1440, value: 3, inputmode: 'numeric' });
  const createMsg = messageArea();
  const createButton = h('button', { type: 'submit', class: 'primary', id: 'console-create' }, 'Create the team');
  const create = h('form', {
    class: 'stack',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      if (createButton.disabled) return;
      createButton.disabled = true;
      createMsg.textContent = 'Creating the team…';
      try {
        const t = await api.consoleCreateTeam({
          relay_url: relay.value,
          admin_token: token.value,
          escalation_secs: Math.round(Number(minutes.value) * 60) || null,
          tokens_per_day: null,
        });
        token.value = '';
        done(t);
      } catch (e) {
        createMsg.textContent = describe(toErrorBody(e));
      } finally {
        createButton.disabled = false;
      }
    },
  },
  h('label', { for: relay.id }, 'Relay address'), relay,
  h('label', { for: token.id }, 'Admin token (from the relay\u2019s operator)'), token,
  h('label', { for: minutes.id }, 'Minutes an urgent request waits before it goes to every peer'), minutes,
  createButton, createMsg);

  const keyText = h('textarea', { id: 'console-key-text', rows: 4, class: 'keys', autocomplete: 'off', spellcheck: 'false' });
  const keyPass = h('input', { id: 'console-key-pass', type: 'password', autocomplete: 'off' });
  const importMsg = messageArea();
  const importForm = h('form', {
    class: 'stack',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      try {
        const t = await api.consoleImportKey(keyText.value, keyPass.value === '' ? null : keyPass.value);
        keyText.value = '';
        keyPass.value = '';
        done(t);
      } catch (e) {
        importMsg.textContent = describe(toErrorBody(e));
      }
    },
  },
  fileInput('console-key-file', 'Open a team key file', '.key,.age,.json,.txt', (text) => { keyText.value = text; }),
  h('label', { for: keyText.id }, 'Or paste it'), keyText,
  h('label', { for: keyPass.id }, 'Its passphrase (for a key exported from a console)'), keyPass,
  h('button', { type: 'submit', class: 'secondary', id: 'console-import' }, 'Import the team key'), importMsg);

  return h('section', { class: 'console-panel', 'aria-labelledby': 'console-setup-h' },
    h('h2', { id: 'console-setup-h' }, 'Set up your team'),
    h('p', {}, 'Coordinators run the peer program from here: the roster of peer supporters, invites, the directory of help, and figures that count requests without watching anyone.'),
    h('section', { class: 'console-card', 'aria-labelledby': 'console-new-h' },
      h('h3', { id: 'console-new-h' }, 'A new team'), create),
    h('section', { class: 'console-card', 'aria-labelledby': 'console-import-h' },
      h('h3', { id: 'console-import-h' }, 'A team that exists'),
      h('p', { class: 'hint' }, 'The key file from \u201cpeerline-relay team create\u201d, or one another coordinator exported.'),
      importForm));
}
