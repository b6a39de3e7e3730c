// Linking a device: the device that has sync shows a one-time link (QR and text) and asks
// "a device wants to link, code 4821: is it yours?"; the new device uses the link and shows
// the same code. Nothing is handed over before the officer says yes on the first device.
import QRCode from 'qrcode';
import { api } from '../api';
import type { LinkView } from '../bindings';
import { h } from '../dom';
import { describe, toErrorBody } from '../errors';
import { readQr } from '../qr';
import { store } from '../store';

function until(view: LinkView): string {
  return new Date(view.expires_at * 1000).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
}

/** Follows the link's events while `el` is on screen. */
function follow(el: HTMLElement, draw: (v: LinkView) => void): void {
  const stop = store.on('link', (v) => {
    if (!el.isConnected) {
      stop();
      return;
    }
    draw(v);
  });
}

/**
 * On the device that has sync: the "Link another device" panel. `done` runs when the panel
 * closes (linked, ended or cancelled).
 */
export function linkOut(msg: HTMLElement, done: () => void): HTMLElement {
  const panel = h('div', { class: 'stack', id: 'link-out', role: 'region', 'aria-labelledby': 'link-out-h' });
  const heading = h('h3', { id: 'link-out-h', tabindex: -1 }, 'Link another device');
  const close = () => {
    void api.syncLinkCancel().catch(() => undefined);
    done();
  };
  const cancel = h('button', { type: 'button', class: 'secondary', id: 'link-cancel', onclick: close }, 'Cancel');

  const draw = async (v: LinkView) => {
    const s = v.state;
    if (s.state === 'waiting' && v.link) {
      const qr = await QRCode.toDataURL(v.link, { margin: 1, width: 260, errorCorrectionLevel: 'M' });
      const text = h('textarea', { id: 'link-text', readonly: true, rows: 3 }, v.link);
      panel.replaceChildren(heading,
        h('p', {}, `On the new device, open Peerline, then Settings \u2192 Your other devices \u2192 \u201cLink to my other device\u201d, and open a picture of this code or paste the link. It works once, until ${until(v)}.`),
        h('img', { class: 'qr', src: qr, width: 260, height: 260, alt: 'QR code of the device link' }),
        h('label', { for: 'link-text' }, 'The link as text'), text,
        h('p', { class: 'hint' }, 'Anyone who sees this link could try to use it, so this device asks you before anything is handed over.'),
        cancel);
    } else if (s.state === 'confirm') {
      panel.replaceChildren(heading,
        h('p', { id: 'link-ask', role: 'alert' }, 'A device wants to link. Its code is ',
          h('strong', { class: 'link-code', id: 'link-code' }, s.code),
          '. Does your new device show the same code?'),
        h('button', { type: 'button', class: 'primary', id: 'link-yes', onclick: () => void answer(true) }, `Yes, ${s.code} is my device`),
        h('button', { type: 'button', class: 'secondary', id: 'link-no', onclick: () => void answer(false) }, 'No, stop'));
    } else if (s.state === 'linked') {
      msg.textContent = 'Linked. Your new device is taking in your synced records.';
      done();
      return;
    } else if (s.state === 'ended') {
      msg.textContent = s.reason;
      done();
      return;
    }
    heading.focus();
  };

  const answer = async (yes: boolean) => {
    try {
      await draw(await api.syncLinkAnswer(yes));
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  panel.append(heading, h('p', {}, 'Making a link\u2026'));
  follow(panel, (v) => void draw(v));
  void (async () => {
    try {
      await draw(await api.syncLinkStart());
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
      done();
    }
  })();
  return panel;
}

/** On a new device: use a link from the device that has sync. */
export function linkIn(msg: HTMLElement, linked: () => void): HTMLElement {
  const input = h('textarea', { id: 'link-in-text', rows: 3, autocomplete: 'off', spellcheck: 'false' });
  const picture = h('input', { id: 'link-in-picture', type: 'file', accept: 'image/*' });
  const status = h('div', { class: 'stack', id: 'link-in-status', 'aria-live': 'polite' });
  picture.addEventListener('change', async () => {
    const file = picture.files?.[0];
    if (!file) return;
    const text = await readQr(file).catch(() => null);
    if (text) {
      input.value = text;
      msg.textContent = 'Read the link from the picture. Tap \u201cLink\u201d.';
    } else {
      msg.textContent = 'No code could be read from that picture. Try a sharper one, or paste the link.';
    }
  });
  const draw = (v: LinkView) => {
    const s = v.state;
    if (s.state === 'show_code') {
      status.replaceChildren(
        h('p', {}, 'Your code is ', h('strong', { class: 'link-code', id: 'link-in-code' }, s.code), '.'),
        h('p', {}, 'On your other device, check that it shows the same code and tap \u201cYes\u201d. This page updates by itself.'));
    } else if (s.state === 'linked') {
      status.replaceChildren();
      msg.textContent = `Linked: ${s.received} records came to this device.`;
      linked();
    } else if (s.state === 'ended') {
      status.replaceChildren();
      msg.textContent = s.reason;
    }
  };
  const form = h('form', {
    class: 'stack',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      msg.textContent = 'Using the link\u2026';
      try {
        draw(await api.syncLinkJoin(input.value));
        input.value = '';
        msg.textContent = '';
      } catch (e) {
        msg.textContent = describe(toErrorBody(e));
      }
    },
  },
  h('h3', {}, 'Link to my other device'),
  h('p', { class: 'hint' }, 'On the device that already syncs: Settings \u2192 Your other devices \u2192 \u201cLink another device\u201d.'),
  h('label', { for: 'link-in-text' }, 'Paste the link it shows'), input,
  h('label', { for: 'link-in-picture' }, 'Or open a picture of its QR code'), picture,
  h('button', { type: 'submit', class: 'secondary', id: 'link-in-go' }, 'Link'),
  status);
  follow(form, draw);
  return form;
}
