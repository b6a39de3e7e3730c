import { api } from '../api';
import type { VaultStatus } from '../bindings';
import { h, messageArea, mount } from '../dom';
import { describe, toErrorBody } from '../errors';
import type { Screen } from '../screen';
import { currentPasscodeField } from './passcode';
import { eraseButton } from './erase';

type LockedStatus = Extract<VaultStatus, { state: 'locked' }>;

/** The pages a locked app can open: they need no vault. */
export type LockedPage = 'calm' | 'safety-plan';

export function unlock(status: LockedStatus, show: (s: VaultStatus) => void, open: (page: LockedPage) => void): Screen {
  let stop = (): void => undefined;
  return {
    mount: (root) => {
      stop = draw(root, status, show);
      root.append(rightNow(open));
    },
    dispose: () => stop(),
  };
}

/** Returns what stops the countdown after too many wrong passcodes. */
function draw(root: HTMLElement, status: LockedStatus, show: (s: VaultStatus) => void): () => void {
  const msg = messageArea();
  const field = currentPasscodeField('Passcode');
  const submit = h('button', { type: 'submit', class: 'primary big' }, 'Unlock');
  let timer: number | undefined;

  const wait = (secs: number): void => {
    submit.setAttribute('disabled', '');
    let left = secs;
    const tickText = () => {
      msg.textContent = `Too many wrong passcodes. Try again in ${left} s.`;
    };
    tickText();
    window.clearInterval(timer);
    timer = window.setInterval(() => {
      left -= 1;
      if (left <= 0) {
        window.clearInterval(timer);
        submit.removeAttribute('disabled');
        msg.textContent = '';
      } else {
        tickText();
      }
    }, 1000);
  };

  const attempt = async (): Promise<void> => {
    msg.textContent = 'Checking…';
    submit.setAttribute('disabled', '');
    try {
      const next = await api.unlock(field.input.value);
      window.clearInterval(timer);
      show(next);
    } catch (e) {
      const body = toErrorBody(e);
      field.input.value = '';
      field.input.focus();
      submit.removeAttribute('disabled');
      if (body.retry_after_secs) wait(body.retry_after_secs);
      else msg.textContent = describe(body);
    }
  };

  mount(
    root,
    h('h1', {}, 'Peerline is locked'),
    h('p', {}, status.reason === 'passcode_custody'
      ? 'Enter your passcode to open your vault.'
      : 'Enter your passcode to open the app.'),
    h(
      'form',
      {
        class: 'stack',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          void attempt();
        },
      },
      field.element,
      submit,
      msg,
    ),
    h('details', { class: 'forgot' },
      h('summary', {}, 'Forgot your passcode?'),
      h('p', {}, 'The passcode cannot be recovered — that is what keeps your vault private. You can erase everything on this device and start again.'),
      eraseButton(show),
    ),
  );
  if (status.retry_after_secs) wait(status.retry_after_secs);
  return () => window.clearInterval(timer);
}

/** Something to do now without unlocking: the next ten minutes, and the plan when the
 * officer chose to keep it readable while locked. */
function rightNow(open: (page: LockedPage) => void): HTMLElement {
  const plan = h('button', { type: 'button', class: 'secondary', id: 'locked-plan', hidden: true, onclick: () => open('safety-plan') }, 'My safety plan');
  void api.safetyPlanWhileLocked().then((v) => {
    plan.hidden = v === null;
  }).catch(() => undefined);
  return h('section', { class: 'stack', 'aria-labelledby': 'right-now-h' },
    h('h2', { id: 'right-now-h' }, 'Need something right now?'),
    h('button', { type: 'button', class: 'secondary', id: 'locked-calm', onclick: () => open('calm') }, 'Breathe, ground, relax'),
    plan);
}
