// rewrite: the tutor rewrites one candidate response. A picker chooses the response (letters in the
// person's display order, keys 1–9) unless the question rewrites the first one; the text box starts with the
// response's Markdown source and a live diff below shows what was deleted and inserted. R resets the text
// to the original; Ctrl+Z / Ctrl+Shift+Z undo and redo a pick or a reset (inside the text box the browser's
// own undo works). The answer sent is {response, rewrite}; the server adds the original and the diff.
import { h, page } from '../ui.js';
import { t } from '../i18n.js';
import { shownResponses } from '../responses.js';
import { UndoStack } from './undo.js';
import { wordDiff } from './word-diff.js';

const TYPING_PAUSE = 600; // ms without typing after which the text counts as one undo step

/** "Rewrite: 3 changes". */
export function summary(question, value) {
  if (!value || typeof value !== 'object' || typeof value.rewrite !== 'string') return null;
  const diff = Array.isArray(value.diff) ? value.diff : [];
  const changes = diff.filter((part) => part[0] !== 'equal').length;
  return changes === 1 ? t('rewrite.summary_one') : t('rewrite.summary', { n: changes });
}

export function render(container, question, value, onChange, ctx = {}) {
  const readOnly = Boolean(ctx.readOnly);
  const shown = shownResponses(ctx.item, question.field, page.user?.id);
  const stored = Array.isArray(ctx.item?.data?.[question.field]) ? ctx.item.data[question.field] : [];
  const byId = new Map(shown.map((r) => [r.id, r]));
  const choosing = question.target !== 'first' && shown.length > 1;
  const original = (id) => (byId.get(id)?.content ?? '');
  const startId = (v) => {
    if (v && byId.has(v.response)) return v.response;
    return question.target === 'first' ? stored[0]?.id : shown[0]?.id;
  };
  // the text per response, so switching back and forth keeps what was written
  const state = { response: startId(value), drafts: {} };
  if (value && typeof value.rewrite === 'string' && state.response) state.drafts[state.response] = value.rewrite;
  const textOf = (id) => (id in state.drafts ? state.drafts[id] : original(id));
  const undo = new UndoStack(state, (s) => { Object.assign(state, s); paint({ keepText: false }); changed(); });

  /* ---------- the elements ---------- */
  const picker = h('div', { class: 'rw-picker', role: 'radiogroup', 'aria-label': t('rewrite.pick'), testid: `rewrite-picker-${question.name}` },
    shown.map((r, i) => h('button', {
      type: 'button', class: 'rw-pick', role: 'radio', disabled: readOnly, dataset: { response: r.id },
      'aria-keyshortcuts': i < 9 ? String(i + 1) : null, testid: `rewrite-pick-${question.name}-${r.letter}`,
    }, h('span', { class: 'rw-letter' }, r.letter), i < 9 ? h('kbd', {}, String(i + 1)) : null)));
  const heading = h('p', { class: 'rw-heading small muted', testid: `rewrite-heading-${question.name}` });
  const box = h('textarea', {
    class: 'rw-text', dir: 'auto', rows: '8', readonly: readOnly, maxlength: question.max_length ?? null,
    'aria-label': question.prompt || question.name, testid: `rewrite-text-${question.name}`,
  });
  const reset = h('button', { type: 'button', class: 'btn btn-small', disabled: readOnly, testid: `rewrite-reset-${question.name}` },
    t('rewrite.reset'), ' ', h('kbd', {}, 'R'));
  const stats = h('span', { class: 'rw-stats small muted', 'aria-live': 'polite' });
  const diffView = h('div', { class: 'rw-diff', dir: 'auto', 'aria-label': t('rewrite.diff'), testid: `rewrite-diff-${question.name}` });
  if (choosing) container.append(picker);
  container.append(heading, box, h('div', { class: 'rw-bar' }, reset, stats),
    h('p', { class: 'rw-diff-title small muted' }, t('rewrite.diff')), diffView);
  if (!readOnly) {
    container.append(h('p', { class: 'rw-keys small muted' },
      choosing ? t('rewrite.keys_choose', { n: Math.min(9, shown.length) }) : t('rewrite.keys')));
  }
  if (!shown.length) container.append(h('p', { class: 'muted' }, t('rewrite.no_responses')));

  /* ---------- drawing ---------- */
  let frame = 0;
  function paint({ keepText = true } = {}) {
    for (const button of picker.children) {
      const on = button.dataset.response === state.response;
      button.classList.toggle('is-on', on);
      button.setAttribute('aria-checked', String(on));
    }
    const letter = byId.get(state.response)?.letter ?? '';
    heading.textContent = state.response ? t('rewrite.editing', { letter }) : '';
    if (!keepText) box.value = textOf(state.response);
    scheduleDiff();
  }

  function scheduleDiff() {
    if (frame) return;
    frame = requestAnimationFrame(() => { frame = 0; drawDiff(); });
  }

  function drawDiff() {
    const parts = wordDiff(original(state.response), box.value);
    const fragment = document.createDocumentFragment();
    let inserted = 0;
    let deleted = 0;
    for (const [op, before, after] of parts) {
      if (op === 'equal') { fragment.append(before); continue; }
      if (before) { fragment.append(h('del', { class: 'rw-del' }, before)); deleted += 1; }
      if (after) { fragment.append(h('ins', { class: 'rw-ins' }, after)); inserted += 1; }
    }
    diffView.replaceChildren(fragment);
    const same = box.value === original(state.response);
    stats.textContent = same ? t('rewrite.unchanged') : t('rewrite.stats', { inserted, deleted });
    container.classList.toggle('rw-is-unchanged', same);
  }

  /* ---------- actions ---------- */
  function changed() { onChange(getValue(), { advance: false }); }

  function remember() {
    if (JSON.stringify(state) !== JSON.stringify(undo.current)) undo.push(state);
  }

  /** Typing not yet remembered becomes its own undo step before a pick or a reset. */
  function flushTyping() {
    if (!pause) return;
    clearTimeout(pause);
    pause = 0;
    remember();
  }

  function pick(id) {
    if (readOnly || !byId.has(id) || id === state.response) return;
    flushTyping();
    state.drafts[state.response] = box.value;
    state.response = id;
    paint({ keepText: false });
    remember();
    changed();
  }

  function resetText() {
    if (readOnly || !state.response || box.value === original(state.response)) return;
    flushTyping();
    delete state.drafts[state.response];
    paint({ keepText: false });
    remember();
    changed();
  }

  let pause = 0;
  box.addEventListener('input', () => {
    state.drafts[state.response] = box.value;
    scheduleDiff();
    clearTimeout(pause);
    pause = setTimeout(() => { pause = 0; remember(); }, TYPING_PAUSE);
    changed();
  });
  picker.addEventListener('click', (event) => {
    const button = event.target.closest('[data-response]');
    if (button) pick(button.dataset.response);
  });
  reset.addEventListener('click', resetText);

  function getValue() {
    if (!state.response) return null;
    const text = box.value;
    if (!text.trim() || (text === original(state.response) && !question.allow_unchanged)) return null;
    return { response: state.response, rewrite: text };
  }

  const hotkeys = new Map();
  if (!readOnly) {
    hotkeys.set('r', resetText);
    if (choosing) shown.slice(0, 9).forEach((r, i) => hotkeys.set(String(i + 1), () => pick(r.id)));
  }

  paint({ keepText: false });
  return {
    hotkeys,
    getValue: () => (readOnly ? value ?? null : getValue()),
    setValue(v) {
      state.response = startId(v);
      state.drafts = {};
      if (v && typeof v.rewrite === 'string' && state.response) state.drafts[state.response] = v.rewrite;
      undo.reset(state);
      paint({ keepText: false });
    },
    isEmpty: () => getValue() === null,
    focus() { box.focus({ preventScroll: true }); },
    onKey: (event) => { if (readOnly) return false; flushTyping(); return undo.handleKey(event); },
    destroy() { clearTimeout(pause); if (frame) cancelAnimationFrame(frame); },
  };
}
