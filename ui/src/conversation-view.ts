// The conversation after a claim, for both roles: the thread, a box to write in, and the
// choices around it (the officer: keep it after close, answer a hand-off; the peer: hand it
// on). The core does the work; this draws what it says and follows its `conversation` event.

import { api } from './api';
import type { ConversationView, MessageState, MessageView, PeerCard } from './bindings';
import { h, messageArea } from './dom';
import { describe, toErrorBody } from './errors';
import { store } from './store';

const STATE_WORDS: Record<MessageState, string> = {
  queued: 'Waiting to send',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  received: '',
  failed: 'Not sent',
};

/** The words under a line: who, when, and where one of mine has got to. */
export function lineMeta(m: MessageView, otherName: string): string {
  const who = m.kind === 'note' ? '' : m.mine ? 'You' : otherName;
  const time = new Date(m.sent_at_utc).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  const state = m.mine && m.kind !== 'note' ? STATE_WORDS[m.state] : '';
  return [who, time, state].filter((p) => p !== '').join(' \u00b7 ');
}

function line(m: MessageView, otherName: string): HTMLElement {
  return h('li', { class: `line ${m.kind} ${m.mine ? 'mine' : 'theirs'}` },
    h('p', { class: 'words' }, m.text),
    h('p', { class: 'meta' }, lineMeta(m, otherName)));
}

export interface PanelOptions {
  /** What the other side is called: the peer's name (once their reply is in), or "The officer". */
  otherName: () => string;
  /** Peers a peer may hand on to (the roster, without themself). Empty for the officer. */
  handOffTo: PeerCard[];
}

/** A conversation panel; `dispose` stops following the core's events. */
export function conversationPanel(requestId: string, opts: PanelOptions): { el: HTMLElement; dispose: () => void } {
  const msg = messageArea();
  const thread = h('ol', { class: 'thread', 'aria-label': 'Conversation', 'aria-live': 'polite' });
  const extras = h('div', { class: 'stack' });
  const box = h('textarea', { id: `write-${requestId}`, rows: 2, maxlength: 2000 });
  const sendButton = h('button', { type: 'submit', class: 'primary' }, 'Send');
  let gone = false;

  const draw = (v: ConversationView) => {
    if (gone) return;
    thread.replaceChildren(...(v.messages.length
      ? v.messages.map((m) => line(m, opts.otherName()))
      : [h('li', { class: 'hint' }, 'No messages yet.')]));
    box.disabled = !v.can_write;
    sendButton.disabled = !v.can_write;
    const parts: HTMLElement[] = [];
    if (v.warning) parts.push(h('p', { class: 'message', role: 'alert' }, v.warning));
    const other = opts.otherName();
    if (!v.as_peer && v.hand_off) {
      const to = v.hand_off.to_name ?? 'another peer on duty';
      parts.push(h('div', { class: 'notice stack', id: 'hand-off-ask', role: 'group', 'aria-label': 'Hand-off' },
        h('p', {}, `${other} asks to hand this conversation to ${to}. They would be able to read your request; ${other} would not see this conversation any more.`),
        h('button', { type: 'button', class: 'primary', id: 'hand-off-agree', onclick: () => void act(() => api.talkAnswerHandOff(requestId, true)) }, `Agree: talk with ${to}`),
        h('button', { type: 'button', class: 'secondary', id: 'hand-off-decline', onclick: () => void act(() => api.talkAnswerHandOff(requestId, false)) }, `Keep talking with ${other}`)));
    }
    if (!v.as_peer) {
      const keep = h('input', { type: 'checkbox', id: `keep-${requestId}`, checked: v.keep, onchange: (ev: Event) => void act(() => api.talkKeep(requestId, (ev.target as HTMLInputElement).checked)) });
      parts.push(h('span', { class: 'chip' }, keep, h('label', { for: `keep-${requestId}` }, 'Keep this conversation on this phone after it closes')));
      parts.push(h('p', { class: 'hint' }, v.keep
        ? 'It stays in your encrypted vault, on this phone only.'
        : 'Not kept: when the request closes, the words are deleted from this phone too.'));
    } else {
      parts.push(h('p', { class: 'hint' }, 'Peers keep no case notes: this conversation is deleted from your phone when the request closes.'));
      if (opts.handOffTo.length > 0 && v.can_write) {
        const id = `hand-to-${requestId}`;
        const to = h('select', { id },
          h('option', { value: '' }, 'Any peer on duty'),
          ...opts.handOffTo.map((p) => h('option', { value: p.key_id }, p.display_name)));
        parts.push(h('details', {},
          h('summary', {}, 'Hand this on to another peer'),
          h('div', { class: 'stack' },
            h('p', { class: 'hint' }, 'The officer is asked first; nothing changes unless they agree.'),
            h('label', { for: id }, 'To'), to,
            h('button', { type: 'button', class: 'secondary', onclick: () => void act(() => api.peerHandOff(requestId, to.value === '' ? null : to.value)) }, 'Ask the officer'))));
      }
    }
    extras.replaceChildren(...parts);
  };

  const act = async (f: () => Promise<ConversationView>) => {
    try {
      draw(await f());
      msg.textContent = '';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  const reload = async () => {
    try {
      draw(await api.talkConversation(requestId));
      // On screen means read: the relay deletes what was shown.
      await api.talkRead(requestId).catch(() => undefined);
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  const form = h('form', {
    class: 'stack compose',
    onsubmit: (ev: Event) => {
      ev.preventDefault();
      const text = box.value;
      if (text.trim() === '') return;
      void act(async () => {
        const v = await api.talkSend(requestId, text);
        box.value = '';
        return v;
      });
    },
  }, h('label', { for: box.id }, 'Message (end-to-end encrypted)'), box, sendButton);

  const stop = store.on('conversation', (c) => {
    if (c.request_id === requestId) void reload();
  });
  void reload();
  const el = h('section', { class: 'stack conversation', 'aria-label': 'Conversation' }, thread, form, extras, msg);
  return {
    el,
    dispose: () => {
      gone = true;
      stop();
    },
  };
}
