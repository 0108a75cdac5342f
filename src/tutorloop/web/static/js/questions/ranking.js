// ranking: order every candidate response best → worst. The list starts in the person's display order
// (the same letters as the responses above). Keys: 1–9 select a row, [ / Alt+↑ and ] / Alt+↓ move the
// selected row, O keeps the order as it is, N toggles "none is acceptable", Ctrl+Z / Ctrl+Shift+Z undo and
// redo. With the mouse, drag a row by its handle. The answer records `shown`, the order on screen at first.
import { h, page } from '../ui.js';
import { t } from '../i18n.js';
import { shownResponses } from '../responses.js';
import { UndoStack } from './undo.js';

const PREVIEW = 90;

export function render(container, question, value, onChange, ctx = {}) {
  const responses = shownResponses(ctx.item, question.field, page.user ? page.user.id : 0);
  const byId = new Map(responses.map((r) => [r.id, r]));
  const shown = responses.map((r) => r.id);
  const readOnly = Boolean(ctx.readOnly);
  const allowNone = question.none_acceptable !== false;
  let state = fromValue(value);
  let selected = 0;

  function fromValue(v) {
    const order = v && Array.isArray(v.order) && v.order.length === shown.length && v.order.every((id) => byId.has(id))
      ? [...v.order] : [...shown];
    return { order, none: Boolean(v && v.none_acceptable), answered: Boolean(v && Array.isArray(v.order)) };
  }

  const list = h('ol', { class: 'rk-list', role: 'listbox', 'aria-label': question.prompt || question.name, testid: `rk-list-${question.name}` });
  const none = allowNone ? h('label', { class: 'rk-none' },
    h('input', { type: 'checkbox', testid: `rk-none-${question.name}`, disabled: readOnly || null }),
    h('span', {}, t('rk.none_acceptable')), h('kbd', {}, 'N')) : null;
  const keep = h('button', { type: 'button', class: 'btn btn-small rk-keep', 'aria-keyshortcuts': 'O', testid: `rk-keep-${question.name}`, disabled: readOnly || null },
    t('rk.keep'), h('kbd', {}, 'O'));
  const hint = h('p', { class: 'muted small rk-hint' }, t('rk.hint'));
  container.append(list, h('div', { class: 'rk-tools' }, keep, none), hint);

  const undo = new UndoStack(state, (s) => { state = s; paint(); emit(); });

  function getValue() {
    if (!state.answered) return null;
    return { order: [...state.order], none_acceptable: state.none, shown: [...shown] };
  }
  function emit() { onChange(getValue()); }

  function paint() {
    const rows = state.order.map((id, i) => {
      const r = byId.get(id);
      const text = (r.content || '').replace(/\s+/g, ' ').trim();
      return h('li', {
        class: 'rk-row', role: 'option', tabindex: '-1', 'aria-selected': String(i === selected),
        dataset: { id, index: String(i) }, testid: `rk-row-${question.name}-${id}`,
      },
      h('span', { class: 'rk-handle', 'aria-hidden': 'true', title: t('rk.drag') }, '⠿'),
      h('span', { class: 'rk-rank' }, String(i + 1)),
      h('span', { class: 'rk-letter' }, r.letter),
      r.model ? h('span', { class: 'rk-model muted small', dir: 'auto' }, r.model) : null,
      h('span', { class: 'rk-preview', dir: 'auto' }, text.length > PREVIEW ? `${text.slice(0, PREVIEW)}…` : text));
    });
    list.replaceChildren(...rows);
    list.classList.toggle('rk-answered', state.answered);
    if (none) none.querySelector('input').checked = state.none;
  }

  function commit(next) {
    state = { ...next, answered: true };
    undo.push(state);
    paint();
    emit();
  }

  function move(from, to) {
    if (readOnly || to < 0 || to >= state.order.length || from === to) return;
    const order = [...state.order];
    const [id] = order.splice(from, 1);
    order.splice(to, 0, id);
    selected = to;
    commit({ ...state, order });
  }

  function select(i) {
    if (i < 0 || i >= state.order.length) return;
    selected = i;
    for (const row of list.children) row.setAttribute('aria-selected', String(Number(row.dataset.index) === i));
  }

  function toggleNone() {
    if (!readOnly && allowNone) commit({ ...state, none: !state.none });
  }

  // Dragging: rows are measured once at the start, the dragged row follows the pointer, and the order
  // changes once on release (a single undo step).
  let drag = null;
  list.addEventListener('pointerdown', (event) => {
    const row = event.target.closest('li[data-index]');
    if (!row || readOnly || event.button !== 0) return;
    select(Number(row.dataset.index));
    const mids = Array.from(list.children, (li) => { const b = li.getBoundingClientRect(); return b.top + b.height / 2; });
    drag = { from: Number(row.dataset.index), row, startY: event.clientY, mids, to: Number(row.dataset.index) };
    list.setPointerCapture(event.pointerId);
    event.preventDefault();
  });
  list.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const dy = event.clientY - drag.startY;
    drag.row.style.transform = `translateY(${dy}px)`;
    drag.row.classList.add('rk-dragging');
    const y = drag.mids[drag.from] + dy;
    let to = drag.mids.findIndex((mid) => y < mid);
    if (to === -1) to = drag.mids.length - 1;
    else if (to > drag.from) to -= 1;
    drag.to = to;
    for (const li of list.children) li.classList.toggle('rk-drop', Number(li.dataset.index) === to && to !== drag.from);
  });
  const endDrag = () => {
    if (!drag) return;
    const { from, to } = drag;
    drag = null;
    if (from !== to) move(from, to); else paint();
  };
  list.addEventListener('pointerup', endDrag);
  list.addEventListener('pointercancel', () => { drag = null; paint(); });

  if (none) none.querySelector('input').addEventListener('change', () => toggleNone());
  keep.addEventListener('click', () => { if (!readOnly) commit({ ...state }); });

  const hotkeys = new Map();
  if (!readOnly) {
    for (let i = 0; i < Math.min(9, shown.length); i += 1) hotkeys.set(String(i + 1), () => select(i));
    hotkeys.set('[', () => move(selected, selected - 1));
    hotkeys.set(']', () => move(selected, selected + 1));
    hotkeys.set('o', () => commit({ ...state }));
    if (allowNone) hotkeys.set('n', () => toggleNone());
  }

  paint();
  return {
    hotkeys,
    getValue,
    setValue(v) { state = fromValue(v); undo.reset(state); paint(); },
    isEmpty: () => !state.answered,
    focus() { list.children[selected]?.focus(); },
    onKey(event) {
      if (readOnly) return false;
      if (undo.handleKey(event)) return true;
      if (event.altKey && !event.ctrlKey && !event.metaKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
        move(selected, selected + (event.key === 'ArrowUp' ? -1 : 1));
        return true;
      }
      return false;
    },
    destroy() { drag = null; },
  };
}

/** A short text for lists: how many responses were ranked, and whether none was acceptable. */
export function summary(question, value) {
  if (!value || !Array.isArray(value.order)) return null;
  return value.none_acceptable ? t('rk.summary_none', { n: value.order.length }) : t('rk.summary', { n: value.order.length });
}
