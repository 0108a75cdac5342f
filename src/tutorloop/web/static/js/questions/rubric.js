// rubric: placeholder until the component lands; shows the answer as JSON and keeps it unchanged.
import { h } from '../ui.js';

export function render(container, question, value) {
  container.append(h('pre', { class: 'field-json' }, value === undefined ? '' : JSON.stringify(value, null, 2)));
  return { hotkeys: new Map(), getValue: () => value ?? null, setValue() {}, isEmpty: () => value == null, focus() {} };
}
