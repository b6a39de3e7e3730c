// One place to get help, drawn the same way in the directory and the crisis sheet: its
// name, short facts, and one button per call / text / web action. An action core could not
// make safe is shown disabled with its reason, never hidden, so the officer knows why.
import { api } from './api';
import type { Action, Hit } from './bindings';
import { h } from './dom';
import { badges, provenance, specialtyLabel } from './directory-view';
import { toErrorBody } from './errors';

/** Opens an action's link; if the device cannot, says what to dial or type instead. */
export async function openAction(a: Action, status: HTMLElement): Promise<void> {
  if (!a.uri) return;
  status.textContent = '';
  try {
    await api.directoryOpen(a.uri);
  } catch (e) {
    const shown = a.uri.replace(/^(tel|sms):/, '').replace(/\?body=.*$/, '');
    status.textContent = `${toErrorBody(e).message} (${shown})`;
  }
}

export function actionButtons(hit: Hit, status: HTMLElement, where: string): HTMLElement {
  return actionRow(hit.actions, hit.id, status, where);
}

/** One button per action; `id` makes the ids of disabled actions' reasons unique. */
export function actionRow(actions: Action[], id: string, status: HTMLElement, where: string): HTMLElement {
  return h(
    'div',
    { class: 'actions' },
    ...actions.map((a, i) => {
      const reasonId = `${where}-why-${id}-${i}`;
      const button = h(
        'button',
        {
          type: 'button',
          class: `${a.kind === 'web' ? 'secondary' : 'primary'} action-${a.kind}`,
          disabled: a.uri === null,
          'aria-describedby': a.disabled_reason ? reasonId : null,
          onclick: () => void openAction(a, status),
        },
        a.label,
      );
      return a.disabled_reason
        ? h('div', { class: 'disabled-action' }, button, h('p', { class: 'hint', id: reasonId }, a.disabled_reason))
        : button;
    }),
  );
}

/** `where` keeps ids unique when the same entry is drawn in the sheet and the screen. */
export function helpCard(hit: Hit, status: HTMLElement, where: string): HTMLElement {
  const e = hit.entry;
  return h(
    'li',
    { class: 'help-card', id: `${where}-${hit.id}` },
    h('h2', {}, e.name),
    h('p', { class: 'facts' }, ...badges(hit).map((b) => h('span', { class: 'badge' }, b))),
    e.specialties.length > 0 ? h('p', { class: 'detail' }, `Focus: ${e.specialties.map(specialtyLabel).join(', ')}`) : null,
    e.notes ? h('p', { class: 'notes' }, e.notes) : null,
    e.region ? h('p', { class: 'detail' }, `Serves: ${e.region}`) : null,
    actionButtons(hit, status, where),
    h('p', { class: 'detail source' }, provenance(hit)),
  );
}
