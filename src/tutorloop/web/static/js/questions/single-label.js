// single_label: exactly one of the labels. Pressing a label's key (or clicking) selects it.
import { hotkeyMap, keyOf, renderChoices } from './choices.js';

export function render(container, question, value, onChange) {
  const { buttons, labels, grid } = renderChoices(container, question, 'single');
  let current = value ?? null;

  function paint() {
    for (const [key, button] of buttons) {
      button.setAttribute('aria-pressed', String(current !== null && keyOf(current) === key));
    }
  }

  function choose(v, { fromKey = false } = {}) {
    current = v;
    paint();
    onChange(current, { advance: fromKey });
  }

  grid.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-value]');
    if (!button) return;
    const label = labels.find((l) => keyOf(l.value) === button.dataset.value);
    if (label) choose(label.value);
  });

  paint();
  return {
    hotkeys: hotkeyMap(labels, (v) => choose(v, { fromKey: true })),
    getValue: () => current,
    setValue(v) { current = v ?? null; paint(); },
    isEmpty: () => current === null || current === undefined,
    focus() { (grid.querySelector('[aria-pressed="true"]') || grid.querySelector('button'))?.focus(); },
  };
}
