// Settings for the officer's own records: the daily reminder, exports for a clinician, and
// the encrypted backup with its restore. Files are chosen in the system dialog, which the
// Rust side opens; this screen never names a path.
import { api } from '../api';
import type { ReminderTime, RestoreMode } from '../bindings';
import { h, messageArea } from '../dom';
import { describe, toErrorBody } from '../errors';

const MIN_BACKUP_PASSPHRASE = 10;

/** "20:30" for the time input, and back. */
export function timeText(t: ReminderTime): string {
  return `${String(t.hour).padStart(2, '0')}:${String(t.minute).padStart(2, '0')}`;
}

export function parseTime(s: string): ReminderTime | null {
  const m = /^(\d{2}):(\d{2})$/.exec(s);
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  return hour < 24 && minute < 60 ? { hour, minute } : null;
}

export function reminderSection(): HTMLElement {
  const msg = messageArea();
  const on = h('input', { type: 'checkbox', id: 'reminder-on' });
  const time = h('input', { type: 'time', id: 'reminder-time', value: '20:00' });
  const save = async () => {
    const at = on.checked ? parseTime(time.value) : null;
    if (on.checked && !at) {
      msg.textContent = 'Choose a time for the reminder.';
      return;
    }
    try {
      const set = await api.reminderSet(at);
      msg.textContent = set ? `A reminder will come each day at ${timeText(set)}.` : 'Reminders are off.';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  on.addEventListener('change', () => void save());
  time.addEventListener('change', () => {
    if (on.checked) void save();
  });
  void api.reminderGet().then(
    (at) => {
      on.checked = at !== null;
      if (at) time.value = timeText(at);
    },
    (e) => (msg.textContent = describe(toErrorBody(e))),
  );
  return h('section', { 'aria-labelledby': 'reminder-h' },
    h('h2', { id: 'reminder-h' }, 'Daily reminder'),
    h('p', {}, 'A gentle nudge to check in. It only ever says \u201cTime for your check-in\u201d \u2014 never a score or a note. No reminder comes on a day you have already checked in.'),
    h('span', { class: 'chip' }, on, h('label', { for: 'reminder-on' }, 'Remind me each day')),
    h('label', { for: 'reminder-time' }, 'At'),
    time,
    msg,
  );
}

export function exportSection(): HTMLElement {
  const msg = messageArea();
  const notes = h('input', { type: 'checkbox', id: 'export-notes' });
  const run = async (format: 'csv' | 'summary') => {
    msg.textContent = 'Choose where to save it\u2026';
    try {
      const bytes = await api.exportSave(format, { include_notes: notes.checked });
      msg.textContent = bytes === null
        ? 'Nothing was saved.'
        : format === 'summary'
          ? 'Saved. Open it in a browser and print it, or save it as PDF.'
          : 'Saved.';
    } catch (e) {
      msg.textContent = describe(toErrorBody(e));
    }
  };
  return h('section', { 'aria-labelledby': 'export-h' },
    h('h2', { id: 'export-h' }, 'Share with your clinician'),
    h('p', {}, 'Save your check-ins and questionnaire results to a file you choose, to bring to a counselor or doctor. Peerline sends it nowhere.'),
    h('span', { class: 'chip' }, notes, h('label', { for: 'export-notes' }, 'Include my private notes')),
    h('div', { class: 'stack' },
      h('button', { type: 'button', class: 'secondary', id: 'export-summary', onclick: () => void run('summary') }, 'Save a one-page summary'),
      h('button', { type: 'button', class: 'secondary', id: 'export-csv', onclick: () => void run('csv') }, 'Save a spreadsheet (CSV)'),
    ),
    msg,
  );
}

function passphraseField(id: string, label: string): { element: HTMLElement; input: HTMLInputElement } {
  const input = h('input', { type: 'password', id, autocomplete: 'new-password', minlength: MIN_BACKUP_PASSPHRASE });
  return { element: h('div', { class: 'stack' }, h('label', { for: id }, label), input), input };
}

export function backupSection(): HTMLElement {
  const saveMsg = messageArea();
  const first = passphraseField('backup-pass', `Backup passphrase (at least ${MIN_BACKUP_PASSPHRASE} characters)`);
  const again = passphraseField('backup-pass-again', 'The same passphrase again');
  const saveForm = h('form', {
    class: 'stack',
    onsubmit: async (ev: Event) => {
      ev.preventDefault();
      if (first.input.value.length < MIN_BACKUP_PASSPHRASE) {
        saveMsg.textContent = `Choose a passphrase of at least ${MIN_BACKUP_PASSPHRASE} characters.`;
        return;
      }
      if (first.input.value !== again.input.value) {
        saveMsg.textContent = 'The two passphrases differ. Type them again.';
        return;
      }
      saveMsg.textContent = 'Choose where to save it\u2026';
      try {
        const report = await api.backupSave(first.input.value);
        saveMsg.textContent = report === null
          ? 'Nothing was saved.'
          : `Backup saved: ${report.checkins} check-ins and ${report.screeners} questionnaire results. Keep the passphrase safe; without it the file cannot be opened.`;
        if (report) first.input.value = again.input.value = '';
      } catch (e) {
        saveMsg.textContent = describe(toErrorBody(e));
      }
    },
  }, first.element, again.element, h('button', { type: 'submit', class: 'primary', id: 'backup-save' }, 'Save encrypted backup'), saveMsg);

  const restoreMsg = messageArea();
  const chosen = h('p', { class: 'hint', id: 'backup-chosen' }, 'No file chosen.');
  const pass = passphraseField('restore-pass', 'The backup\u2019s passphrase');
  const choice = h('div', { class: 'confirm', hidden: true, role: 'alertdialog', 'aria-labelledby': 'restore-q' });
  const restore = async (mode: RestoreMode) => {
    restoreMsg.textContent = 'Restoring\u2026';
    choice.hidden = true;
    try {
      const r = await api.backupRestore(pass.input.value, mode);
      pass.input.value = '';
      restoreMsg.textContent = `Restored: the backup held ${r.checkins} check-ins and ${r.screeners} questionnaire results.`;
    } catch (e) {
      const body = toErrorBody(e);
      if (body.code === 'RESTORE_NEEDS_CHOICE') {
        restoreMsg.textContent = '';
        choice.replaceChildren(
          h('p', { id: 'restore-q' }, body.message),
          h('button', { type: 'button', class: 'primary', id: 'restore-add', onclick: () => void restore('add') }, 'Add the backup to what is here'),
          h('button', { type: 'button', class: 'danger', id: 'restore-replace', onclick: () => void restore('replace') }, 'Replace everything here with the backup'),
          h('button', { type: 'button', class: 'secondary', onclick: () => { choice.hidden = true; restoreMsg.textContent = 'Nothing was changed.'; } }, 'Cancel'),
        );
        choice.hidden = false;
        choice.querySelector('button')?.focus();
        return;
      }
      restoreMsg.textContent = describe(body);
    }
  };
  const restoreForm = h('form', {
    class: 'stack',
    onsubmit: (ev: Event) => {
      ev.preventDefault();
      void restore('ask');
    },
  },
    h('button', {
      type: 'button',
      class: 'secondary',
      id: 'backup-choose',
      onclick: async () => {
        try {
          const name = await api.backupChoose();
          if (name !== null) chosen.textContent = `Chosen: ${name}`;
        } catch (e) {
          restoreMsg.textContent = describe(toErrorBody(e));
        }
      },
    }, 'Choose backup file\u2026'),
    chosen,
    pass.element,
    h('button', { type: 'submit', class: 'primary', id: 'backup-restore' }, 'Restore'),
    choice,
    restoreMsg,
  );

  return h('section', { 'aria-labelledby': 'backup-h' },
    h('h2', { id: 'backup-h' }, 'Backup'),
    h('p', {}, 'An encrypted copy of everything in your vault, locked with a passphrase you choose. Keep it somewhere only you can reach.'),
    saveForm,
    h('h3', {}, 'Restore from a backup'),
    h('p', {}, 'If this phone already holds check-ins, you will be asked whether to add the backup to them or to replace them.'),
    restoreForm,
  );
}
