// spans: mark entities in a text field (Arabic, Hebrew, English, mixed), give them attributes and link them
// with directed, labelled relations. The text with its marks is drawn into the field's slot; the label
// palette, the lists and the selected span's attributes go into the question's own container.
//
// Keys: a label's key sets the active label (and labels a pending selection or the selected span); Tab /
// Shift+Tab or ] / [ move between spans; Delete removes the selected span; R starts a relation (then ] / [
// and Enter, or a click, pick the target; digits pick the relation); Shift+→/← move the selected span's
// end, Alt+Shift+→/← its start; Enter accepts a selected suggestion, Shift+A accepts all; Esc cancels;
// Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo. Offsets are code points (see text-offsets.js).
import { h } from '../ui.js';
import { t } from '../i18n.js';
import { attributeEditor } from './attributes.js';
import { SpanModel, byPosition, normalise, spanLabels } from './spans-model.js';
import {
  clip, detailCard, isolate, kindButtons, labelButtons, patchRows, relationRow, spanRow, suggestionBarContent,
} from './spans-panel.js';
import { TextSurface } from './spans-surface.js';
import { snapSelection, stepBoundary } from './text-offsets.js';
import { UndoStack } from './undo.js';

/** Draws its work surface on the field it annotates (the page leaves that field a slot). */
export const surface = true;

const PENDING = '#1f6f8b';

/** Entry keys: 's:<span id>' for a span, 'p:<suggestion id>' for a suggestion. */
const split = (key) => (key ? [key[0], key.slice(2)] : [null, null]);
const quoted = (text) => isolate(clip(text, 40));

/** "3 spans (PER ×2, ORG) · 1 relation". */
export function summary(question, value) {
  const { spans, relations } = normalise(value);
  const labels = spanLabels(question);
  const counts = new Map();
  for (const s of spans) counts.set(s.label, (counts.get(s.label) || 0) + 1);
  const order = [...labels.map((l) => l.value), ...Array.from(counts.keys()).filter((v) => !labels.some((l) => l.value === v))];
  const parts = order.filter((v) => counts.has(v)).map((v) => {
    const text = labels.find((l) => l.value === v)?.text ?? v;
    return counts.get(v) > 1 ? `${text} ×${counts.get(v)}` : text;
  });
  let out = spans.length === 1 ? t('spans.count_one') : t('spans.count', { n: spans.length });
  if (parts.length) out += ` (${parts.join(', ')})`;
  if (relations.length) {
    out += ` · ${relations.length === 1 ? t('spans.relation_count_one') : t('spans.relation_count', { n: relations.length })}`;
  }
  return out;
}

