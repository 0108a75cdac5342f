// The question registry: question `type` → module with render(container, question, value, onChange).
// A new question type is one new file plus one line here.
import { h } from '../ui.js';
import { t } from '../i18n.js';
import * as singleLabel from './single-label.js';
import * as multiLabel from './multi-label.js';
import * as rating from './rating.js';
import * as freeText from './free-text.js';

export const registry = {
  single_label: singleLabel,
  multi_label: multiLabel,
  rating,
  free_text: freeText,
};

/**
 * Render one question with its prompt and error slot into `container`.
 * Returns the widget ({getValue, setValue, hotkeys, isEmpty, focus}) plus {element, showError(msg)}.
 */
export function renderQuestion(container, question, value, onChange, index = 0) {
  const module = registry[question.type];
  const required = Boolean(question.required);
  const promptId = `tl-q-${question.name}`;
  const element = h('fieldset', {
    class: 'question',
    dataset: { question: question.name, index: String(index) },
    testid: `question-${question.name}`,
    'aria-labelledby': promptId,
  });
  const legend = h('div', { class: 'question-head' },
    h('span', { class: 'question-index', 'aria-hidden': 'true' }, String(index + 1)),
    h('h3', { class: 'question-prompt', id: promptId, dir: 'auto' }, question.prompt || question.name),
    required ? h('span', { class: 'required', title: t('question.required') }, t('question.required_mark')) : null);
  element.append(legend);
  if (question.help) element.append(h('p', { class: 'question-help muted small', dir: 'auto' }, question.help));
  const body = h('div', { class: 'question-body' });
  const error = h('p', { class: 'question-error', role: 'alert', hidden: true, dir: 'auto', testid: `question-error-${question.name}` });
  element.append(body, error);
  container.append(element);

  let widget;
  if (module) {
    widget = module.render(body, question, value, onChange);
  } else {
    body.append(h('p', { class: 'muted' }, t('question.unsupported', { type: question.type })));
    widget = { hotkeys: new Map(), getValue: () => value ?? null, setValue() {}, isEmpty: () => true, focus() {} };
  }
  return {
    ...widget,
    element,
    question,
    showError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      element.classList.toggle('has-error', Boolean(message));
    },
  };
}
