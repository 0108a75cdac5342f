// pairwise: which of two responses is better, and by how much. The two are shown as their letters (the
// full responses are already on screen above, in the same per-person order) on the left and right.
// Keys: 1 / ← left better, 2 / → right better (press again: much better, up to 3), 3 / T tie, 4 both bad,
// R writes a rationale, Ctrl+Z / Ctrl+Shift+Z undo and redo.
//
// The answer names responses by stored order, not by screen side: a = the pair's first response in the
// item, b = the second; `shown` records [left id, right id] so position bias can be measured.
import { h, page } from '../ui.js';
import { t } from '../i18n.js';
import { shownResponses } from '../responses.js';
import { UndoStack } from './undo.js';

const SIGN = { a: -1, b: 1, tie: 0, both_bad: 0 };
const STRENGTH_KEYS = ['pw.strength_1', 'pw.strength_2', 'pw.strength_3'];

/** The compared responses: {a, b} (stored order) and {left, right} (screen order), or null. */
export function comparedPair(item, question, userId) {
  const stored = item && item.data && Array.isArray(item.data[question.field]) ? item.data[question.field] : [];
  const storedIds = stored.map((r) => r.id);
  const wanted = Array.isArray(question.pair) && question.pair.length === 2
    ? question.pair.filter((id) => storedIds.includes(id)) : storedIds.slice(0, 2);
  if (wanted.length !== 2) return null;
  const [a, b] = [...wanted].sort((x, y) => storedIds.indexOf(x) - storedIds.indexOf(y));
  const shown = shownResponses(item, question.field, userId).filter((r) => r.id === a || r.id === b);
  return { a, b, left: shown[0], right: shown[1] };
}

