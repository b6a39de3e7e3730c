import QRCode from 'qrcode';
import { api } from '../api';
import type { Contact, DutyStatus, InboxItem } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { conversationPanel } from '../conversation-view';
import { store } from '../store';

function ago(secs: number): string {
  if (secs < 60) return 'just now';
  if (secs < 3600) return `${Math.floor(secs / 60)} min ago`;
  return `${Math.floor(secs / 3600)} h ago`;
}

function contactWords(c: Contact): string {
  switch (c.method) {
    case 'call':
      return `Call ${c.value}`;
    case 'text':
      return `Text ${c.value}`;
    default:
      return 'Reply in the app';
  }
}

/** The conversations of the requests this peer took, kept across inbox redraws. */
type Panels = Map<string, ReturnType<typeof conversationPanel>>;

function card(item: InboxItem, refresh: () => Promise<void>, msg: HTMLElement, talking: HTMLElement | undefined): HTMLElement {
  const act = (f: () => Promise<unknown>) => async () => {
    try {
      await f();
      await refresh();
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
      await refresh();
    }
  };
  const parts: (HTMLElement | null)[] = [
    h('p', { class: 'meta' },
      h('strong', {}, item.urgency === 'now' ? 'Now' : item.urgency === 'today' ? 'Today' : 'This week'),
      ` · ${ago(item.age_secs)}`, item.escalated ? ' · sent to everyone' : ''),
    h('p', {}, contactWords(item.contact)),
    item.note ? h('p', { class: 'note' }, item.note) : null,
  ];
  if (item.open) {
    parts.push(h('button', { type: 'button', class: 'primary', onclick: act(() => api.peerClaim(item.request_id)) }, 'I\u2019ll take it'));
  } else if (item.mine && talking) {
    parts.push(talking,
      h('button', { type: 'button', class: 'secondary', onclick: act(() => api.peerClose(item.request_id)) }, 'Close request'));
  } else if (item.mine) {
    const id = `reply-${item.request_id}`;
    const text = h('input', { id, type: 'text', value: 'I\u2019ll call you in 10 minutes.', maxlength: 500 });
    const eta = h('select', { id: `${id}-eta`, 'aria-label': 'When you will be in touch' },
      ...[5, 10, 15, 30, 60].map((m) => h('option', { value: m, selected: m === 10 }, `${m} min`)));
    parts.push(
      h('form', {
        class: 'stack',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void act(() => api.peerReply(item.request_id, text.value, Number(eta.value)))();
        },
      }, h('label', { for: id }, 'Your reply (encrypted, signed by you)'), text, eta,
      h('button', { type: 'submit', class: 'primary' }, 'Send reply')),
      h('button', { type: 'button', class: 'secondary', onclick: act(() => api.peerClose(item.request_id)) }, 'Close request'),
    );
  } else {
    parts.push(h('p', { class: 'hint' }, 'Taken by another peer.'));
  }
  return h('li', { class: 'inbox-item' }, ...parts.filter((p): p is HTMLElement => p !== null));
}

