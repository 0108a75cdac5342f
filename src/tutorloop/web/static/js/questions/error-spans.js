// error_spans: mark errors inside candidate responses. Pick the response (letters in the person's display
// order; [ and ] step between them), select text in its content with the mouse, then press a category's key
// (or click it): the error is made with the middle severity and selected; 1–3 set its severity, the
// correction box takes an optional fix. Tab / Shift+Tab step through the errors, Delete removes the selected
// one, Esc cancels; Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo. Offsets are code points (text-offsets.js).
import { h, page } from '../ui.js';
import { t } from '../i18n.js';
import { shownResponses } from '../responses.js';
import { TextSurface } from './spans-surface.js';
import { TextIndex, snapSelection } from './text-offsets.js';
import { UndoStack } from './undo.js';

const COLOURS = ['#e4572e', '#8e5cc4', '#d1477a', '#2e86ab', '#e0a100', '#7f7f7f', '#3b9b4a', '#17a2a8'];
const PENDING = '#1f6f8b';
const DEFAULT_SEVERITIES = ['minor', 'major', 'critical'];

const clip = (text, n = 50) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

function categoriesOf(question) {
  const list = question.categories && question.categories.length ? question.categories : question.labels || [];
  return list.map((c, i) => ({ value: c.value, text: c.text || c.value, hotkey: (c.hotkey || '').toLowerCase(), color: COLOURS[i % COLOURS.length] }));
}

/** "2 errors (1 critical)". */
export function summary(question, value) {
  if (!Array.isArray(value)) return null;
  if (!value.length) return t('error_spans.none');
  const severities = question.severities || DEFAULT_SEVERITIES;
  const worst = severities[severities.length - 1];
  const bad = value.filter((e) => e.severity === worst).length;
  const base = value.length === 1 ? t('error_spans.count_one') : t('error_spans.count', { n: value.length });
  return bad ? `${base} (${t('error_spans.worst', { n: bad, severity: worst })})` : base;
}

