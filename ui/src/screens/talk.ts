import { api } from '../api';
import type { AskOutcome, Contact, Fallback, PeerChoice, Preferences, RequestView, TeamInfo, Urgency } from '../bindings';
import { choiceCount, emptyPreferences, noMatchPanel, optionsFrom, preferencesForm } from '../choose-view';
import { conversationPanel } from '../conversation-view';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { store } from '../store';

// Labels for every urgency the core knows (the union is generated from Rust, so a new one
// fails the type check here until it has words).
const URGENCY_LABELS: Record<Urgency, string> = {
  now: 'Now',
  today: 'Today',
  this_week: 'This week',
};
const URGENCIES = Object.entries(URGENCY_LABELS) as [Urgency, string][];

const STEPS: { stage: RequestView['stage']; label: string }[] = [
  { stage: 'queued', label: 'Waiting to send' },
  { stage: 'sent', label: 'Sent to the peers on duty' },
  { stage: 'delivered', label: 'Delivered to your team\u2019s phones' },
  { stage: 'accepted', label: 'A peer has it' },
  { stage: 'closed', label: 'Closed' },
];

function crisisHint(words = 'While you wait: if you need someone right now, the crisis line answers 24/7.'): HTMLElement {
  const button = h('button', {
    type: 'button',
    class: 'danger-outline',
    onclick: () => document.getElementById('crisis-button')?.click(),
  }, 'Call or text 988 now');
  return h('div', { class: 'notice', role: 'note' },
    h('p', {}, words),
    button);
}

function timeline(r: RequestView): HTMLElement {
  const at = STEPS.findIndex((s) => s.stage === r.stage);
  return h('ol', { class: 'timeline', 'aria-label': 'Request status' },
    ...STEPS.map((s, i) =>
      h('li', { class: i < at ? 'done' : i === at ? 'current' : 'todo', 'aria-current': i === at ? 'step' : null },
        s.stage === 'accepted' && r.accepted_by ? `Accepted by ${r.accepted_by}` : s.label)));
}

function statusView(r: RequestView, onCancel: () => void): HTMLElement {
  const parts: (HTMLElement | null)[] = [timeline(r)];
  if (r.failure) {
    parts.push(h('p', { class: 'message', role: 'alert' }, r.failure));
  }
  if (r.stage === 'failed') {
    parts.push(h('p', {}, 'You can send a new request, and the crisis lines are always there.'));
  }
  if (r.stage === 'queued') {
    parts.push(h('p', { class: 'message' }, 'Queued — it will send as soon as your phone reaches the team\u2019s relay.'));
  }
  if (r.reply_message) {
    parts.push(h('blockquote', { class: 'reply' },
      h('p', {}, r.reply_message),
      r.reply_eta_minutes !== null ? h('p', { class: 'hint' }, `Expect contact in about ${r.reply_eta_minutes} min.`) : null));
  }
  if (r.escalated && r.stage !== 'accepted' && r.stage !== 'closed') {
    parts.push(h('p', { class: 'message' }, 'No one has picked this up yet, so it has gone to every peer on your team.'));
  }
  if (r.stage !== 'accepted' && r.stage !== 'closed') parts.push(crisisHint());
  if (r.stage !== 'closed' && r.stage !== 'failed') {
    parts.push(h('button', { type: 'button', class: 'secondary', onclick: onCancel }, r.stage === 'accepted' ? 'Close this request' : 'Cancel request'));
  }
  return h('div', { class: 'stack', id: 'request-status' }, ...parts.filter((p): p is HTMLElement => p !== null));
}

/**
 * Hands each change of request `id` to `update` as the core reports it (the engine follows
 * the request's live connection to the relay; nothing here asks); returns what stops it.
 */
function followRequest(id: string, update: (r: RequestView) => void): () => void {
  return store.on('request-updated', (r) => {
    if (r.request_id === id) update(r);
  });
}

