// free_text: a text box (multi-line when `multiline`). No hotkeys: keys type text here.
import { h } from '../ui.js';
import { t } from '../i18n.js';

export function render(container, question, value, onChange) {
  const multiline = question.multiline !== false;
  const maxLength = question.max_length ?? null;
  const input = h(multiline ? 'textarea' : 'input', {
    class: 'free-text',
    dir: 'auto',
    rows: multiline ? 3 : null,
    maxlength: maxLength,
    placeholder: question.placeholder || t('question.type_here'),
    'aria-label': question.prompt || question.name,
    testid: `input-${question.name}`,
  });
  input.value = typeof value === 'string' ? value : '';
  const counter = maxLength ? h('p', { class: 'question-hint muted small' }) : null;
  container.append(input);
  if (counter) container.append(counter);

  function paint() {
    if (counter) counter.textContent = t('question.characters', { n: input.value.length, max: maxLength });
  }

  input.addEventListener('input', () => { paint(); onChange(input.value, { advance: false }); });
  paint();
  return {
    hotkeys: new Map(),
    getValue: () => (input.value.trim() === '' ? null : input.value),
    setValue(v) { input.value = typeof v === 'string' ? v : ''; paint(); },
    isEmpty: () => input.value.trim() === '',
    focus() { input.focus(); },
  };
}
