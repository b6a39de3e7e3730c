import { h } from '../dom';

let counter = 0;

/** A new-passcode field with its confirmation, and validation that says what to fix. */
export function passcodeFields(min: number, label = 'New passcode') {
  const id = `pc-${++counter}`;
  const input = h('input', {
    id,
    type: 'password',
    autocomplete: 'new-password',
    minlength: min,
    required: true,
    'aria-describedby': `${id}-hint`,
  });
  const confirm = h('input', { id: `${id}-again`, type: 'password', autocomplete: 'new-password', required: true });
  const element = h(
    'div',
    { class: 'stack' },
    h('label', { for: id }, label),
    input,
    h('p', { id: `${id}-hint`, class: 'hint' }, `At least ${min} characters.`),
    h('label', { for: `${id}-again` }, 'Type it again'),
    confirm,
  );
  return {
    element,
    value(): { passcode: string } | { error: string } {
      if ([...input.value].length < min) return { error: `Choose a passcode of at least ${min} characters.` };
      if (input.value !== confirm.value) return { error: 'The two passcodes are not the same.' };
      return { passcode: input.value };
    },
    clear(): void {
      input.value = '';
      confirm.value = '';
    },
  };
}

/** A field for an existing passcode. */
export function currentPasscodeField(label = 'Current passcode') {
  const id = `pc-${++counter}`;
  const input = h('input', { id, type: 'password', autocomplete: 'current-password', required: true });
  return { element: h('div', { class: 'stack' }, h('label', { for: id }, label), input), input };
}
