import { api } from '../api';
import type { Form, Instrument, PlanView, SavedScore } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { planSteps } from './safety-plan';

const LIST: { instrument: Instrument; label: string; hint: string }[] = [
  { instrument: 'phq9', label: 'Mood (PHQ-9)', hint: '9 questions about the last two weeks' },
  { instrument: 'gad7', label: 'Anxiety (GAD-7)', hint: '7 questions about the last two weeks' },
  { instrument: 'who5', label: 'Wellbeing (WHO-5)', hint: '5 statements about the last two weeks' },
  { instrument: 'pcl5', label: 'After a hard call (PCL-5)', hint: '20 questions about the past month' },
  { instrument: 'audit_c', label: 'Alcohol (AUDIT-C)', hint: '3 questions about the past year' },
  { instrument: 'phq2', label: 'Quick mood check (PHQ-2)', hint: '2 questions' },
  { instrument: 'gad2', label: 'Quick anxiety check (GAD-2)', hint: '2 questions' },
];

interface Links {
  back: () => void;
  talk: () => void;
  plan: () => void;
  calm: () => void;
}

/**
 * Shown before any score when core raises the safety flag: never a dead end. The officer's
 * own plan comes first when there is one; without one, writing one is offered for later,
 * after the ways to get help now.
 */
function safety(result: SavedScore, links: Links, showScore: () => void, plan: PlanView | null): HTMLElement[] {
  const status = messageArea();
  const planParts: HTMLElement[] = plan
    ? [h('h2', { id: 'safety-plan-h' }, 'Your safety plan'), planSteps(plan, status), status]
    : [];
  const offer = plan
    ? []
    : [h('button', { type: 'button', class: 'secondary', id: 'safety-make-plan', onclick: links.plan }, 'Make a safety plan later (with a peer or counselor)')];
  return [
    h('h1', {}, 'You don\u2019t have to carry this alone'),
    ...planParts,
    h('p', {}, 'Some of your answers tell us things are hard right now. Reaching out is a strong move, and help is one tap away.'),
    h('button', { type: 'button', class: 'danger big', onclick: () => document.getElementById('crisis-button')?.click() },
      'Call or text 988 now'),
    h('button', { type: 'button', class: 'primary big', id: 'safety-talk', onclick: links.talk }, 'Talk to a peer now'),
    h('p', {}, 'A professional can help too: your EAP or a counselor who works with first responders. Your coordinator\u2019s directory lists them.'),
    h('button', { type: 'button', class: 'secondary', id: 'safety-calm', onclick: links.calm }, 'Something to do for the next ten minutes'),
    ...offer,
    h('button', { type: 'button', class: 'secondary', id: 'safety-see-score', onclick: showScore }, `See my ${result.score.instrument === 'who5' ? 'result' : 'score'}`),
  ];
}

function scoreView(result: SavedScore, form: Form, links: Links): HTMLElement[] {
  const s = result.score;
  return [
    h('h1', {}, form.title),
    h('p', { class: 'score', id: 'screener-score' }, `${s.total}${s.instrument === 'who5' ? ' %' : ''} \u2014 ${s.band}`),
    h('p', {}, s.interpretation),
    h('p', {}, 'These questions help you notice how you\u2019re doing; they are not a diagnosis. A peer or a professional can talk it through with you.'),
    h('button', { type: 'button', class: 'primary', onclick: links.talk }, 'Talk to a peer'),
    h('button', { type: 'button', class: 'secondary', onclick: links.back }, 'Done'),
    h('p', { class: 'hint' }, form.credit),
  ];
}

/** One questionnaire, then its result. `live` says whether this screen is still the one shown. */
async function take(root: HTMLElement, instrument: Instrument, links: Links, live: () => boolean): Promise<void> {
  const msg = messageArea();
  let form: Form;
  try {
    form = await api.screenerForm(instrument);
  } catch (e) {
    if (live()) mount(root, h('h1', {}, 'Questionnaire'), h('p', {}, describe(toErrorBody(e))));
    return;
  }
  if (!live()) return;
  const answers: (number | null)[] = form.items.map(() => null);
  const items = form.items.map((item, i) =>
    h('fieldset', { class: 'scale item' },
      h('legend', {}, `${i + 1}. ${item.text}`),
      h('div', { class: 'choices' },
        ...item.choices.map((c) => {
          const id = `q${i}-${c.value}`;
          return h('span', { class: 'choice' },
            h('input', { type: 'radio', name: `q${i}`, id, value: c.value, onchange: () => { answers[i] = c.value; } }),
            h('label', { for: id }, c.label));
        }))));
  mount(
    root,
    h('h1', {}, form.title),
    h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
    h('p', {}, form.stem),
    h('form', {
      class: 'stack',
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        const missing = answers.findIndex((a) => a === null);
        if (missing >= 0) {
          msg.textContent = `Please answer question ${missing + 1}.`;
          return;
        }
        try {
          const result = await api.screenerSubmit(instrument, answers as number[]);
          if (!live()) return;
          const showScore = () => mount(root, ...scoreView(result, form, links));
          if (result.score.safety) {
            // The plan is a help, never a gate: if it cannot be read, the screen goes on without it.
            const plan = await api.safetyPlan().catch(() => null);
            if (!live()) return;
            mount(root, ...safety(result, links, showScore, plan));
          }
          else showScore();
        } catch (e) {
          msg.textContent = describe(toErrorBody(e));
        }
      },
    }, ...items, h('button', { type: 'submit', class: 'primary big' }, 'See result'), msg),
    h('p', { class: 'hint' }, form.credit),
  );
}

/** The list of questionnaires; each opens in place, and nothing is drawn after leaving. */
export function screeners(links: Links): Screen {
  let gone = false;
  return {
    mount: (root) => draw(root, links, () => !gone),
    dispose: () => {
      gone = true;
    },
  };
}

function draw(root: HTMLElement, links: Links, live: () => boolean): void {
  mount(
    root,
    h('h1', {}, 'Questionnaires'),
    h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
    h('p', {}, 'Standard questionnaires clinicians use. Your answers stay in your vault on this phone.'),
    h('ul', { class: 'screener-list' },
      ...LIST.map((l) => h('li', {},
        h('button', { type: 'button', class: 'secondary big', 'data-instrument': l.instrument,
          onclick: () => void take(root, l.instrument, links, live) }, l.label),
        h('span', { class: 'hint' }, l.hint)))),
  );
}