export function render(container, question, value, onChange, ctx = {}) {
  const pair = comparedPair(ctx.item, question, page.user ? page.user.id : 0);
  if (!pair) {
    container.append(h('p', { class: 'muted', testid: `pw-missing-${question.name}` }, t('pw.not_enough')));
    return { hotkeys: new Map(), getValue: () => null, setValue() {}, isEmpty: () => true, focus() {} };
  }
  const withStrength = question.strength !== false;
  const withRationale = question.rationale !== 'off';
  const readOnly = Boolean(ctx.readOnly);
  const sideOf = { left: pair.left.id === pair.a ? 'a' : 'b', right: pair.right.id === pair.a ? 'a' : 'b' };
  let state = fromValue(value);

  function fromValue(v) {
    if (!v || !(v.choice in SIGN)) return { choice: null, size: 1, rationale: (v && v.rationale) || '' };
    return { choice: v.choice, size: Math.min(3, Math.max(1, Math.abs(Number(v.strength) || 1))), rationale: v.rationale || '' };
  }

  const button = (action, key, label, testid, extra = null) => h('button', {
    type: 'button', class: 'pw-choice', dataset: { action }, 'aria-pressed': 'false', 'aria-keyshortcuts': key,
    testid, disabled: readOnly || null,
  }, extra, h('span', { class: 'pw-label' }, label), h('kbd', { class: 'pw-key' }, key));

  const card = (side, response, key) => button(side, key, t('pw.better'), `pw-${side}-${question.name}`,
    h('span', { class: 'pw-response' },
      h('span', { class: 'pw-letter' }, response.letter),
      response.model ? h('span', { class: 'pw-model muted small', dir: 'auto' }, response.model) : null));

  const left = card('left', pair.left, '1 ←');
  const right = card('right', pair.right, '2 →');
  const tie = button('tie', '3 T', t('pw.tie'), `pw-tie-${question.name}`);
  const bothBad = question.allow_both_bad === false ? null : button('both_bad', '4', t('pw.both_bad'), `pw-both-bad-${question.name}`);
  const row = h('div', { class: 'pw-row', role: 'group', 'aria-label': question.prompt || question.name },
    left, h('div', { class: 'pw-middle' }, tie, bothBad), right);

  const sizes = STRENGTH_KEYS.map((key, i) => h('button', {
    type: 'button', class: 'pw-size', dataset: { size: String(i + 1) }, 'aria-pressed': 'false',
    testid: `pw-size-${question.name}-${i + 1}`, disabled: readOnly || null,
  }, t(key)));
  const strengthRow = withStrength ? h('div', { class: 'pw-strength', role: 'group', 'aria-label': t('pw.strength') },
    h('span', { class: 'muted small' }, t('pw.strength_hint')), sizes) : null;

  const rationale = withRationale ? h('textarea', {
    class: 'pw-rationale', rows: '2', dir: 'auto', maxlength: '5000', testid: `pw-rationale-${question.name}`,
    placeholder: t(question.rationale === 'required' ? 'pw.rationale_required' : 'pw.rationale'),
    'aria-keyshortcuts': 'R', readonly: readOnly || null,
  }) : null;
  if (rationale) rationale.value = state.rationale;
  const status = h('p', { class: 'pw-status muted small', 'aria-live': 'polite', testid: `pw-status-${question.name}` });
  container.append(row, strengthRow, rationale, status);

  const undo = new UndoStack(state, (s) => { state = s; if (rationale) rationale.value = s.rationale; paint(); onChange(getValue()); });

  function getValue() {
    if (!state.choice) return null;
    const sign = SIGN[state.choice];
    const out = { choice: state.choice, strength: sign * (withStrength ? state.size : 1), shown: [pair.left.id, pair.right.id] };
    if (withRationale) out.rationale = rationale.value.trim();
    return out;
  }

  function paint() {
    const leftChoice = sideOf.left;
    left.setAttribute('aria-pressed', String(state.choice === leftChoice));
    right.setAttribute('aria-pressed', String(state.choice === sideOf.right));
    tie.setAttribute('aria-pressed', String(state.choice === 'tie'));
    if (bothBad) bothBad.setAttribute('aria-pressed', String(state.choice === 'both_bad'));
    const decided = state.choice === 'a' || state.choice === 'b';
    for (const b of sizes) {
      b.setAttribute('aria-pressed', String(decided && Number(b.dataset.size) === state.size));
      b.disabled = readOnly || !decided;
    }
    const winner = state.choice === sideOf.left ? pair.left : state.choice === sideOf.right ? pair.right : null;
    const loser = winner === pair.left ? pair.right : pair.left;
    status.textContent = !state.choice ? t('pw.hint')
      : winner ? t(withStrength ? STRENGTH_KEYS[state.size - 1] : 'pw.better', {}) + ': ' + t('pw.wins', { winner: winner.letter, loser: loser.letter })
        : t(state.choice === 'tie' ? 'pw.tie' : 'pw.both_bad');
  }

  function commit(next) {
    state = { ...next, rationale: rationale ? rationale.value : '' };
    undo.push(state);
    paint();
    onChange(getValue());
  }

  /** Pick a side (left/right) or tie/both_bad; picking the same side again makes it more decisive. */
  function choose(action) {
    if (readOnly) return;
    const choice = action === 'left' || action === 'right' ? sideOf[action] : action;
    if (choice === 'both_bad' && !bothBad) return;
    const again = choice === state.choice && (choice === 'a' || choice === 'b');
    commit({ ...state, choice, size: again && withStrength ? (state.size % 3) + 1 : again ? state.size : 1 });
  }

  row.addEventListener('click', (event) => {
    const target = event.target.closest('button[data-action]');
    if (target) choose(target.dataset.action);
  });
  if (strengthRow) {
    strengthRow.addEventListener('click', (event) => {
      const target = event.target.closest('button[data-size]');
      if (target && !readOnly) commit({ ...state, size: Number(target.dataset.size) });
    });
  }
  if (rationale) {
    rationale.addEventListener('input', () => { state.rationale = rationale.value; if (state.choice) onChange(getValue()); });
    rationale.addEventListener('change', () => { if (undo.current.rationale !== rationale.value) undo.push(state); });
  }

  const hotkeys = new Map();
  if (!readOnly) {
    hotkeys.set('1', () => choose('left'));
    hotkeys.set('2', () => choose('right'));
    hotkeys.set('3', () => choose('tie'));
    hotkeys.set('t', () => choose('tie'));
    if (bothBad) hotkeys.set('4', () => choose('both_bad'));
    if (rationale) hotkeys.set('r', () => rationale.focus());
  }

  paint();
  return {
    hotkeys,
    getValue,
    setValue(v) {
      state = fromValue(v);
      if (rationale) rationale.value = state.rationale;
      undo.reset(state);
      paint();
    },
    isEmpty: () => !state.choice,
    focus() { (row.querySelector('[aria-pressed="true"]') || left).focus(); },
    onKey(event) {
      if (readOnly) return false;
      if (undo.handleKey(event)) return true;
      if (event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return false;
      if (event.key === 'ArrowLeft') { choose('left'); return true; }
      if (event.key === 'ArrowRight') { choose('right'); return true; }
      return false;
    },
  };
}

/** A short text for lists: "a better (2)", "tie", … */
export function summary(question, value) {
  if (!value || !(value.choice in SIGN)) return null;
  if (value.choice === 'tie') return t('pw.tie');
  if (value.choice === 'both_bad') return t('pw.both_bad');
  return t(value.choice === 'a' ? 'pw.summary_a' : 'pw.summary_b', { n: Math.abs(value.strength || 1) });
}
