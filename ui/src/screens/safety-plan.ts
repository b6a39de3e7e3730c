// "My safety plan": the six steps of the Stanley–Brown Safety Planning Intervention in the
// officer's own words, each person or agency one tap to call or text, and the one thing that
// matters most. Shown first when it is needed; edited when there is calm to do it.
import { api } from '../api';
import type { ContactCard, PlanContact, PlanView, SafetyPlan } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import { actionRow } from '../help-card';
import type { Screen } from '../screen';

/** The lethal-means words, for officers, and where they come from. */
export const MEANS_ADVICE = [
  'Putting time and distance between yourself and a firearm during a hard stretch saves lives. It is not about your fitness for duty; it is what you would advise a partner to do.',
  'Ways officers do it: leave your service weapon secured at the station; ask someone you trust to hold your personal firearms for a while, or store them locked with the key or code kept by someone else; take the ammunition somewhere else.',
  'The same goes for other means: medicines you do not need, alcohol in the house.',
];
export const MEANS_SOURCE = 'After the lethal-means counselling guidance of CALM (Counseling on Access to Lethal Means), Suicide Prevention Resource Center.';

interface Step {
  key: keyof Omit<SafetyPlan, 'reason'>;
  title: string;
  hint: string;
  contacts: boolean;
}

const STEPS: Step[] = [
  { key: 'warning_signs', title: '1. Warning signs', hint: 'Thoughts, moods, situations that tell me a crisis may be coming.', contacts: false },
  { key: 'coping', title: '2. Things I can do on my own', hint: 'To take my mind off things without contacting anyone.', contacts: false },
  { key: 'distractions', title: '3. People and places that take my mind off things', hint: 'Someone to be around, somewhere to go.', contacts: true },
  { key: 'helpers', title: '4. People I can ask for help', hint: 'People I can tell how I am doing.', contacts: true },
  { key: 'professionals', title: '5. Professionals and agencies', hint: 'Counselors, EAP, chaplain, crisis lines (988 is always there).', contacts: true },
  { key: 'safe_environment', title: '6. Making my surroundings safe', hint: 'What I will do about firearms and other means while things are hard.', contacts: false },
];

const CARD_KEYS = { distractions: 'distractions', helpers: 'helpers', professionals: 'professionals' } as const;

/** The plan, read-only, every contact one tap away. */
export function planSteps(v: PlanView, status: HTMLElement): HTMLElement {
  const parts: HTMLElement[] = [];
  for (const step of STEPS) {
    const body: HTMLElement[] = [];
    if (step.contacts) {
      const cards: ContactCard[] = v[CARD_KEYS[step.key as keyof typeof CARD_KEYS]];
      body.push(...cards.map((c, i) => h('div', { class: 'plan-contact' },
        h('p', {}, c.contact.name || c.contact.phone || ''),
        c.actions.length ? actionRow(c.actions, `${step.key}-${i}`, status, 'plan') : null)));
    } else {
      const lines = v.plan[step.key] as string[];
      if (lines.length) body.push(h('ul', {}, ...lines.map((l) => h('li', {}, l))));
    }
    if (body.length === 0) continue;
    parts.push(h('section', { class: 'plan-step', 'aria-labelledby': `plan-${step.key}` }, h('h2', { id: `plan-${step.key}` }, step.title), ...body));
  }
  if (v.plan.reason) {
    parts.push(h('section', { class: 'plan-step', 'aria-labelledby': 'plan-reason' }, h('h2', { id: 'plan-reason' }, 'What matters most to me'), h('p', { class: 'plan-reason' }, v.plan.reason)));
  }
  return h('div', { class: 'stack', id: 'plan-steps' }, ...parts);
}

function linesField(id: string, label: string, hint: string, value: string[]): [HTMLElement, () => string[]] {
  const area = h('textarea', { id, rows: 3, 'aria-describedby': `${id}-hint` });
  area.value = value.join('\n');
  return [h('div', { class: 'stack' }, h('label', { for: id }, label), h('p', { class: 'hint', id: `${id}-hint` }, `${hint} One per line.`), area),
    () => area.value.split('\n').map((l) => l.trim()).filter((l) => l !== '')];
}