export function render(container, question, value, onChange, ctx = {}) {
  const readOnly = Boolean(ctx.readOnly);
  const shown = shownResponses(ctx.item, question.field, page.user?.id);
  const storedOrder = Array.isArray(ctx.item?.data?.[question.field]) ? ctx.item.data[question.field].map((r) => r.id) : shown.map((r) => r.id);
  const byId = new Map(shown.map((r) => [r.id, r]));
  const categories = categoriesOf(question);
  const categoryOf = new Map(categories.map((c) => [c.value, c]));
  const severities = question.severities && question.severities.length ? question.severities : DEFAULT_SEVERITIES;
  const middle = severities[Math.floor((severities.length - 1) / 2)];
  const indexes = new Map(shown.map((r) => [r.id, new TextIndex(r.content || '')]));
  const ui = { response: shown[0]?.id ?? null, selected: null, pending: null, message: '' };
  let errors = load(value);
  let counter = errors.reduce((n, e) => Math.max(n, Number(String(e.id).replace(/^e/, '')) || 0), 0);
  const undo = new UndoStack(errors, (state) => { errors = state; ui.pending = null; if (!errors.some((e) => e.id === ui.selected)) ui.selected = null; refresh(); changed(); });

  function load(v) {
    if (!Array.isArray(v)) return [];
    return v.filter((e) => e && byId.has(e.response)).map((e) => ({ ...e }));
  }

  /* ---------- the elements ---------- */
  const tabs = h('div', { class: 'es-tabs', role: 'tablist', 'aria-label': t('error_spans.responses'), testid: `errors-tabs-${question.name}` },
    shown.map((r) => h('button', {
      type: 'button', class: 'es-tab', role: 'tab', dataset: { response: r.id }, testid: `errors-tab-${question.name}-${r.letter}`,
    }, r.letter, h('span', { class: 'es-tab-count' }))));
  const surfaces = new Map(); // response id → TextSurface, made when first shown
  const stage = h('div', { class: 'es-stage' });
  const palette = h('div', { class: 'es-palette', role: 'group', 'aria-label': t('error_spans.categories') },
    categories.map((c) => h('button', {
      type: 'button', class: 'es-category', dataset: { category: c.value }, 'aria-keyshortcuts': c.hotkey || null,
      testid: `errors-category-${question.name}-${c.value}`,
    }, h('span', { class: 'es-swatch', 'aria-hidden': 'true' }), h('span', { dir: 'auto' }, c.text), c.hotkey ? h('kbd', {}, c.hotkey.toUpperCase()) : null)));
  palette.querySelectorAll('.es-swatch').forEach((el, i) => { el.style.background = categories[i].color; });
  const hint = h('p', { class: 'es-hint small', 'aria-live': 'polite', dir: 'auto', testid: `errors-hint-${question.name}` });
  const detail = h('div', { class: 'es-detail', testid: `errors-detail-${question.name}` });
  const list = h('ol', { class: 'es-list', 'aria-label': t('error_spans.list'), testid: `errors-list-${question.name}` });
  container.append(tabs, stage);
  if (!readOnly) container.append(palette, hint, detail);
  container.append(list);
  if (!readOnly) container.append(h('p', { class: 'es-keys small muted' }, t('error_spans.keys', { n: severities.length })));
  if (!shown.length) container.append(h('p', { class: 'muted' }, t('error_spans.no_responses')));

  function surfaceFor(id) {
    if (!surfaces.has(id)) {
      const response = byId.get(id);
      const surface = new TextSurface(response.content || '', {
        label: t('error_spans.response', { letter: response.letter }), testid: `errors-text-${question.name}-${response.letter}`,
      });
      surface.textEl.addEventListener('pointerdown', (event) => {
        container.dispatchEvent(new Event('pointerdown', { bubbles: true }));
        if (event.button === 0) document.addEventListener('mouseup', selectionEnded, { once: true });
      });
      surfaces.set(id, surface);
    }
    return surfaces.get(id);
  }

  /* ---------- drawing ---------- */
  const sorted = () => [...errors].sort((a, b) => storedOrder.indexOf(a.response) - storedOrder.indexOf(b.response)
    || a.start - b.start || a.end - b.end);

  function refresh() {
    for (const tab of tabs.children) {
      const on = tab.dataset.response === ui.response;
      tab.classList.toggle('is-on', on);
      tab.setAttribute('aria-selected', String(on));
      const n = errors.filter((e) => e.response === tab.dataset.response).length;
      tab.querySelector('.es-tab-count').textContent = n ? ` · ${n}` : '';
    }
    if (ui.response) {
      const surface = surfaceFor(ui.response);
      if (surface.el.parentNode !== stage) stage.replaceChildren(surface.el);
      const marks = errors.filter((e) => e.response === ui.response).map((e) => ({
        key: e.id, start: e.start, end: e.end, kind: 'span', color: categoryOf.get(e.category)?.color || '#7f7f7f',
        tag: `${categoryOf.get(e.category)?.text || e.category} · ${e.severity}`,
      }));
      if (ui.pending) marks.push({ key: 'pending', start: ui.pending.start, end: ui.pending.end, kind: 'pending', color: PENDING, tag: '' });
      surface.resetFlags([[ui.selected, 'selected']]);
      surface.render(marks);
    }
    renderList();
    if (!readOnly) { renderDetail(); renderHint(); }
  }

  function renderList() {
    const rows = sorted().map((e) => {
      const category = categoryOf.get(e.category);
      const row = h('li', {
        class: e.id === ui.selected ? 'es-row is-selected' : 'es-row', tabindex: '0', dataset: { id: e.id }, testid: 'errors-row',
      }, h('span', { class: 'es-letter' }, byId.get(e.response)?.letter || '?'),
      h('span', { class: 'es-swatch', 'aria-hidden': 'true' }),
      h('span', { class: 'es-row-category', dir: 'auto' }, category?.text || e.category),
      h('span', { class: `es-severity es-sev-${severities.indexOf(e.severity)}` }, e.severity),
      h('bdi', { class: 'es-row-text', dir: 'auto' }, `“${clip(e.text)}”`),
      e.correction ? h('bdi', { class: 'es-row-fix', dir: 'auto' }, `→ ${clip(e.correction, 40)}`) : null,
      readOnly ? null : h('button', {
        type: 'button', class: 'btn btn-small btn-danger-quiet', dataset: { action: 'remove' },
        title: t('error_spans.delete'), 'aria-label': t('error_spans.delete'),
      }, '×'));
      row.querySelector('.es-swatch').style.background = category?.color || '#7f7f7f';
      return row;
    });
    list.replaceChildren(...(rows.length ? rows : [h('li', { class: 'es-empty muted small' }, t('error_spans.none_marked'))]));
  }

  function renderDetail() {
    const error = errors.find((e) => e.id === ui.selected);
    if (!error) { detail.replaceChildren(); return; }
    const select = h('select', { 'aria-label': t('error_spans.severity'), testid: `errors-severity-${question.name}` },
      severities.map((s, i) => h('option', { value: s, selected: s === error.severity }, `${i + 1} · ${s}`)));
    select.addEventListener('change', () => update(error.id, { severity: select.value }));
    const fix = h('input', {
      type: 'text', class: 'es-correction', dir: 'auto', placeholder: t('error_spans.correction_placeholder'),
      'aria-label': t('error_spans.correction'), maxlength: '5000', testid: `errors-correction-${question.name}`,
    });
    fix.value = error.correction || '';
    fix.addEventListener('change', () => update(error.id, { correction: fix.value.trim() }));
    detail.replaceChildren(h('div', { class: 'es-detail-head' },
      h('bdi', { dir: 'auto' }, `“${clip(error.text, 80)}”`),
      h('label', { class: 'small' }, t('error_spans.severity'), ' ', select)),
    h('label', { class: 'es-fix small' }, t('error_spans.correction'), ' ', fix));
  }

  function renderHint() {
    if (ui.message) { hint.textContent = ui.message; return; }
    if (ui.pending) hint.textContent = t('error_spans.hint_pending', { text: clip(ui.pending.text, 40) });
    else if (ui.selected) hint.textContent = t('error_spans.hint_selected', { n: severities.length });
    else hint.textContent = t('error_spans.hint_idle');
  }

  /* ---------- changes ---------- */
  function changed() { onChange(errors.map(clean), { advance: false }); }

  function commit() { undo.push(errors); refresh(); changed(); }

  function update(id, patch) {
    errors = errors.map((e) => (e.id === id ? { ...e, ...patch } : e));
    commit();
  }

  function addError(category) {
    const { response, start, end, text } = ui.pending;
    ui.pending = null;
    const existing = errors.find((e) => e.response === response && e.start === start && e.end === end && e.category === category);
    if (existing) { ui.selected = existing.id; ui.message = t('error_spans.exists'); refresh(); ui.message = ''; return; }
    counter += 1;
    const error = { id: `e${counter}`, response, start, end, text, category, severity: middle };
    errors = [...errors, error];
    ui.selected = error.id;
    commit();
  }

  function chooseCategory(value) {
    if (readOnly) return;
    if (!ui.pending) ui.pending = liveSelection();
    if (ui.pending) { addError(value); return; }
    if (ui.selected) { update(ui.selected, { category: value }); return; }
    ui.message = t('error_spans.select_first');
    renderHint();
    ui.message = '';
  }

  function remove(id) {
    errors = errors.filter((e) => e.id !== id);
    if (ui.selected === id) ui.selected = null;
    commit();
  }

  function select(id) {
    ui.selected = id;
    ui.pending = null;
    const error = errors.find((e) => e.id === id);
    if (error && error.response !== ui.response) ui.response = error.response;
    refresh();
    if (error) surfaceFor(error.response).reveal(id);
  }

  function showResponse(id) {
    if (!byId.has(id)) return;
    ui.response = id;
    ui.pending = null;
    refresh();
  }

  /* ---------- the mouse ---------- */
  function liveSelection() {
    if (!ui.response) return null;
    const surface = surfaceFor(ui.response);
    const range = surface.selectionUtf16();
    const content = byId.get(ui.response).content || '';
    const snapped = range && snapSelection(content, range[0], range[1], 'token');
    if (!snapped) return null;
    const index = indexes.get(ui.response);
    const start = index.toCodePoint(snapped[0]);
    const end = index.toCodePoint(snapped[1]);
    return { response: ui.response, start, end, text: index.slice(start, end) };
  }

  function selectionEnded(event) {
    if (!container.isConnected || readOnly) return;
    const picked = liveSelection();
    const surface = surfaceFor(ui.response);
    if (!picked) {
      const keys = surface.textEl.contains(event.target) ? surface.keysAt(event.target) : [];
      if (keys.length && keys[0] !== 'pending') select(keys[0]);
      return;
    }
    window.getSelection()?.removeAllRanges();
    ui.pending = picked;
    ui.selected = null;
    refresh();
  }

  tabs.addEventListener('click', (event) => {
    const tab = event.target.closest('[data-response]');
    if (tab) showResponse(tab.dataset.response);
  });
  palette.addEventListener('click', (event) => {
    const button = event.target.closest('[data-category]');
    if (button) chooseCategory(button.dataset.category);
  });
  list.addEventListener('click', (event) => {
    const row = event.target.closest('[data-id]');
    if (!row) return;
    if (event.target.closest('[data-action="remove"]')) remove(row.dataset.id); else select(row.dataset.id);
  });

  /* ---------- keys ---------- */
  function step(direction) {
    const all = sorted();
    if (!all.length) return;
    const at = all.findIndex((e) => e.id === ui.selected);
    const next = at < 0 ? (direction > 0 ? 0 : all.length - 1) : (at + direction + all.length) % all.length;
    select(all[next].id);
  }

  function onKey(event) {
    if (readOnly) return false;
    if (undo.handleKey(event)) return true;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === '[' || key === ']') {
      const at = shown.findIndex((r) => r.id === ui.response);
      const next = shown[(at + (key === ']' ? 1 : -1) + shown.length) % shown.length];
      if (next) showResponse(next.id);
      return true;
    }
    const focused = document.activeElement;
    const inText = !focused || focused === document.body || stage.contains(focused) || list.contains(focused);
    if (key === 'Tab' && errors.length && inText) { step(event.shiftKey ? -1 : 1); return true; }
    if ((key === 'Delete' || key === 'Backspace') && ui.selected) { remove(ui.selected); return true; }
    if (key === 'Escape' && (ui.pending || ui.selected)) { ui.pending = null; ui.selected = null; refresh(); return true; }
    if (/^[1-9]$/.test(key) && ui.selected && Number(key) <= severities.length) {
      update(ui.selected, { severity: severities[Number(key) - 1] });
      return true;
    }
    const category = categories.find((c) => c.hotkey === key);
    if (category && (ui.pending || ui.selected || liveSelection())) { chooseCategory(category.value); return true; }
    return false;
  }

  // Category keys are also page hotkeys, so the page lists them and they work when nothing is selected yet.
  const hotkeys = new Map();
  if (!readOnly) for (const c of categories) if (c.hotkey) hotkeys.set(c.hotkey, () => chooseCategory(c.value));

  function clean(e) {
    const out = { id: e.id, response: e.response, start: e.start, end: e.end, text: e.text, category: e.category, severity: e.severity };
    if (e.correction) out.correction = e.correction;
    return out;
  }

  refresh();
  return {
    hotkeys,
    getValue: () => (readOnly ? value ?? null : errors.map(clean)),
    setValue(v) { errors = load(v); ui.selected = null; ui.pending = null; undo.reset(errors); refresh(); },
    isEmpty: () => errors.length < (question.min || 0), // an empty list is an answer: "no errors"
    focus() { if (ui.response) surfaceFor(ui.response).textEl.focus({ preventScroll: true }); },
    onKey,
    destroy() { for (const surface of surfaces.values()) surface.destroy(); },
  };
}
