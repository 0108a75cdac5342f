// multi_label: any number of labels between `min` and `max`. Each key toggles its label.
import { h } from '../ui.js';
import { t } from '../i18n.js';
import { hotkeyMap, keyOf, renderChoices } from './choices.js';

export function render(container, question, value, onChange) {
  const { buttons, labels, grid } = renderChoices(container, question, 'multi');
  const max = question.max ?? null;
  const min = question.min ?? 0;
  let current = Array.isArray(value) ? [...value] : [];
  const counter = h('p', { class: 'question-hint muted small', testid: `count-${question.name}` });
  container.append(counter);

  function paint() {
    const chosen = new Set(current.map(keyOf));
    for (const [key, button] of buttons) button.setAttribute('aria-pressed', String(chosen.has(key)));
    const parts = [t('question.selected', { n: current.length })];
    if (min) parts.push(t('question.min', { n: min }));
    if (max !== null) parts.push(t('question.max', { n: max }));
    counter.textContent = parts.join(' · ');
  }

  function toggle(v) {
    const key = keyOf(v);
    const at = current.findIndex((c) => keyOf(c) === key);
    if (at >= 0) current.splice(at, 1);
    else if (max !== null && current.length >= max) {
      counter.classList.remove('flash'); void counter.offsetWidth; counter.classList.add('flash');
      return;
    } else {
      // keep the schema's order, whatever order people click in
      const order = labels.map((l) => keyOf(l.value));
      current.push(v);
      current.sort((a, b) => order.indexOf(keyOf(a)) - order.indexOf(keyOf(b)));
    }
    paint();
    onChange([...current], { advance: false });
  }

  grid.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-value]');
    if (!button) return;
    const label = labels.find((l) => keyOf(l.value) === button.dataset.value);
    if (label) toggle(label.value);
  });

  paint();
  return {
    hotkeys: hotkeyMap(labels, toggle),
    getValue: () => [...current],
    setValue(v) { current = Array.isArray(v) ? [...v] : []; paint(); },
    isEmpty: () => current.length === 0,
    focus() { grid.querySelector('button')?.focus(); },
  };
}
