// Shared by single-label and multi-label: a grid of big choice buttons, each showing its hotkey.
import { h } from '../ui.js';

/** Normalised labels: [{value, text, hotkey}] (strings are accepted too, for robustness). */
export function labelsOf(question) {
  const raw = question.labels || [];
  return raw.map((label, i) => (typeof label === 'object' && label !== null
    ? { value: label.value, text: label.text ?? String(label.value), hotkey: label.hotkey ?? null, hint: label.hint || label.description || '' }
    : { value: label, text: String(label), hotkey: i < 9 ? String(i + 1) : null, hint: '' }));
}

/** Render the buttons into `container`; returns {buttons: Map(valueKey → button), labels}. */
export function renderChoices(container, question, kind) {
  const labels = labelsOf(question);
  const grid = h('div', {
    class: `choices choices-${kind}${labels.length > 6 ? ' choices-many' : ''}`,
    role: 'group',
    'aria-label': question.prompt || question.name,
  });
  const buttons = new Map();
  for (const label of labels) {
    const key = keyOf(label.value);
    const button = h('button', {
      type: 'button',
      class: 'choice',
      'aria-pressed': 'false',
      'aria-keyshortcuts': label.hotkey || null,
      title: label.hint || null,
      dataset: { value: key },
      testid: `choice-${question.name}-${key}`,
    },
    label.hotkey ? h('kbd', { class: 'choice-key', 'aria-hidden': 'true' }, label.hotkey.toUpperCase()) : null,
    h('span', { class: 'choice-text', dir: 'auto' }, label.text));
    buttons.set(key, button);
    grid.append(button);
  }
  container.append(grid);
  return { buttons, labels, grid };
}

/** Label values may be strings, numbers or booleans; buttons carry them as strings. */
export function keyOf(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function hotkeyMap(labels, action) {
  const map = new Map();
  for (const label of labels) {
    if (label.hotkey) map.set(String(label.hotkey).toLowerCase(), () => action(label.value));
  }
  return map;
}
