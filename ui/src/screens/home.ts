import { api } from '../api';
import type { CheckIn, FollowUpView, QuickCheckIn, VaultStatus } from '../bindings';
import { checkInControls, noteField, noteOrNull } from '../checkin-form';
import { sleepWords, when, word } from '../checkin-words';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';

type OpenStatus = Extract<VaultStatus, { state: 'unlocked' }>;

function lastCheckIn(c: CheckIn | undefined): HTMLElement {
  if (!c) return h('p', { class: 'hint' }, 'No check-ins yet. One tap is enough to start.');
  return h(
    'p',
    { class: 'last' },
    `Last check-in: ${when(c.recorded_at_utc)} — mood ${word('mood', c.mood).toLowerCase()}, stress ${word('stress', c.stress).toLowerCase()}, ${sleepWords(c.sleep_half_hours)} sleep.`,
  );
}

export interface HomeLinks {
  settings: () => void;
  screeners: () => void;
  trends: () => void;
  history: () => void;
  directory: () => void;
  talk: () => void;
  peer: () => void;
  plan: () => void;
  calm: () => void;
}

export function home(status: OpenStatus, show: (s: VaultStatus) => void, links: HomeLinks): Screen {
  return { mount: (root) => draw(root, status, show, links) };
}

async function draw(root: HTMLElement, status: OpenStatus, show: (s: VaultStatus) => void, links: HomeLinks): Promise<void> {
  const entry: QuickCheckIn = { mood: 3, stress: 3, energy: 3, sleep_half_hours: 14, tags: [], note: null };
  const msg = messageArea();
  const last = h('div', {});
  const [noteLabel, note] = noteField(null);
  const refreshLast = async () => {
    try {
      const [c] = await api.recentCheckIns(1);
      last.replaceChildren(lastCheckIn(c));
    } catch (e) {
      last.replaceChildren(h('p', { class: 'message' }, describe(toErrorBody(e))));
    }
  };

  // Follow-up after a critical incident: offered after a check-in tagged with one, shown
  // here while a step is due.
  const followUp = h('div', { id: 'follow-up' });
  const drawFollowUp = (f: FollowUpView | null) => {
    if (f?.current) {
      followUp.replaceChildren(followUpCard(f, drawFollowUp, links.screeners));
    } else if (f) {
      // Between steps: when the next one comes, and the way out at any time.
      const next = f.steps.find((s) => s.state === 'upcoming');
      const stopMsg = messageArea();
      followUp.replaceChildren(h('p', { class: 'hint', id: 'follow-up-next' },
        next ? `Follow-up after the incident: next check-in ${new Date(next.due_local).toLocaleDateString([], { weekday: 'long', month: 'short', day: 'numeric' })}. ` : '',
        h('button', {
          type: 'button', class: 'secondary', id: 'follow-up-stop',
          onclick: async () => {
            try {
              await api.followUpStop();
              followUp.replaceChildren();
            } catch (e) {
              stopMsg.textContent = describe(toErrorBody(e));
            }
          },
        }, 'Stop these follow-ups')), stopMsg);
    } else {
      followUp.replaceChildren();
    }
  };
  const offerFollowUp = () => {
    const offerMsg = messageArea();
    followUp.replaceChildren(h('section', { class: 'last stack', 'aria-labelledby': 'follow-up-offer-h' },
      h('h2', { id: 'follow-up-offer-h' }, 'After a critical incident'),
      h('p', {}, 'Would you like short check-ins offered a day, three days, a week and a month from now? Each comes as \u201cTime for your check-in\u201d and nothing more. You can stop them at any step.'),
      h('p', { class: 'hint' }, FOLLOW_UP_SOURCE),
      h('div', { class: 'row' },
        h('button', {
          type: 'button', class: 'primary', id: 'follow-up-yes',
          onclick: async () => {
            try {
              await api.followUpStart();
              followUp.replaceChildren(h('p', { class: 'last', role: 'status' }, 'Follow-up check-ins are set. The first comes in about a day.'));
            } catch (e) {
              offerMsg.textContent = describe(toErrorBody(e));
            }
          },
        }, 'Yes, follow up'),
        h('button', { type: 'button', class: 'secondary', id: 'follow-up-no', onclick: () => followUp.replaceChildren() }, 'No, thanks')),
      offerMsg));
  };

  const save = async (): Promise<void> => {
    msg.textContent = 'Saving…';
    try {
      const tagged = entry.tags.includes('critical_incident');
      await api.saveCheckIn({ ...entry, note: noteOrNull(note.value) });
      note.value = '';
      msg.textContent = 'Saved. Thanks for checking in.';
      await refreshLast();
      // A due follow-up step is done by this check-in.
      const f = await api.followUp();
      if (f?.current) drawFollowUp(await api.followUpDone(f.current.step));
      else if (tagged && !f) offerFollowUp();
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };

  const lockButton = status.app_lock
    ? h('button', {
        type: 'button',
        class: 'secondary',
        id: 'nav-lock',
        onclick: async () => {
          try {
            show(await api.lock());
          } catch (e) {
            msg.textContent = describe(toErrorBody(e));
          }
        },
      }, 'Lock now')
    : null;

  const talk = h('button', { type: 'button', class: 'primary big talk', id: 'talk-to-a-peer', onclick: links.talk }, 'Talk to a peer');
  mount(
    root,
    talk,
    h('h1', {}, 'How are you doing?'),
    last,
    followUp,
    h(
      'form',
      {
        class: 'stack checkin',
        'aria-label': 'Quick check-in',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void save();
        },
      },
      ...checkInControls(entry),
      noteLabel,
      note,
      h('button', { type: 'submit', class: 'primary big' }, 'Save check-in'),
      msg,
    ),
    h('button', { type: 'button', class: 'secondary big', id: 'nav-directory', onclick: links.directory }, 'Find professional help'),
    h('nav', { class: 'row', 'aria-label': 'More' },
      h('button', { type: 'button', class: 'secondary', id: 'nav-trends', onclick: links.trends }, 'Trends'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-history', onclick: links.history }, 'History'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-screeners', onclick: links.screeners }, 'Questionnaires'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-plan', onclick: links.plan }, 'My safety plan'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-calm', onclick: links.calm }, 'Breathe, ground, relax'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-settings', onclick: links.settings }, 'Settings'),
      h('button', { type: 'button', class: 'secondary', id: 'nav-peer', onclick: links.peer }, 'Peer supporter'),
      lockButton,
    ),
  );
  // A peer supporter's inbox sits next to the big button; everyone else finds it under More.
  // Once this screen has gone, the button is out of the page and `after` adds nothing.
  void api
    .role()
    .then((role) => {
      if (role !== 'peer_supporter') return;
      talk.after(
        h('button', { type: 'button', class: 'primary big', id: 'home-peer-inbox', onclick: links.peer }, 'Peer inbox'),
      );
    })
    .catch(() => undefined);
  await refreshLast();
  await api.followUp().then(drawFollowUp, () => undefined);
}