/** The peer supporter's screen: keys for the roster, on-duty toggle, and the inbox. */
export function peerScreen(back: () => void): Screen {
  // Set on leaving, which can happen while the first refresh is still out: then nothing starts.
  let gone = false;
  const stops: (() => void)[] = [];
  const panels: Panels = new Map();

  return {
    async mount(root) {
      const msg = messageArea();
      const keys = h('div', { class: 'stack' });
      const list = h('ul', { class: 'inbox', 'aria-label': 'Open requests' });

      const refresh = async () => {
        try {
          const items = await api.peerInbox();
          // A request this peer took and answered has a conversation on this phone.
          const mine = items.filter((i) => i.mine).map((i) => i.request_id);
          for (const [id, panel] of panels) {
            if (!mine.includes(id)) {
              panel.dispose();
              panels.delete(id);
            }
          }
          for (const id of mine) {
            if (panels.has(id)) continue;
            const v = await api.talkConversation(id).catch(() => null);
            if (v?.as_peer) {
              const me = (await api.peerKeys(null)).key_id;
              const others = (await api.teamInfo())?.peers.filter((p) => p.key_id !== me) ?? [];
              panels.set(id, conversationPanel(id, { otherName: () => 'The officer', handOffTo: others }));
            }
          }
          if (gone) return;
          list.replaceChildren(...(items.length
            ? items.map((i) => card(i, refresh, msg, panels.get(i.request_id)?.el))
            : [h('li', { class: 'hint' }, 'No open requests for you right now.')]));
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      };

      const showKeys = async () => {
        try {
          const k = await api.peerKeys(null);
          const qr = await QRCode.toDataURL(k.roster_entry, { margin: 1, width: 260, errorCorrectionLevel: 'M' });
          keys.replaceChildren(
            h('p', {}, 'Give this entry to your coordinator for the roster (they add your name). It holds only public keys.'),
            h('img', { class: 'qr', src: qr, width: 260, height: 260, alt: 'QR code of your roster entry (public keys only)' }),
            h('pre', { class: 'keys', tabindex: 0 }, k.roster_entry),
          );
          await refresh();
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      };

      const dutyState = h('p', { class: 'hint', id: 'duty-state', 'aria-live': 'polite' });
      const showDuty = (d: DutyStatus) => {
        dutyState.textContent = d.on_duty_until === null
          ? 'You are off duty.'
          : `You are on duty until ${new Date(d.on_duty_until * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}.`;
      };
      const duty = (minutes: number) => async () => {
        try {
          await api.peerKeys(null);
          const on = await api.peerDuty(minutes);
          msg.textContent = minutes > 0 ? `${on.length} peer(s) on duty now.` : '';
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      };

      // Desktop only: the command does not exist on phones, and the section stays hidden.
      const autostart = h('input', { type: 'checkbox', id: 'autostart' });
      const background = h('section', { 'aria-labelledby': 'background-h', hidden: true },
        h('h2', { id: 'background-h' }, 'When the window is closed'),
        h('p', { class: 'hint' }, 'Peerline stays in the tray with its window closed, so a new request still shows a notification (it never says what the request is). Quit it from the tray menu.'),
        h('span', { class: 'chip' }, autostart, h('label', { for: 'autostart' }, 'Start Peerline in the tray when I log in')));
      autostart.addEventListener('change', () => {
        api.autostartSet(autostart.checked)
          .then((on) => (autostart.checked = on))
          .catch((e) => {
            autostart.checked = !autostart.checked;
            msg.textContent = describe(toErrorBody(e));
          });
      });
      api.autostartGet()
        .then((on) => {
          autostart.checked = on;
          background.hidden = false;
        })
        .catch(() => undefined);

      mount(
        root,
        h('h1', {}, 'Peer supporter'),
        h('button', { type: 'button', class: 'secondary back', onclick: back }, '← Back'),
        h('section', { 'aria-labelledby': 'keys-h' }, h('h2', { id: 'keys-h' }, 'Your peer keys'), keys,
          h('button', { type: 'button', class: 'secondary', onclick: showKeys }, 'Show my roster entry')),
        h('section', { 'aria-labelledby': 'duty-h' }, h('h2', { id: 'duty-h' }, 'On duty'),
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'primary', onclick: duty(8 * 60) }, 'On duty for 8 hours'),
            h('button', { type: 'button', class: 'secondary', onclick: duty(0) }, 'Off duty')),
          dutyState),
        background,
        h('section', { 'aria-labelledby': 'inbox-h' }, h('h2', { id: 'inbox-h' }, 'Requests'), list,
          h('button', { type: 'button', class: 'secondary', onclick: refresh }, 'Refresh')),
        msg,
      );
      await refresh();
      if (gone) return;
      // The engine's live connection to the team wakes this screen at once, and again after
      // a reconnect (when anything may have changed); nothing here asks on a timer.
      stops.push(store.on('peer-event', () => void refresh()));
      // On or off duty from here, from the tray, or at the end of the stretch.
      stops.push(store.on('duty', showDuty));
    },
    dispose() {
      gone = true;
      for (const stop of stops.splice(0)) stop();
      for (const panel of panels.values()) panel.dispose();
      panels.clear();
    },
  };
}