export function render(container, question, value, onChange, ctx = {}) {
  const readOnly = Boolean(ctx.readOnly);
  const raw = ctx.item && ctx.item.data ? ctx.item.data[question.field] : undefined;
  const text = typeof raw === 'string' ? raw : '';
  const snap = question.snap === 'char' ? 'char' : 'token';
  const labels = spanLabels(question);
  const labelOf = new Map(labels.map((l) => [l.value, l]));
  const model = new SpanModel(text, question);
  model.load(value);
  if (!readOnly) model.setPrediction(ctx.prediction);
  const kinds = model.kinds;
  const relationKeyName = 'R'; // a question with relations never gives r to a label (the server sees to it)
  const ui = { selected: null, active: null, mode: 'idle', pending: null, source: null, target: null, options: [], message: null };
  const undo = new UndoStack(model.snapshot(), (state) => { model.restore(state); cancelModes(); refresh(); changed(); });

  /* ---------- the elements ---------- */
  const surface = new TextSurface(text, { label: question.prompt || question.name, testid: `spans-text-${question.name}` });
  const slot = ctx.fieldSlot && question.field ? ctx.fieldSlot(question.field) : null;
  (slot || container).append(surface.el);
  if (!text) surface.el.append(h('p', { class: 'muted' }, t('spans.no_text')));
  const palette = h('div', { class: 'sp-palette', role: 'group', 'aria-label': t('spans.labels') }, labelButtons(question, labels));
  const hint = h('p', { class: 'sp-hint small', 'aria-live': 'polite', dir: 'auto', testid: `spans-hint-${question.name}` });
  const kindPalette = h('div', { class: 'sp-palette sp-kinds', role: 'group', hidden: true, testid: `spans-kinds-${question.name}` });
  const suggestionBar = h('div', { class: 'sp-suggestions', hidden: true });
  const detail = h('div', { class: 'sp-detail', testid: `spans-detail-${question.name}` });
  const list = h('ol', { class: 'sp-list', 'aria-label': t('spans.list'), testid: `spans-list-${question.name}` });
  const relationList = h('ul', { class: 'sp-relations', 'aria-label': t('spans.relations'), testid: `spans-relations-${question.name}` });
  const rows = new Map(); // entry key → list row
  if (readOnly) {
    container.append(list, relationList);
  } else {
    container.append(palette, hint, kindPalette, suggestionBar, detail, list, relationList,
      h('p', { class: 'sp-keys small muted' }, kinds.length ? t('spans.keys_relations', { relation: relationKeyName }) : t('spans.keys')));
  }

  /* ---------- drawing ---------- */
  const labelFor = (value) => labelOf.get(value) || { value, text: value, color: '#7f7f7f' };
  const kindText = (value) => kinds.find((k) => k.value === value)?.text || value;

  /** Spans and suggestions in text order: [{key, span, suggested}]. */
  function entries() {
    const out = model.spans.map((span) => ({ key: `s:${span.id}`, span, suggested: false }));
    for (const span of model.suggestions()) out.push({ key: `p:${span.id}`, span, suggested: true });
    return out.sort((a, b) => byPosition(a.span, b.span) || (a.suggested ? 1 : 0) - (b.suggested ? 1 : 0));
  }

  function marks() {
    const out = entries().map(({ key, span, suggested }) => ({
      key, start: span.start, end: span.end, color: labelFor(span.label).color, tag: labelFor(span.label).text,
      kind: suggested ? 'suggestion' : 'span',
    }));
    if (ui.pending) out.push({ key: 'pending', start: ui.pending.start, end: ui.pending.end, color: PENDING, tag: '', kind: 'pending' });
    return out;
  }

  function exists(key) {
    const [kind, id] = split(key);
    return kind === 's' ? Boolean(model.span(id)) : kind === 'p' && model.suggestions().some((s) => s.id === id);
  }

  function refresh() {
    if (ui.selected && !exists(ui.selected)) ui.selected = null;
    const flags = [[ui.selected, 'selected']];
    if (ui.mode === 'target' || ui.mode === 'relation') flags.push([`s:${ui.target}`, 'target']);
    surface.resetFlags(flags);
    surface.render(marks());
    surface.setArrows(model.relations.map((r, i) => ({ from: `s:${r.from}`, to: `s:${r.to}`, text: kindText(r.label), key: String(i) })));
    renderList();
    renderRelations();
    if (readOnly) return;
    renderDetail();
    const n = model.suggestions().length;
    suggestionBar.hidden = n === 0;
    suggestionBar.replaceChildren(...(n ? suggestionBarContent(question, n) : []));
    renderKinds();
    paintPalette();
    renderHint();
  }

  let listed = []; // the rows in the list, [{sig, el}]
  function renderList() {
    const all = entries();
    if (!all.length) {
      list.replaceChildren(h('li', { class: 'sp-empty muted small' }, t('spans.none')));
      listed = [];
    } else {
      if (!listed.length) list.replaceChildren();
      listed = patchRows(list, listed, all.map((entry) => ({
        sig: `${entry.key}|${entry.span.start}|${entry.span.end}|${entry.span.label}`,
        make: () => spanRow(entry, labelFor(entry.span.label), readOnly),
      })));
    }
    rows.clear();
    all.forEach((entry, i) => rows.set(entry.key, listed[i].el));
    paintRows();
  }

  function paintRows() {
    const target = ui.mode === 'target' || ui.mode === 'relation' ? `s:${ui.target}` : null;
    for (const [key, row] of rows) {
      row.classList.toggle('is-selected', key === ui.selected);
      row.classList.toggle('is-target', key === target);
    }
  }

  function renderRelations() {
    relationList.replaceChildren(...model.relations.map((r, i) => relationRow(i, model.span(r.from), model.span(r.to), kindText(r.label), readOnly)));
    relationList.hidden = !model.relations.length;
  }

  function renderDetail() {
    detail.replaceChildren();
    const [kind, id] = split(ui.selected);
    const span = kind === 's' ? model.span(id) : kind === 'p' ? model.suggestion(id) : null;
    if (!span) return;
    detail.append(...detailCard(span, labelFor(span.label), { suggested: kind === 'p', relationKey: kinds.length ? relationKeyName : null }));
    if (kind !== 's') return;
    const editor = attributeEditor(question, span.label, span.attributes, (values) => {
      model.spans = model.spans.map((s) => (s.id === id ? { ...s, attributes: values } : s));
      undo.push(model.snapshot());
      changed();
    }, { testid: `spans-attributes-${question.name}` });
    if (editor) detail.append(editor);
  }

  function renderKinds() {
    kindPalette.hidden = ui.mode !== 'relation';
    kindPalette.replaceChildren(...(kindPalette.hidden ? [] : kindButtons(question, ui.options)));
  }

  function paintPalette() {
    for (const b of palette.children) b.setAttribute('aria-pressed', String(b.dataset.value === ui.active));
  }

  function renderHint() {
    const message = ui.message;
    ui.message = null;
    hint.classList.toggle('is-flash', Boolean(message));
    if (message) { hint.textContent = t(message.key, message.params); return; }
    const [kind, id] = split(ui.selected);
    let key = 'spans.hint_idle';
    const params = { relation: relationKeyName };
    if (ui.mode === 'pending') { key = 'spans.hint_pending'; params.text = quoted(model.index.slice(ui.pending.start, ui.pending.end)); }
    else if (ui.mode === 'target') { key = 'spans.hint_target'; params.text = quoted(model.span(ui.source)?.text || ''); }
    else if (ui.mode === 'relation') key = 'spans.hint_relation';
    else if (kind === 's' && model.span(id)) key = kinds.length ? 'spans.hint_selected_relations' : 'spans.hint_selected';
    else if (kind === 'p') key = 'spans.hint_suggestion';
    else if (ui.active) { key = 'spans.hint_active'; params.label = isolate(labelFor(ui.active).text); }
    hint.textContent = t(key, params);
  }

  function say(key, params = {}) {
    ui.message = { key, params };
    renderHint();
  }

  /* ---------- changing the answer ---------- */
  function changed() {
    onChange(model.value());
  }

  function commit() {
    undo.push(model.snapshot());
    refresh();
    changed();
  }

  function select(key, { reveal = true } = {}) {
    if (ui.selected !== key) {
      surface.setFlag(ui.selected, 'selected', false);
      ui.selected = key;
      surface.setFlag(key, 'selected', true);
      paintRows();
      if (!readOnly) renderDetail();
    }
    if (!readOnly) renderHint();
    if (key && reveal) {
      surface.reveal(key);
      rows.get(key)?.scrollIntoView({ block: 'nearest' });
    }
  }

  function refuse(problem) {
    if (problem.reason === 'spans.exists') select(`s:${problem.span.id}`);
    say(problem.reason, { text: quoted(problem.span ? problem.span.text : ''), n: question.max });
  }

  function createSpan(start, end, label) {
    const problem = model.conflict(start, end, label);
    if (problem) { refresh(); refuse(problem); return; }
    const span = model.add(start, end, label);
    ui.selected = `s:${span.id}`;
    commit();
  }

  /** The document's selection in the text, snapped and trimmed, in code points; or null. */
  function liveSelection() {
    const range = surface.selectionUtf16();
    const snapped = range && snapSelection(text, range[0], range[1], snap);
    return snapped ? { start: model.index.toCodePoint(snapped[0]), end: model.index.toCodePoint(snapped[1]) } : null;
  }

  function clearDomSelection() {
    const selection = window.getSelection();
    if (selection && surface.selectionUtf16()) selection.removeAllRanges();
  }

  /** A label's key or button: labels the pending selection or the selected span, else sets the active label. */
  function chooseLabel(value) {
    if (readOnly || ui.mode === 'target' || ui.mode === 'relation') return;
    if (!ui.pending) ui.pending = liveSelection();
    const [kind, id] = split(ui.selected);
    if (ui.pending) {
      const { start, end } = ui.pending;
      Object.assign(ui, { pending: null, mode: 'idle', active: value });
      clearDomSelection();
      returnFocus();
      createSpan(start, end, value);
    } else if (kind === 's' && model.span(id).label !== value) {
      ui.active = value;
      const span = model.span(id);
      const problem = model.conflict(span.start, span.end, value, span.id);
      if (problem) { paintPalette(); refuse(problem); return; }
      model.update(id, { label: value });
      commit();
    } else if (kind === 'p') {
      ui.active = value;
      acceptSuggestion(id, value);
    } else {
      // nothing to label: the key sets the active label, or clears it when pressed again
      ui.active = kind === 's' || ui.active !== value ? value : null;
      paintPalette();
      renderHint();
    }
  }

  function acceptSuggestion(id, label = null) {
    const suggestion = model.suggestion(id);
    const chosen = label ? { ...suggestion, label } : suggestion;
    const problem = model.conflict(chosen.start, chosen.end, chosen.label);
    if (problem) { refuse(problem); return; }
    const following = entries().find((e) => e.suggested && e.span.id !== id && byPosition(e.span, suggestion) >= 0);
    const { added } = model.accept([chosen]);
    if (chosen.label !== suggestion.label) model.dismissed.add(id);
    ui.selected = following ? following.key : `s:${added[0].id}`;
    commit();
  }

  function acceptAll() {
    const pending = model.suggestions();
    if (!pending.length) return;
    const { added, skipped } = model.accept(pending);
    if (added.length) {
      ui.selected = `s:${added[0].id}`;
      commit();
    }
    if (skipped) say('spans.skipped', { n: skipped });
  }

  function removeSelected() {
    const [kind, id] = split(ui.selected);
    if (!kind) return false;
    const before = entries().map((e) => e.key);
    const at = before.indexOf(ui.selected);
    if (kind === 's') model.remove(id); else model.dismissed.add(id);
    const after = entries().map((e) => e.key);
    ui.selected = after.length ? after[Math.min(at, after.length - 1)] : null;
    commit();
    return true;
  }

  /** Select the next (step 1) or previous (−1) span or suggestion; without `wrap`, stepping off the end deselects. */
  function move(step, { wrap = true } = {}) {
    const keys = entries().map((e) => e.key);
    if (!keys.length) return false;
    const at = keys.indexOf(ui.selected);
    let next = at < 0 ? (step > 0 ? 0 : keys.length - 1) : at + step;
    if (next < 0 || next >= keys.length) {
      if (!wrap) { select(null); return false; }
      next = (next + keys.length) % keys.length;
    }
    select(keys[next]);
    return true;
  }

  /** Move one edge of the selected span by a word (or a character with snap: char). */
  function nudge(edge, direction) {
    const [kind, id] = split(ui.selected);
    const span = kind === 's' ? model.span(id) : null;
    if (!span) return false;
    const at = { start: model.index.toUtf16(span.start), end: model.index.toUtf16(span.end) };
    const moved = { ...at, [edge]: stepBoundary(text, at[edge], direction, edge, snap) };
    if (moved[edge] === at[edge] || moved.start >= moved.end) return true;
    const next = { start: model.index.toCodePoint(moved.start), end: model.index.toCodePoint(moved.end) };
    const problem = model.conflict(next.start, next.end, span.label, span.id);
    if (problem) { say(problem.reason, { text: quoted(problem.span ? problem.span.text : '') }); return true; }
    model.update(id, next);
    commit();
    return true;
  }

  /* ---------- relations ---------- */
  function candidates() {
    const source = model.span(ui.source);
    return model.spans.filter((s) => model.kindsBetween(source, s).length);
  }

  function startRelation() {
    const [kind, id] = split(ui.selected);
    if (kind !== 's' || !kinds.length) return false;
    ui.source = id;
    const options = candidates();
    if (!options.length) { ui.source = null; say('spans.no_target'); return true; }
    const source = model.span(id);
    ui.mode = 'target';
    setTarget((options.find((s) => byPosition(s, source) > 0) || options[0]).id);
    renderHint();
    return true;
  }

  function setTarget(id) {
    surface.setFlag(`s:${ui.target}`, 'target', false);
    ui.target = id;
    surface.setFlag(`s:${id}`, 'target', true);
    surface.reveal(`s:${id}`);
    paintRows();
  }

  function cycleTarget(step) {
    const options = candidates();
    const at = options.findIndex((s) => s.id === ui.target);
    setTarget(options[(at + step + options.length) % options.length].id);
  }

  function confirmTarget(id) {
    const options = model.kindsBetween(model.span(ui.source), model.span(id));
    if (!options.length) { say('spans.no_relation'); return; }
    setTarget(id);
    if (options.length === 1) { finishRelation(options[0].value); return; }
    ui.mode = 'relation';
    ui.options = options;
    renderKinds();
    renderHint();
    kindPalette.querySelector('button')?.focus();
  }

  function finishRelation(kind) {
    returnFocus();
    model.addRelation(ui.source, ui.target, kind);
    ui.selected = `s:${ui.source}`;
    cancelModes();
    commit();
  }

  function cancelModes() {
    surface.setFlag(`s:${ui.target}`, 'target', false);
    Object.assign(ui, { mode: 'idle', pending: null, source: null, target: null, options: [] });
  }

  function cancel() {
    if (ui.mode === 'idle' && !ui.pending) {
      if (!ui.selected) return false;
      select(null);
      return true;
    }
    const hadPending = Boolean(ui.pending);
    cancelModes();
    returnFocus();
    if (hadPending) refresh(); else { renderKinds(); paintRows(); renderHint(); }
    return true;
  }

  /** Back to the text after the palette asked for a label (so Enter submits again). */
  function returnFocus() {
    const focused = document.activeElement;
    if (focused && (palette.contains(focused) || kindPalette.contains(focused))) surface.textEl.focus({ preventScroll: true });
  }

  /* ---------- mouse ---------- */
  surface.textEl.addEventListener('pointerdown', (event) => {
    // the text sits outside the question's fieldset: tell the page this question is the one being worked on
    container.dispatchEvent(new Event('pointerdown', { bubbles: true }));
    // a drag may end outside the text: listen for its end on the whole document
    if (event.button === 0) document.addEventListener('mouseup', selectionEnded, { once: true });
  });

  function selectionEnded(event) {
    if (!surface.el.isConnected) return;
    const picked = readOnly || ui.mode === 'target' || ui.mode === 'relation' ? null : liveSelection();
    if (!picked) { if (surface.textEl.contains(event.target)) clickAt(event.target); return; }
    clearDomSelection();
    if (ui.active) { ui.pending = null; ui.mode = 'idle'; createSpan(picked.start, picked.end, ui.active); return; }
    ui.pending = picked;
    ui.mode = 'pending';
    ui.selected = null;
    refresh();
    palette.querySelector('button')?.focus({ preventScroll: true });
  }

  function clickAt(target) {
    const keys = surface.keysAt(target).filter((k) => k !== 'pending');
    if (ui.mode === 'target' || ui.mode === 'relation') {
      const allowed = new Set(candidates().map((s) => `s:${s.id}`));
      const hit = keys.find((k) => allowed.has(k));
      if (hit) { ui.mode = 'target'; confirmTarget(split(hit)[1]); }
      return;
    }
    if (!keys.length) {
      if (ui.pending) cancel(); else if (ui.selected) select(null);
      return;
    }
    select(keys[(keys.indexOf(ui.selected) + 1) % keys.length], { reveal: false });
  }

  palette.addEventListener('click', (event) => {
    const b = event.target.closest('button[data-value]');
    if (b) chooseLabel(b.dataset.value);
  });
  kindPalette.addEventListener('click', (event) => {
    const b = event.target.closest('button[data-kind]');
    if (b && ui.mode === 'relation') finishRelation(b.dataset.kind);
  });
  suggestionBar.addEventListener('click', (event) => { if (event.target.closest('[data-action]')) acceptAll(); });
  detail.addEventListener('click', (event) => {
    const action = event.target.closest('[data-action]')?.dataset.action;
    const [kind, id] = split(ui.selected);
    if (action === 'remove') removeSelected();
    else if (action === 'relation') startRelation();
    else if (action === 'accept' && kind === 'p') acceptSuggestion(id);
  });
  list.addEventListener('click', (event) => {
    const row = event.target.closest('li[data-key]');
    if (!row) return;
    const key = row.dataset.key;
    if (ui.mode === 'target' || ui.mode === 'relation') {
      if (candidates().some((s) => `s:${s.id}` === key)) { ui.mode = 'target'; confirmTarget(split(key)[1]); }
      return;
    }
    const action = event.target.closest('[data-action]')?.dataset.action;
    select(key, { reveal: !action });
    if (action === 'remove') removeSelected();
    else if (action === 'accept') acceptSuggestion(split(key)[1]);
  });
  list.addEventListener('mouseover', (event) => hover(event.target.closest('li[data-key]')?.dataset.key || null));
  list.addEventListener('mouseleave', () => hover(null));
  relationList.addEventListener('click', (event) => {
    const row = event.target.closest('li[data-index]');
    if (!row) return;
    const index = Number(row.dataset.index);
    if (event.target.closest('[data-action]')) { model.removeRelation(index); hover(null); commit(); return; }
    select(`s:${model.relations[index].from}`);
  });
  relationList.addEventListener('mouseover', (event) => {
    const row = event.target.closest('li[data-index]');
    const r = row ? model.relations[Number(row.dataset.index)] : null;
    hover(r ? [`s:${r.from}`, `s:${r.to}`] : null);
  });
  relationList.addEventListener('mouseleave', () => hover(null));

  let hot = [];
  function hover(keys) {
    const next = keys === null ? [] : Array.isArray(keys) ? keys : [keys];
    for (const k of hot) if (!next.includes(k)) surface.setFlag(k, 'hot', false);
    for (const k of next) surface.setFlag(k, 'hot', true);
    hot = next;
  }

  /* ---------- keyboard ---------- */
  function onKey(event) {
    if (readOnly) return false;
    if (undo.handleKey(event)) return true;
    if (event.ctrlKey || event.metaKey) return false;
    const { key } = event;
    const target = event.target instanceof Element ? event.target : null;
    if (key === 'Escape') return cancel();
    if (ui.mode === 'relation') {
      if (/^[1-9]$/.test(key) && ui.options[Number(key) - 1]) { finishRelation(ui.options[Number(key) - 1].value); return true; }
      if (key === 'Enter' && target?.closest('button[data-kind]') && kindPalette.contains(target)) {
        finishRelation(target.closest('button[data-kind]').dataset.kind);
        return true;
      }
      return key === 'Enter' || /^[1-9]$/.test(key);
    }
    if (ui.mode === 'target') {
      if (key === ']' || (key === 'Tab' && !event.shiftKey)) { cycleTarget(1); return true; }
      if (key === '[' || (key === 'Tab' && event.shiftKey)) { cycleTarget(-1); return true; }
      if (key === 'Enter') { confirmTarget(ui.target); return true; }
      return false;
    }
    if (key === 'Enter') {
      const control = target?.closest('button');
      if (control && container.contains(control)) { control.click(); return true; }
      const [kind, id] = split(ui.selected);
      if (kind === 'p') { acceptSuggestion(id); return true; }
      if (ui.mode === 'pending') { say('spans.hint_pending', { text: quoted(model.index.slice(ui.pending.start, ui.pending.end)) }); return true; }
      return false;
    }
    if (key === 'Tab' && !event.altKey) {
      const free = !target || target === document.body || target === surface.textEl;
      return free ? move(event.shiftKey ? -1 : 1, { wrap: false }) : false;
    }
    if ((key === ']' || key === '[') && !event.altKey) return move(key === ']' ? 1 : -1);
    if (key === 'Delete' || key === 'Backspace') {
      const row = target?.closest('li[data-index]');
      if (row && relationList.contains(row)) { model.removeRelation(Number(row.dataset.index)); commit(); return true; }
      return removeSelected();
    }
    if ((key === 'r' || key === 'R') && !event.altKey && kinds.length) return startRelation();
    if (key === 'A' && event.shiftKey && !event.altKey && model.suggestions().length) { acceptAll(); return true; }
    if (event.shiftKey && (key === 'ArrowLeft' || key === 'ArrowRight')) {
      const rtl = getComputedStyle(surface.textEl).direction === 'rtl';
      return nudge(event.altKey ? 'start' : 'end', (key === 'ArrowRight') !== rtl ? 1 : -1);
    }
    return false;
  }

  const hotkeys = new Map();
  if (!readOnly) for (const label of labels) if (label.hotkey) hotkeys.set(label.hotkey, () => chooseLabel(label.value));

  refresh();
  return {
    hotkeys,
    onKey,
    getValue: () => (readOnly ? value ?? null : model.value()),
    setValue(v) {
      model.load(v);
      cancelModes();
      ui.selected = null;
      undo.reset(model.snapshot());
      refresh();
    },
    isEmpty: () => (question.min || 0) > 0 && model.spans.length < question.min,
    focus() { surface.textEl.focus({ preventScroll: true }); },
    destroy() { surface.destroy(); },
  };
}