/** "Ask a peer to check on me in 3 days": set now, sent then through the usual path. */
function checkOnMe(msg: HTMLElement): HTMLElement {
  const box = h('div', { class: 'stack', id: 'check-on-me' });
  const draw = (waiting: { id: string; send_at: number }[]) => {
    box.replaceChildren(...(waiting.length
      ? waiting.map((a) => h('p', {},
        `A peer will be asked to check on you on ${new Date(a.send_at * 1000).toLocaleDateString([], { weekday: 'long', month: 'short', day: 'numeric' })}. `,
        h('button', {
          type: 'button', class: 'secondary', id: `check-on-me-cancel-${a.id.slice(0, 8)}`,
          onclick: async () => {
            try {
              draw(await api.talkScheduledCancel(a.id));
            } catch (e) {
              msg.textContent = describe(toErrorBody(e));
            }
          },
        }, 'Cancel it')))
      : [h('button', {
          type: 'button', class: 'secondary', id: 'check-on-me',
          onclick: async () => {
            try {
              await api.talkSchedule({ urgency: 'today', contact: { method: 'in_app' }, note: 'Please check on me (I asked for this a few days ago).', choice: null }, 3);
              draw(await api.talkScheduled());
            } catch (e) {
              msg.textContent = describe(toErrorBody(e));
            }
          },
        }, 'Ask a peer to check on me in 3 days')]));
  };
  // Only on a team: without one there is nobody to ask.
  void api.teamInfo().then(async (team) => {
    if (team) draw(await api.talkScheduled());
  }).catch(() => undefined);
  return box;
}

const FOLLOW_UP_SOURCE = 'After critical incident stress management practice (Mitchell & Everly; International Critical Incident Stress Foundation).';

/** The step due now: a short check-in (the form below), the PCL-5 offered at a week and a
 * month, and a way out at every step. */
function followUpCard(f: FollowUpView, redraw: (f: FollowUpView | null) => void, screeners: () => void): HTMLElement {
  const step = f.current;
  const msg = messageArea();
  if (!step) return h('div', {});
  const act = (fn: () => Promise<FollowUpView | null | void>) => async () => {
    try {
      const next = await fn();
      redraw(next ?? null);
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  return h('section', { class: 'last stack', 'aria-labelledby': 'follow-up-h' },
    h('h2', { id: 'follow-up-h' }, `Follow-up: ${step.label.toLowerCase()} the incident`),
    h('p', {}, 'How are you doing since? The check-in below is enough.'),
    step.offer_pcl5
      ? h('p', {}, 'If you like, the PCL-5 questionnaire looks at stress reactions after a hard event. It is up to you.')
      : null,
    checkOnMe(msg),
    h('div', { class: 'row' },
      step.offer_pcl5 ? h('button', { type: 'button', class: 'secondary', id: 'follow-up-pcl5', onclick: screeners }, 'Take the PCL-5 (optional)') : null,
      h('button', { type: 'button', class: 'secondary', id: 'follow-up-skip', onclick: act(() => api.followUpDone(step.step)) }, 'Not this time'),
      h('button', { type: 'button', class: 'secondary', id: 'follow-up-stop', onclick: act(() => api.followUpStop()) }, 'Stop these follow-ups')),
    h('p', { class: 'hint' }, FOLLOW_UP_SOURCE),
    msg);
}
