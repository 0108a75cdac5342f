// rubric: a score per attribute (rows) and per response (columns, lettered in this person's order).
// Keyboard: arrows move between cells, a digit scores the focused cell and moves on, Delete clears it,
// I shows the attribute's guideline, Esc leaves the grid (ArrowUp/Down then move between questions again).
import { h, page } from '../ui.js';
import { isRtl, t } from '../i18n.js';
import { shownResponses } from '../responses.js';
import { UndoStack } from './undo.js';

const clone = (value) => JSON.parse(JSON.stringify(value));

/** The inner form {columnId: {attribute: score}} of an answer ('' is the one column of a whole-chat rubric). */
function toCells(question, value) {
  const perResponse = question.per_response !== false;
  const groups = perResponse ? value : { '': value };
  const out = {};
  if (!groups || typeof groups !== 'object') return out;
  for (const [rid, scores] of Object.entries(groups)) {
    if (!scores || typeof scores !== 'object') continue;
    for (const [name, score] of Object.entries(scores)) {
      if (Number.isInteger(score)) (out[rid] ||= {})[name] = score;
    }
  }
  return out;
}

export function render(container, question, value, onChange, ctx) {
  const attributes = question.attributes || [];
  const perResponse = question.per_response !== false;
  const userId = page.user ? page.user.id : 0;
  const columns = perResponse
    ? shownResponses(ctx.item, question.field, userId).map((r) => ({ id: r.id, letter: r.letter }))
    : [{ id: '', letter: '' }];
  let cells = toCells(question, value);
  const cursor = { row: 0, col: 0 };
  const undo = new UndoStack(cells, (state) => { cells = state; paint(); changed(); });

  const hint = h('p', { class: 'rb-hint muted small', dir: 'auto', testid: `rubric-hint-${question.name}` });
  const table = h('table', { class: 'rb-grid', role: 'grid', 'aria-label': question.prompt || question.name,
    testid: `rubric-${question.name}` });
  const head = h('tr', {}, h('th', { class: 'rb-corner', scope: 'col' }, t('rubric.attribute')));
  if (perResponse) {
    for (const column of columns) {
      head.append(h('th', { scope: 'col', class: 'rb-col', title: t('rubric.response', { letter: column.letter }) },
        column.letter));
    }
  } else {
    head.append(h('th', { scope: 'col', class: 'rb-col' }, t('rubric.score')));
  }
  const body = h('tbody');
  const cellEls = [];
  const guideRows = [];
  attributes.forEach((attribute, row) => {
    const guide = attribute.guideline || '';
    const info = h('button', {
      type: 'button', class: 'rb-info', 'aria-expanded': 'false', tabindex: '-1', 'aria-keyshortcuts': 'i',
      title: t('rubric.show_guideline'), dataset: { row: String(row) }, testid: `rubric-info-${attribute.name}`,
    }, 'i');
    const rowEls = [];
    const tr = h('tr', { dataset: { row: String(row) } },
      h('th', { scope: 'row', class: 'rb-attr', title: guide || null, dataset: { row: String(row) } },
        h('span', { dir: 'auto' }, attribute.text || attribute.name),
        attribute.required === false ? h('span', { class: 'muted small' }, ` ${t('rubric.optional')}`) : null,
        guide || scaleText(attribute) ? info : null));
    columns.forEach((column, col) => {
      const points = [];
      for (let n = attribute.min ?? 0; n <= (attribute.max ?? 4); n += 1) {
        const caption = attribute.labels ? attribute.labels[String(n)] : null;
        points.push(h('span', { class: 'rb-pt', dataset: { score: String(n) }, title: caption || null }, String(n)));
      }
      const cell = h('td', {
        role: 'gridcell', class: 'rb-cell', tabindex: '-1', dataset: { row: String(row), col: String(col) },
        testid: `rubric-cell-${attribute.name}-${column.letter || 'all'}`,
      }, h('span', { class: 'rb-pts' }, points));
      rowEls.push(cell);
      tr.append(cell);
    });
    cellEls.push(rowEls);
    const guideRow = h('tr', { class: 'rb-guide', hidden: true },
      h('td', { colspan: String(columns.length + 1), dir: 'auto' }, guideText(attribute)));
    guideRows.push(guideRow);
    body.append(tr, guideRow);
  });
  table.append(h('thead', {}, head), body);
  const keys = h('p', { class: 'rb-keys muted small' }, t('rubric.keys'));
  container.append(h('div', { class: 'rb-wrap' }, table), hint, keys);
  if (perResponse && !columns.length) container.append(h('p', { class: 'muted' }, t('rubric.no_responses')));

  function scaleText(attribute) {
    return Object.entries(attribute.labels || {}).sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([n, text]) => `${n} = ${text}`).join(' · ');
  }

  function guideText(attribute) {
    return [attribute.guideline, scaleText(attribute)].filter(Boolean).join(' — ');
  }

  const scoreOf = (row, col) => {
    const scores = cells[columns[col].id];
    return scores ? scores[attributes[row].name] : undefined;
  };

  function paint() {
    attributes.forEach((attribute, row) => columns.forEach((column, col) => {
      const cell = cellEls[row][col];
      const score = scoreOf(row, col);
      for (const point of cell.firstChild.children) {
        point.setAttribute('aria-pressed', String(Number(point.dataset.score) === score));
      }
      cell.toggleAttribute('data-empty', score === undefined && attribute.required !== false);
      cell.setAttribute('aria-label', `${attribute.text || attribute.name}${column.letter ? `, ${column.letter}` : ''}: ${
        score === undefined ? t('rubric.unscored') : score}`);
      cell.tabIndex = row === cursor.row && col === cursor.col ? 0 : -1;
    }));
  }

  function showHint(row) {
    const attribute = attributes[row];
    hint.textContent = attribute ? `${attribute.text || attribute.name}: ${guideText(attribute) || t('rubric.no_guideline')}` : '';
  }

  function changed() { onChange(getValue(), { advance: false }); }

  function setScore(row, col, score) {
    if (ctx.readOnly) return;
    const name = attributes[row].name;
    const id = columns[col].id;
    if (score === undefined || score === null) {
      if (!cells[id] || cells[id][name] === undefined) return;
      delete cells[id][name];
      if (!Object.keys(cells[id]).length) delete cells[id];
    } else {
      if (cells[id] && cells[id][name] === score) return;
      (cells[id] ||= {})[name] = score;
    }
    undo.push(cells);
    paint();
    changed();
  }

  function moveTo(row, col, { focus = true } = {}) {
    cursor.row = Math.max(0, Math.min(row, attributes.length - 1));
    cursor.col = Math.max(0, Math.min(col, columns.length - 1));
    paint();
    showHint(cursor.row);
    if (focus && cellEls[cursor.row]) cellEls[cursor.row][cursor.col].focus();
  }

  function advance() {
    if (cursor.col + 1 < columns.length) moveTo(cursor.row, cursor.col + 1);
    else if (cursor.row + 1 < attributes.length) moveTo(cursor.row + 1, 0);
  }

  function scoreCursor(digit) {
    const attribute = attributes[cursor.row];
    if (!attribute || !columns.length) return;
    if (digit < (attribute.min ?? 0) || digit > (attribute.max ?? 4)) {
      hint.textContent = t('rubric.out_of_scale', { min: attribute.min ?? 0, max: attribute.max ?? 4 });
      return;
    }
    setScore(cursor.row, cursor.col, digit);
    advance();
  }

  function toggleGuide(row) {
    const guideRow = guideRows[row];
    if (!guideRow || !guideText(attributes[row])) return;
    guideRow.hidden = !guideRow.hidden;
    const info = cellEls[row][0]?.parentElement.querySelector('.rb-info');
    if (info) info.setAttribute('aria-expanded', String(!guideRow.hidden));
  }

  table.addEventListener('click', (event) => {
    const info = event.target.closest('.rb-info');
    if (info) { toggleGuide(Number(info.dataset.row)); return; }
    const cell = event.target.closest('.rb-cell');
    if (!cell) return;
    const row = Number(cell.dataset.row);
    const col = Number(cell.dataset.col);
    moveTo(row, col);
    const point = event.target.closest('.rb-pt');
    if (point) {
      const score = Number(point.dataset.score);
      setScore(row, col, scoreOf(row, col) === score ? undefined : score); // a second click clears
    }
  });
  table.addEventListener('focusin', (event) => {
    const cell = event.target.closest('.rb-cell');
    if (cell) { cursor.row = Number(cell.dataset.row); cursor.col = Number(cell.dataset.col); paint(); showHint(cursor.row); }
  });
  table.addEventListener('mouseover', (event) => {
    const header = event.target.closest('.rb-attr');
    if (header) showHint(Number(header.dataset.row));
  });

  function gridHasFocus() { return table.contains(document.activeElement); }

  function onKey(event) {
    if (undo.handleKey(event)) return true;
    if (!gridHasFocus() || event.ctrlKey || event.metaKey || event.altKey) return false;
    const forward = isRtl ? 'ArrowLeft' : 'ArrowRight';
    const backward = isRtl ? 'ArrowRight' : 'ArrowLeft';
    switch (event.key) {
      case forward: moveTo(cursor.row, cursor.col + 1); return true;
      case backward: moveTo(cursor.row, cursor.col - 1); return true;
      case 'ArrowDown': moveTo(cursor.row + 1, cursor.col); return true;
      case 'ArrowUp': moveTo(cursor.row - 1, cursor.col); return true;
      case 'Home': moveTo(cursor.row, 0); return true;
      case 'End': moveTo(cursor.row, columns.length - 1); return true;
      case 'Delete': case 'Backspace': setScore(cursor.row, cursor.col, undefined); return true;
      case 'Escape': document.activeElement.blur(); return true;
      case 'i': case 'I': toggleGuide(cursor.row); return true;
      default:
        if (/^[0-9]$/.test(event.key)) { scoreCursor(Number(event.key)); return true; }
        return false;
    }
  }

  function firstMissing() {
    for (let row = 0; row < attributes.length; row += 1) {
      for (let col = 0; col < columns.length; col += 1) {
        if (attributes[row].required !== false && scoreOf(row, col) === undefined) return { row, col };
      }
    }
    return null;
  }

  function getValue() {
    if (!Object.keys(cells).length) return null;
    if (!perResponse) return clone(cells[''] || {});
    return Object.fromEntries(columns.map((c) => [c.id, clone(cells[c.id] || {})]));
  }

  const hotkeys = new Map();
  for (let n = 0; n <= 9; n += 1) {
    hotkeys.set(String(n), () => { moveTo(cursor.row, cursor.col); scoreCursor(n); });
  }
  hotkeys.set('i', () => toggleGuide(cursor.row));

  paint();
  showHint(0);
  return {
    hotkeys,
    onKey,
    getValue,
    setValue(v) { cells = toCells(question, v); undo.reset(cells); paint(); },
    isEmpty: () => !columns.length || !Object.keys(cells).length || firstMissing() !== null,
    focus() {
      const missing = firstMissing();
      if (missing) moveTo(missing.row, missing.col);
      else moveTo(cursor.row, cursor.col);
    },
  };
}

/** "5 of 6 scored" for lists of answers. */
export function summary(question, value) {
  const cells = toCells(question, value);
  const columns = question.per_response !== false ? Object.keys(value || {}).length : 1;
  const scored = Object.values(cells).reduce((n, scores) => n + Object.keys(scores).length, 0);
  return t('rubric.summary', { n: scored, total: columns * (question.attributes || []).length });
}