function contactsField(id: string, label: string, hint: string, value: PlanContact[]): [HTMLElement, () => PlanContact[]] {
  const rows = h('div', { class: 'stack' });
  const add = (c: PlanContact) => {
    const n = rows.children.length;
    const name = h('input', { id: `${id}-name-${n}`, type: 'text', value: c.name, autocomplete: 'off' });
    const phone = h('input', { id: `${id}-phone-${n}`, type: 'tel', value: c.phone ?? '', inputmode: 'tel', autocomplete: 'off' });
    rows.append(h('div', { class: 'plan-contact-row' },
      h('label', { for: name.id }, 'Name or place'), name,
      h('label', { for: phone.id }, 'Phone (optional)'), phone));
  };
  for (const c of value) add(c);
  add({ name: '', phone: null });
  const more = h('button', { type: 'button', class: 'secondary', onclick: () => add({ name: '', phone: null }) }, 'Add another');
  const extra = id === 'edit-professionals' ? [directoryPicker(id, (c) => {
    // Fill the empty row left at the end, then offer a new empty one.
    const rowsNow = [...rows.querySelectorAll<HTMLElement>('.plan-contact-row')];
    const last = rowsNow[rowsNow.length - 1];
    const [name, phone] = last ? [...last.querySelectorAll('input')] : [];
    if (name && phone && name.value === '' && phone.value === '') {
      name.value = c.name;
      phone.value = c.phone ?? '';
    } else {
      add(c);
    }
    add({ name: '', phone: null });
  })] : [];
  const read = () => [...rows.querySelectorAll<HTMLElement>('.plan-contact-row')].map((row) => {
    const [name, phone] = [...row.querySelectorAll('input')];
    return { name: name.value.trim(), phone: phone.value.trim() === '' ? null : phone.value.trim() };
  }).filter((c) => c.name !== '' || c.phone !== null);
  return [h('fieldset', { class: 'plan-contacts' }, h('legend', {}, label), h('p', { class: 'hint' }, hint), rows, more, ...extra), read];
}

/** Picks professionals and crisis lines from the directory (the built-in lines and the
 * agency's list, searched on this device) into step 5. */
function directoryPicker(id: string, pick: (c: PlanContact) => void): HTMLElement {
  const input = h('input', { id: `${id}-search`, type: 'search', autocomplete: 'off', placeholder: 'EAP, chaplain, trauma counselor, 988\u2026' });
  const results = h('ul', { class: 'stack plain', id: `${id}-results`, 'aria-live': 'polite' });
  const search = async () => {
    try {
      const hits = await api.directorySearch({
        text: input.value, kinds: [], specialty: null, first_responder_competent: false, telehealth: false,
        language: null, cost: null, always_open: false, region: null, origin: null, limit: 8,
      });
      results.replaceChildren(...hits.map((hit) => {
        const e = hit.entry;
        const phone = e.phone ?? e.sms;
        return h('li', {}, h('button', {
          type: 'button',
          class: 'secondary',
          onclick: () => pick({ name: e.name, phone }),
        }, `Add ${e.name}${phone ? ` (${phone})` : ''}`));
      }));
      if (hits.length === 0) results.replaceChildren(h('li', {}, 'Nothing found. Try other words, or type the name and number above.'));
    } catch (e) {
      results.replaceChildren(h('li', {}, describe(toErrorBody(e))));
    }
  };
  input.addEventListener('keydown', (ev: KeyboardEvent) => {
    // Enter searches here; it must not save the plan half-written.
    if (ev.key === 'Enter') {
      ev.preventDefault();
      void search();
    }
  });
  return h('details', { class: 'plan-picker' },
    h('summary', {}, 'Add from the directory'),
    h('div', { class: 'stack' },
      h('label', { for: input.id }, 'Search counselors, EAP, chaplains, crisis lines'),
      input,
      h('button', { type: 'button', class: 'secondary', id: `${id}-search-go`, onclick: () => void search() }, 'Search'),
      results));
}

/** Edits the plan; `saved` gets what core kept (or null when it was emptied). */
function editor(v: PlanView | null, saved: (p: PlanView | null) => void, cancel: () => void): HTMLElement {
  const plan: SafetyPlan = v?.plan ?? { warning_signs: [], coping: [], distractions: [], helpers: [], professionals: [{ name: '988 Suicide & Crisis Lifeline', phone: '988' }], safe_environment: [], reason: null };
  const msg = messageArea();
  const readers: Record<string, () => unknown> = {};
  const fields: HTMLElement[] = [];
  for (const step of STEPS) {
    const id = `edit-${step.key}`;
    const [el, read] = step.contacts
      ? contactsField(id, step.title, step.hint, plan[step.key] as PlanContact[])
      : linesField(id, step.title, step.hint, plan[step.key] as string[]);
    readers[step.key] = read;
    fields.push(el);
    if (step.key === 'safe_environment') {
      fields.push(h('details', {}, h('summary', {}, 'About firearms and other means'),
        h('div', { class: 'stack' }, ...MEANS_ADVICE.map((p) => h('p', {}, p)), h('p', { class: 'hint' }, MEANS_SOURCE))));
    }
  }
  const reason = h('textarea', { id: 'edit-reason', rows: 2 });
  reason.value = plan.reason ?? '';
  return h('form', {
    class: 'stack',
    'aria-label': 'Edit my safety plan',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      const next: SafetyPlan = {
        warning_signs: readers.warning_signs() as string[],
        coping: readers.coping() as string[],
        distractions: readers.distractions() as PlanContact[],
        helpers: readers.helpers() as PlanContact[],
        professionals: readers.professionals() as PlanContact[],
        safe_environment: readers.safe_environment() as string[],
        reason: reason.value.trim() === '' ? null : reason.value,
      };
      try {
        saved(await api.safetyPlanSave(next));
      } catch (e) {
        msg.textContent = describe(toErrorBody(e));
      }
    },
  },
  h('p', { class: 'hint' }, 'In your own words. It stays in your encrypted vault on this phone (and in your backups). Many people write it with a peer or a counselor.'),
  ...fields,
  h('label', { for: 'edit-reason' }, 'What matters most to me'), reason,
  msg,
  h('button', { type: 'submit', class: 'primary', id: 'plan-save' }, 'Save my plan'),
  h('button', { type: 'button', class: 'secondary', onclick: cancel }, 'Cancel'));
}

