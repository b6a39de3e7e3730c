// Invites: issue one for some devices and days, shown as a QR code and a link to print or
// send; the list with uses left; revoke. The relay keeps only a hash of each code, so a
// link is shown once, when it is made.
import QRCode from 'qrcode';
import { api } from '../api';
import type { InviteRow, InviteState } from '../bindings';
import { h, messageArea } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Panel } from './console';

const STATE: Record<InviteState, string> = { active: 'Active', expired: 'Expired', used_up: 'Used up', revoked: 'Revoked' };

export function invitesPanel(): Panel {
  const msg = messageArea();
  msg.id = 'invites-message';
  const issued = h('div', { class: 'stack', id: 'invite-issued', 'aria-live': 'polite' });
  const table = h('tbody', { id: 'invite-rows' });
  const drawList = (rows: InviteRow[]) => {
    table.replaceChildren(...(rows.length ? rows.map((r) => h('tr', {},
      h('th', { scope: 'row' }, r.invite_id.slice(0, 8)),
      h('td', {}, STATE[r.state]),
      h('td', {}, `${r.uses} of ${r.max_uses}`),
      h('td', {}, new Date(r.expires_at * 1000).toLocaleDateString()),
      h('td', {}, r.state === 'active' ? h('button', {
        type: 'button', class: 'secondary', id: `invite-revoke-${r.invite_id.slice(0, 8)}`,
        'aria-label': `Revoke invite ${r.invite_id.slice(0, 8)}`,
        onclick: async () => {
          try {
            drawList(await api.consoleRevokeInvite(r.invite_id));
            msg.textContent = 'Revoked: nobody can join with it now.';
          } catch (e) {
            msg.textContent = describe(toErrorBody(e));
          }
        },
      }, 'Revoke') : ''))) : [h('tr', {}, h('td', { colspan: 5 }, 'No invites yet.'))]));
  };
  const uses = h('input', { id: 'console-invite-uses', type: 'number', min: 1, max: 10000, value: 1, inputmode: 'numeric' });
  const days = h('input', { id: 'console-invite-days', type: 'number', min: 1, max: 365, value: 7, inputmode: 'numeric' });
  const form = h('form', {
    class: 'stack',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      msg.textContent = 'Issuing…';
      try {
        const i = await api.consoleIssueInvite(Number(uses.value), Number(days.value));
        const qr = await QRCode.toDataURL(i.link, { margin: 1, width: 280, errorCorrectionLevel: 'M' });
        issued.replaceChildren(
          h('h3', {}, 'Your new invite'),
          h('img', { class: 'qr', src: qr, width: 280, height: 280, alt: 'QR code of the invite link' }),
          h('p', { class: 'invite-link', id: 'console-invite-link', tabindex: 0 }, i.link),
          h('p', { class: 'hint' }, `For ${i.invite.max_uses} device(s), until ${new Date(i.invite.expires_at * 1000).toLocaleString()}. Shown only now: copy, print or send it before you leave this page.`),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'secondary', onclick: () => void navigator.clipboard?.writeText(i.link).then(() => { msg.textContent = 'Copied.'; }, () => { msg.textContent = 'Copy it by hand: select the link above.'; }) }, 'Copy the link'),
            h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, 'Print')));
        msg.textContent = 'Invite issued.';
        drawList(await api.consoleInvites());
      } catch (e) {
        msg.textContent = describe(toErrorBody(e));
      }
    },
  },
  h('label', { for: uses.id }, 'How many devices may join with it'), uses,
  h('label', { for: days.id }, 'Days it stays valid (1–365)'), days,
  h('button', { type: 'submit', class: 'primary', id: 'console-issue' }, 'Issue an invite'));
  void api.consoleInvites().then(drawList, (e) => {
    msg.textContent = describe(toErrorBody(e));
  });
  return {
    el: h('section', { class: 'console-panel', 'aria-labelledby': 'invites-h' },
      h('h2', { id: 'invites-h' }, 'Invites'),
      h('section', { class: 'console-card' }, form), msg, issued,
      h('div', { class: 'table-wide', tabindex: 0, role: 'region', 'aria-label': 'Invites of your team' }, h('table', { class: 'data', id: 'invite-table' },
        h('caption', {}, 'Invites of your team'),
        h('thead', {}, h('tr', {}, ...['Invite', 'State', 'Used', 'Expires', 'Revoke'].map((t) => h('th', { scope: 'col' }, t)))),
        table))),
  };
}
