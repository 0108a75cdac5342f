// rating: one whole number from `min` to `max`. Digit keys pick the value with that number.
import { h } from '../ui.js';

export function render(container, question, value, onChange) {
  const min = Number.isInteger(question.min) ? question.min : 1;
  const max = Number.isInteger(question.max) ? question.max : 5;
  const names = question.labels || {};
  let current = Number.isInteger(value) ? value : null;

  const scale = h('div', { class: 'choices choices-rating', role: 'group', 'aria-label': question.prompt || question.name });
  const buttons = new Map();
  for (let n = min; n <= max; n += 1) {
    const hotkey = n >= 0 && n <= 9 ? String(n) : null;
    const caption = names[String(n)];
    const button = h('button', {
      type: 'button', class: 'choice choice-rating', 'aria-pressed': 'false',
      'aria-keyshortcuts': hotkey, dataset: { value: String(n) }, testid: `choice-${question.name}-${n}`,
    },
    h('span', { class: 'rating-number' }, String(n)),
    caption ? h('span', { class: 'rating-caption', dir: 'auto' }, caption) : null);
    buttons.set(n, button);
    scale.append(button);
  }
  container.append(scale);

  function paint() {
    for (const [n, button] of buttons) button.setAttribute('aria-pressed', String(n === current));
  }

  function choose(n, fromKey) {
    current = n;
    paint();
    onChange(current, { advance: fromKey });
  }

  scale.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-value]');
    if (button) choose(Number(button.dataset.value), false);
  });

  const hotkeys = new Map();
  for (let n = Math.max(min, 0); n <= Math.min(max, 9); n += 1) hotkeys.set(String(n), () => choose(n, true));

  paint();
  return {
    hotkeys,
    getValue: () => current,
    setValue(v) { current = Number.isInteger(v) ? v : null; paint(); },
    isEmpty: () => current === null,
    focus() { (scale.querySelector('[aria-pressed="true"]') || scale.querySelector('button'))?.focus(); },
  };
}