/** Talk to a peer: one tap sends; then the status, refreshed while the screen is open. */
export function talk(team: TeamInfo, back: () => void): Screen {
  // Set on leaving: an answer from core that arrives later draws nothing and follows no more.
  let gone = false;
  let stopFollowing = (): void => undefined;
  // The conversation of the accepted request, kept across status redraws (it has its own
  // draft and follows its own events).
  let talking: { id: string; panel: ReturnType<typeof conversationPanel> } | undefined;
  const endTalking = () => {
    talking?.panel.dispose();
    talking = undefined;
  };

  return {
    async mount(root) {
      const msg = messageArea();
      const status = h('div', {});

      // The peer's name arrives with their reply, after the claim: the panel asks for it.
      let acceptedBy: string | null = null;
      const showRequest = (r: RequestView) => {
        if (gone) return;
        acceptedBy = r.accepted_by;
        status.replaceChildren(statusView(r, async () => {
          try {
            showRequest(await api.talkCancel(r.request_id));
          } catch (e) {
            msg.textContent = describe(toErrorBody(e));
          }
        }));
        stopFollowing();
        if (r.stage === 'accepted') {
          if (talking?.id !== r.request_id) {
            endTalking();
            talking = { id: r.request_id, panel: conversationPanel(r.request_id, { otherName: () => acceptedBy ?? 'The peer', handOffTo: [] }) };
          }
          status.querySelector('#request-status')?.insertBefore(talking.panel.el, status.querySelector('#request-status > button.secondary'));
        } else {
          endTalking();
        }
        if (r.stage !== 'closed' && r.stage !== 'failed') {
          stopFollowing = followRequest(r.request_id, showRequest);
        } else {
          status.append(form());
        }
      };

      const urgency = h('select', { id: 'urgency' }, ...URGENCIES.map(([value, label]) => h('option', { value }, label)));
      const method = h('select', { id: 'contact-method' },
        h('option', { value: 'in_app' }, 'Reply here in the app'),
        h('option', { value: 'call' }, 'Call me'),
        h('option', { value: 'text' }, 'Text me'));
      const number = h('input', { id: 'contact-number', type: 'tel', autocomplete: 'tel', inputmode: 'tel' });
      const note = h('textarea', { id: 'talk-note', rows: 3, maxlength: 2000 });

      // The officer's choices: last time's, from the vault. Touching the form makes this
      // request's choice explicit (and remembered); untouched, the one tap uses them as
      // they are and never stops to ask.
      let prefs: Preferences = emptyPreferences();
      let chose = false;
      const chosenLabel = h('span', {}, 'Who may see it');
      const markChosen = () => {
        chose = true;
        const n = choiceCount(prefs);
        chosenLabel.textContent = n === 0 ? 'Who may see it' : `Who may see it (${n} chosen)`;
      };
      const chooser = h('div', {});
      const drawChooser = () => {
        chooser.replaceChildren(preferencesForm(optionsFrom(team.peers), prefs, markChosen));
        const n = choiceCount(prefs);
        chosenLabel.textContent = n === 0 ? 'Who may see it' : `Who may see it (${n} chosen)`;
      };

      const ask = async (fallback: Fallback | null) => {
        msg.textContent = 'Sending…';
        const m = method.value;
        const contact: Contact = m === 'call' ? { method: 'call', value: number.value }
          : m === 'text' ? { method: 'text', value: number.value } : { method: 'in_app' };
        try {
          // Remember how to be reached for next time (best effort; the request goes regardless).
          void api.setContact(contact).catch(() => undefined);
          // The select offers only URGENCIES' values.
          const how = urgency.value as Urgency;
          const choice: PeerChoice | null = fallback === null && !chose ? null
            : { preferences: prefs, fallback: fallback ?? { kind: 'ask' } };
          const outcome: AskOutcome = await api.talkAsk({ urgency: how, contact, note: note.value.trim() === '' ? null : note.value, choice });
          msg.textContent = '';
          if (outcome.outcome === 'sent') {
            showRequest(outcome.request);
          } else {
            status.replaceChildren(noMatchPanel(outcome.options, (way) => {
              if (way.kind === 'change') {
                status.replaceChildren(form());
                const open = status.querySelector<HTMLDetailsElement>('#choose-details');
                if (open) open.open = true;
              } else {
                void ask(way);
              }
            }, crisisHint('If you need someone right now, the crisis line answers 24/7.')));
            status.querySelector<HTMLElement>('#no-match-title')?.focus();
          }
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      };
      const send = () => ask(null);

      const form = () => h('form', {
        class: 'stack',
        'aria-label': 'Ask for a peer',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void send();
        },
      },
      h('button', { type: 'submit', class: 'primary big', id: 'send-request' }, 'Send to a peer now'),
      h('details', { id: 'choose-details' },
        h('summary', {}, chosenLabel),
        chooser),
      h('details', {},
        h('summary', {}, 'Options (how soon, how to reach you, a note)'),
        h('div', { class: 'stack' },
          h('label', { for: 'urgency' }, 'How soon'), urgency,
          h('label', { for: 'contact-method' }, 'How to reach you'), method,
          h('label', { for: 'contact-number' }, 'Your number (only if call or text)'), number,
          h('label', { for: 'talk-note' }, 'A note for the peer (optional, encrypted)'), note)));

      try {
        const saved = await api.contact();
        method.value = saved.method;
        if (saved.method !== 'in_app') number.value = saved.value;
      } catch {
        // Defaults stay: reply in the app.
      }
      try {
        prefs = await api.talkPreferences();
      } catch {
        // None remembered: nothing chosen.
      }
      drawChooser();
      if (gone) return;
      mount(
        root,
        h('h1', {}, 'Talk to a peer'),
        h('button', { type: 'button', class: 'secondary back', onclick: back }, '← Back'),
        h('p', { class: 'hint' }, `${team.peers.length} peer supporter${team.peers.length === 1 ? '' : 's'} on your team. Only they can read what you send.`),
        status,
        msg,
      );
      try {
        const open = (await api.talkRequests()).find((r) => r.stage !== 'closed' && r.stage !== 'failed');
        // The engine keeps this up to date from the relay; the screen only shows it.
        if (open) showRequest(open);
        else status.append(form());
      } catch (e) {
        msg.textContent = describe(toErrorBody(e));
        status.append(form());
      }
    },
    dispose() {
      gone = true;
      stopFollowing();
      endTalking();
    },
  };
}
