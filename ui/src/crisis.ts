// The crisis sheet: reachable from every screen, locked or not, because it shows nothing
// private. Only national lines that were checked are listed here; the full directory is
// its own screen.
import { openUrl } from '@tauri-apps/plugin-opener';
import { h } from './dom';

interface Line {
  label: string;
  detail: string;
  url: string;
}

const LINES: Line[] = [
  { label: 'Call 988', detail: 'Suicide & Crisis Lifeline, 24/7', url: 'tel:988' },
  { label: 'Text 988', detail: 'Suicide & Crisis Lifeline by text, 24/7', url: 'sms:988' },
  { label: 'Call 911', detail: 'If you or someone is in immediate danger', url: 'tel:911' },
];

async function open(url: string, status: HTMLElement): Promise<void> {
  try {
    await openUrl(url);
  } catch {
    status.textContent = `Could not open that from here. Dial ${url.replace(/^\w+:/, '')} on your phone.`;
  }
}

export function setUpCrisisButton(): void {
  const button = document.getElementById('crisis-button');
  const dialog = document.getElementById('crisis-dialog') as HTMLDialogElement | null;
  if (!button || !dialog) return;
  const status = h('p', { class: 'message', role: 'status' });
  dialog.replaceChildren(
    h('h2', { id: 'crisis-title' }, 'Help right now'),
    h(
      'p',
      {},
      'You do not have to carry this alone. These lines answer 24/7 and are confidential.',
    ),
    h(
      'ul',
      { class: 'crisis-lines' },
      ...LINES.map((line) =>
        h(
          'li',
          {},
          h(
            'button',
            { type: 'button', class: 'big', onclick: () => void open(line.url, status) },
            line.label,
          ),
          h('span', { class: 'detail' }, line.detail),
        ),
      ),
    ),
    h('p', { class: 'detail' }, 'Veterans: call 988 and press 1.'),
    status,
    h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Close'),
  );
  button.addEventListener('click', () => dialog.showModal());
}