/** "Keep my plan readable while Peerline is locked", with what that means. */
function lockedChoice(status: HTMLElement): HTMLElement {
  const box = h('input', { type: 'checkbox', id: 'plan-when-locked', 'aria-describedby': 'plan-when-locked-hint' });
  box.disabled = true;
  void api.safetyPlanLockedGet().then((on) => {
    box.checked = on;
    box.disabled = false;
  }).catch((e) => {
    status.textContent = describe(toErrorBody(e));
  });
  box.addEventListener('change', async () => {
    const on = box.checked;
    try {
      await api.safetyPlanLockedSet(on);
      status.textContent = on
        ? 'Your plan can now be read from the lock screen and the crisis sheet.'
        : 'Your plan opens only after you unlock again; the copy outside the vault is deleted.';
    } catch (e) {
      box.checked = !on;
      status.textContent = describe(toErrorBody(e));
    }
  });
  return h('div', { class: 'stack' },
    h('span', { class: 'chip' }, box, h('label', { for: 'plan-when-locked' }, 'Keep my plan readable while Peerline is locked')),
    h('p', { class: 'hint', id: 'plan-when-locked-hint' }, 'For a moment when a passcode is too much. What it means: a copy of the plan is kept outside your encrypted vault on this device, so anyone holding the phone, or reading its files, can read it without your passcode. Your check-ins and everything else stay locked.'));
}

/** The plan as a locked app shows it: the copy the officer chose to keep, or where it is. */
export function lockedPlan(links: { back: () => void }): Screen {
  let gone = false;
  return {
    async mount(root) {
      const status = messageArea();
      const v = await api.safetyPlanWhileLocked().catch(() => null);
      if (gone) return;
      const back = h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back');
      const call988 = h('button', { type: 'button', class: 'danger', onclick: () => document.getElementById('crisis-button')?.click() }, 'Call or text 988 now');
      if (!v) {
        mount(root, h('h1', {}, 'My safety plan'), back,
          h('p', {}, 'Your safety plan opens after you unlock Peerline. On its page you can choose to keep it readable while locked.'),
          call988);
        return;
      }
      mount(root, h('h1', {}, 'My safety plan'), back,
        h('p', { class: 'hint' }, 'Shown while Peerline is locked because you chose that.'),
        planSteps(v, status), status, call988);
    },
    dispose() {
      gone = true;
    },
  };
}

/** The safety plan page. */
export function safetyPlan(links: { back: () => void }): Screen {
  let gone = false;
  return {
    async mount(root) {
      const status = messageArea();
      const show = (v: PlanView | null) => {
        if (gone) return;
        if (v === null) {
          mount(root,
            h('h1', {}, 'My safety plan'),
            h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
            h('p', {}, 'A safety plan is a short list, in your own words, of what to do when things get bad: the signs, what helps, who to call. It takes about 20 minutes, and it is easier to write with a peer or a counselor.'),
            h('button', { type: 'button', class: 'primary', id: 'plan-start', onclick: () => edit(null) }, 'Write my plan'),
            h('button', { type: 'button', class: 'danger', onclick: () => document.getElementById('crisis-button')?.click() }, 'Call or text 988 now'),
            h('p', { class: 'hint' }, 'After the Stanley\u2013Brown Safety Planning Intervention (Stanley & Brown, 2012).'));
          return;
        }
        mount(root,
          h('h1', {}, 'My safety plan'),
          h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'),
          planSteps(v, status),
          status,
          h('div', { class: 'row' },
            h('button', { type: 'button', class: 'secondary', id: 'plan-edit', onclick: () => edit(v) }, 'Change my plan'),
            h('button', { type: 'button', class: 'secondary', onclick: () => window.print() }, 'Print')),
          h('p', { class: 'hint' }, 'A printed copy is outside the app\u2019s protection: keep it somewhere private, like your wallet.'),
          lockedChoice(status),
          h('p', { class: 'hint' }, `Last changed ${new Date(v.updated_at_utc).toLocaleDateString()}. After the Stanley\u2013Brown Safety Planning Intervention (Stanley & Brown, 2012).`));
      };
      const edit = (v: PlanView | null) => {
        mount(root,
          h('h1', {}, v ? 'Change my safety plan' : 'Write my safety plan'),
          editor(v, show, () => show(v)));
      };
      try {
        show(await api.safetyPlan());
      } catch (e) {
        mount(root, h('h1', {}, 'My safety plan'), h('p', { class: 'message', role: 'alert' }, describe(toErrorBody(e))),
          h('button', { type: 'button', class: 'secondary back', onclick: links.back }, '\u2190 Back'));
      }
    },
    dispose() {
      gone = true;
    },
  };
}
