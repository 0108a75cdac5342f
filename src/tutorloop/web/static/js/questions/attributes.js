// The attribute editor of one object (a span, a shape, a track): the question's `attributes` that apply
// to the object's label, as selects, checkboxes, text and number inputs.
import { h } from '../ui.js';

/** The attribute specs of `question` that apply to objects labelled `label`. */
export function attributesFor(question, label) {
  return (question.attributes || []).filter((a) => !a.labels || !a.labels.length || a.labels.includes(label));
}

/**
 * Render the editor for `values` (an object's attributes) into a new element; `onChange(newValues)` runs
 * after every edit. Returns null when no attribute applies.
 */
export function attributeEditor(question, label, values, onChange, { readOnly = false, testid = 'attributes' } = {}) {
  const specs = attributesFor(question, label);
  if (!specs.length) return null;
  const current = { ...(values || {}) };
  const box = h('div', { class: 'object-attributes', testid });
  const set = (name, value) => {
    if (value === '' || value === null || value === undefined) delete current[name];
    else current[name] = value;
    onChange({ ...current });
  };
  for (const spec of specs) {
    const id = `tl-attr-${question.name}-${spec.name}-${Math.random().toString(36).slice(2, 8)}`;
    let input;
    if (spec.type === 'choice') {
      input = h('select', { id, disabled: readOnly, dataset: { attribute: spec.name } },
        h('option', { value: '' }, '–'),
        spec.options.map((option) => h('option', { value: option, selected: current[spec.name] === option }, option)));
      input.addEventListener('change', () => set(spec.name, input.value));
    } else if (spec.type === 'boolean') {
      input = h('input', { id, type: 'checkbox', disabled: readOnly, dataset: { attribute: spec.name } });
      input.checked = current[spec.name] === true;
      input.addEventListener('change', () => set(spec.name, input.checked));
    } else {
      input = h('input', {
        id, type: spec.type === 'number' ? 'number' : 'text', disabled: readOnly, dir: 'auto',
        step: spec.type === 'number' ? 'any' : null, dataset: { attribute: spec.name },
      });
      input.value = current[spec.name] ?? '';
      input.addEventListener('change', () => set(spec.name, spec.type === 'number' && input.value !== '' ? Number(input.value) : input.value));
    }
    box.append(h('label', { class: 'object-attribute', for: id },
      h('span', { class: 'small', dir: 'auto' }, spec.text || spec.name, spec.required ? ' *' : ''), input));
  }
  return box;
}
