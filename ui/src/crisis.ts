// The crisis sheet: reachable from every screen, locked or not, because it shows nothing
// private. It lists the built-in crisis lines (checked national resources, shipped with the
// app, no vault needed) with their one-tap actions, and 911. Until the list arrives, and
// if it ever cannot, 988 and 911 are drawn from here so the sheet is never empty.
import { api } from './api';
import type { Hit } from './bindings';
import { h } from './dom';
import { helpCard, openAction } from './help-card';

const EMERGENCY: Hit = {
  id: 'emergency-911',
  origin: 'builtin',
  entry: {
    name: 'Emergency: 911',
    kind: 'crisis_line',
    specialties: [],
    first_responder_competent: false,
    telehealth: false,
    languages: [],
    cost: null,
    always_open: true,
    hours: null,
    region: 'US',
    phone: '911',
    sms: null,
    sms_body: null,
    web: null,
    notes: 'If you or someone else is in immediate danger.',
  },
  actions: [{ kind: 'call', label: 'Call 911', uri: 'tel:911', disabled_reason: null }],
  source_url: null,
  checked_on: null,
};

const FALLBACK_988: Hit = {
  ...EMERGENCY,
  id: 'fallback-988',
  entry: { ...EMERGENCY.entry, name: '988 Suicide & Crisis Lifeline', notes: 'Call or text 988, 24/7.' },
  actions: [
    { kind: 'call', label: 'Call 988', uri: 'tel:988', disabled_reason: null },
    { kind: 'text', label: 'Text 988', uri: 'sms:988', disabled_reason: null },
  ],
};

export interface CrisisLinks {
  /** Whether the full directory can be shown now (the vault is open). */
  canBrowse: () => boolean;
  browse: () => void;
  /** The officer's safety plan (while locked, the copy the officer chose to keep, if any). */
  plan: () => void;
  /** Breathing, grounding, relaxing (needs no vault: there while locked too). */
  calm: () => void;
}

export function setUpCrisisButton(links: CrisisLinks): void {
  const button = document.getElementById('crisis-button');
  const dialog = document.getElementById('crisis-dialog') as HTMLDialogElement | null;
  if (!button || !dialog) return;
  const status = h('p', { class: 'message', role: 'status' });
  const list = h('ul', { class: 'help-list crisis-list' });
  const draw = (lines: Hit[]) => list.replaceChildren(...[...lines, EMERGENCY].map((hit) => helpCard(hit, status, 'crisis')));
  draw([FALLBACK_988]);
  void api
    .directoryBuiltin()
    .then((all) => {
      const lines = all.filter((hit) => hit.entry.kind === 'crisis_line');
      if (lines.length > 0) draw(lines);
    })
    .catch(() => undefined);

  const browse = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      id: 'crisis-browse',
      onclick: () => {
        dialog.close();
        links.browse();
      },
    },
    'More professional help',
  );
  const plan = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      id: 'crisis-plan',
      onclick: () => {
        dialog.close();
        links.plan();
      },
    },
    'My safety plan',
  );
  const calm = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      id: 'crisis-calm',
      onclick: () => {
        dialog.close();
        links.calm();
      },
    },
    'Breathe, ground, relax',
  );
  const first988 = h(
    'button',
    { type: 'button', class: 'primary big crisis-call', onclick: () => void openAction(FALLBACK_988.actions[0], status) },
    'Call 988 now',
  );
  dialog.replaceChildren(
    h('h2', { id: 'crisis-title' }, 'Help right now'),
    h('p', {}, 'You do not have to carry this alone. These lines are confidential; calling one is not reported to your agency.'),
    first988,
    status,
    list,
    calm,
    plan,
    browse,
    h('button', { type: 'button', class: 'secondary', id: 'crisis-close', onclick: () => dialog.close() }, 'Close'),
  );
  button.addEventListener('click', () => {
    // The directory needs the vault open; the lines, the plan page (it says what it can
    // show while locked) and the next ten minutes never do.
    browse.hidden = !links.canBrowse();
    status.textContent = '';
    dialog.showModal();
  });
}
