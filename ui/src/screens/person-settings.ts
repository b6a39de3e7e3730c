// Settings about the person: their role (which screens come first) and how a peer reaches
// them. Both are kept in the vault; the contact travels only inside an encrypted request, to
// the peers who can read it.
import { api } from '../api';
import type { Contact, Role } from '../bindings';
import { h, messageArea } from '../dom';
import { describe, toErrorBody } from '../errors';

export function contactSection(): HTMLElement {
  const msg = messageArea();
  const method = h(
    'select',
    { id: 'settings-contact-method' },
    h('option', { value: 'in_app' }, 'Reply here in the app'),
    h('option', { value: 'call' }, 'Call me'),
    h('option', { value: 'text' }, 'Text me'),
  );
  const number = h('input', { id: 'settings-contact-number', type: 'tel', autocomplete: 'tel', inputmode: 'tel' });
  const numberLabel = h('label', { for: 'settings-contact-number' }, 'Your number');
  const showNumber = () => {
    const needs = method.value !== 'in_app';
    number.hidden = !needs;
    numberLabel.hidden = !needs;
  };
  method.addEventListener('change', showNumber);

  void api
    .contact()
    .then((c) => {
      method.value = c.method;
      number.value = c.method === 'in_app' ? '' : c.value;
      showNumber();
    })
    .catch((e) => (msg.textContent = describe(toErrorBody(e))));
  showNumber();

  const save = async () => {
    const m = method.value;
    if (m !== 'in_app' && number.value.trim() === '') {
      msg.textContent = 'Enter the number a peer should use.';
      number.focus();
      return;
    }
    const contact: Contact =
      m === 'call' ? { method: 'call', value: number.value.trim() }
      : m === 'text' ? { method: 'text', value: number.value.trim() }
      : { method: 'in_app' };
    try {
      await api.setContact(contact);
      msg.textContent = 'Saved. It is used for your next request.';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  return h(
    'section',
    { 'aria-labelledby': 'contact-h' },
    h('h2', { id: 'contact-h' }, 'How a peer reaches you'),
    h('p', { class: 'hint' }, 'Sent only inside your encrypted request, to the peer supporters who can read it. The relay never sees it.'),
    h(
      'form',
      { class: 'stack', onsubmit: (ev: Event) => { ev.preventDefault(); void save(); } },
      h('label', { for: 'settings-contact-method' }, 'Contact method'),
      method,
      numberLabel,
      number,
      h('button', { type: 'submit', class: 'secondary', id: 'settings-contact-save' }, 'Save contact method'),
      msg,
    ),
  );
}

export function roleSection(): HTMLElement {
  const msg = messageArea();
  const select = h(
    'select',
    {
      id: 'settings-role',
      onchange: async () => {
        try {
          await api.setRole(select.value as Role);
          msg.textContent = 'Saved.';
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      },
    },
    h('option', { value: 'officer' }, 'Officer'),
    h('option', { value: 'peer_supporter' }, 'Peer supporter (inbox on the home screen)'),
  );
  void api
    .role()
    .then((r) => (select.value = r ?? 'officer'))
    .catch((e) => (msg.textContent = describe(toErrorBody(e))));
  return h(
    'section',
    { 'aria-labelledby': 'role-h' },
    h('h2', { id: 'role-h' }, 'Your role'),
    h('label', { for: 'settings-role' }, 'I use Peerline as'),
    select,
    msg,
  );
}
