// What the four shape questions share: the object list, selection, the active label, undo/redo,
// model suggestions, the controls beside the questions (labels, list, attributes) and the common keys.
// Each type supplies a `tool` for its geometry: drawing, hit testing, handles and its own keys.
//
// Tool interface (all optional unless marked):
//   noun: {one, many}  (i18n keys, required)      hints: [[key text, i18n key], ...]
//   create(ed, obj) → SVG element, update(ed, el, obj, style)   drawing one object ({color, selected, suggestion})
//   contains(ed, obj, pt, tol) → score | null  (smaller wins: nested shapes pick the innermost)
//   drawHandles(ed, obj, group)   pointerDown(ed, pt, event) → gesture | null   cursorAt(ed, pt)
//   onKey(ed, event) → bool   nudge(ed, obj, dx, dy) → obj | null   drafting(ed) → bool   cancelDraft(ed) → bool
//   controls(ed) → element   refresh(ed)   details(ed, obj) → element   renderObjects(ed) (replaces SVG drawing)
//   relabel(ed, obj, label) → obj | null   onHover(ed, pt)   unmount(ed)
import { h } from '../ui.js';
import { fmtNumber, t } from '../i18n.js';
import { UndoStack } from './undo.js';
import { attributeEditor } from './attributes.js';
import { labelsOf } from './choices.js';
import { canvasFor, svg } from './image-canvas.js';

export const PALETTE = ['#e6194b', '#3cb44b', '#4363d8', '#f58231', '#911eb4', '#42d4f4', '#f032e6', '#9a6324',
  '#469990', '#bfef45', '#800000', '#000075'];
const LIST_LIMIT = 200;

export const round2 = (v) => Math.round(v * 100) / 100;
export const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
const clone = (v) => JSON.parse(JSON.stringify(v));

/** "12 boxes (car ×8, person ×4)": the count with its noun and the count per label, most frequent first. */
export function summarize(question, value, noun) {
  const objects = Array.isArray(value) ? value : [];
  const texts = new Map(labelsOf(question).map((l) => [l.value, l.text]));
  const counts = new Map();
  for (const obj of objects) counts.set(obj.label, (counts.get(obj.label) || 0) + 1);
  const head = objects.length === 1 ? t(noun.one) : t(noun.many, { n: fmtNumber(objects.length) });
  if (!objects.length) return head;
  const detail = [...counts].sort((a, b) => b[1] - a[1])
    .map(([label, n]) => `${texts.get(label) ?? label} ×${fmtNumber(n)}`).join(', ');
  return t('image.summary', { count: head, detail });
}

export function shapeEditor(container, question, value, onChange, ctx, tool) {
  return new ShapeEditor(container, question, value, onChange, ctx, tool).widget();
}

export class ShapeEditor {
  constructor(container, question, value, onChange, ctx, tool) {
    this.q = question;
    this.tool = tool;
    this.ctx = ctx;
    this.onChange = onChange;
    this.readOnly = Boolean(ctx.readOnly);
    this.labels = labelsOf(question);
    this.colors = new Map(this.labels.map((l, i) => [l.value, PALETTE[i % PALETTE.length]]));
    this.hotkeyLabels = new Map(this.labels.filter((l) => l.hotkey).map((l) => [String(l.hotkey).toLowerCase(), l.value]));
    this.activeLabel = this.labels[0] ? this.labels[0].value : null;
    this.objects = Array.isArray(value) ? clone(value) : [];
    this.pending = this.readOnly ? [] : this.suggestionsFrom(ctx.prediction); // reviewers see answers, not the model
    this.selection = null; // {kind: 'object' | 'suggestion', id}
    this.els = new Map(); // 'o' + id / 's' + id → SVG element
    this.detailsKey = null;
    this.undo = new UndoStack(this.state(), (state) => this.restore(state));
    this.buildControls(container);

    const slot = ctx.fieldSlot ? ctx.fieldSlot(question.field) : null;
    const item = ctx.item || {};
    if (slot) {
      const src = (item.rendered && item.rendered[question.field]) || (item.data && item.data[question.field]);
      this.canvas = canvasFor(slot, src, item.media ? item.media[question.field] : null);
      this.layer = this.canvas.addLayer({
        editable: !this.readOnly,
        isActive: () => {
          const fieldset = this.root.closest('.question');
          return !fieldset || fieldset.classList.contains('is-active');
        },
        activate: () => this.root.focus({ preventScroll: true }),
        pointerDown: (pt, event) => this.tool.pointerDown(this, pt, event),
        cursorAt: (pt) => (pt && this.tool.cursorAt ? this.tool.cursorAt(this, pt) : ''),
        onHover: (pt) => this.tool.onHover?.(this, pt),
        onView: () => this.drawHandles(),
      });
      this.layer.group.dataset.question = question.name;
      this.layer.group.classList.toggle('is-readonly', this.readOnly);
      this.shapes = svg('g', { class: 'ic-shapes' });
      this.live = svg('g', { class: 'ic-live' });
      this.handles = svg('g', { class: 'ic-handles' });
      this.layer.group.append(this.shapes, this.live, this.handles);
      this.canvas.ready.then(() => this.render());
    } else {
      this.message(t('image.no_surface'));
    }
    this.render();
  }

  /* ---------- state ---------- */

  state() { return { objects: this.objects, pending: this.pending }; }

  restore(state) {
    this.objects = state.objects || [];
    this.pending = state.pending || [];
    this.tool.cancelDraft?.(this, { quiet: true });
    if (this.selection && !this.find(this.selection)) this.selection = null;
    this.detailsKey = null;
    this.render();
    this.emit();
  }

  emit() { this.onChange(this.getValue()); }

  getValue() { return clone(this.objects); }

  /** Model suggestions not already among the objects (same label and geometry). */
  suggestionsFrom(prediction) {
    const list = prediction && Array.isArray(prediction.value) ? clone(prediction.value) : [];
    const shape = (o) => JSON.stringify({ ...o, id: null, attributes: null });
    const taken = new Set(this.objects.map(shape));
    this.score = prediction && typeof prediction.score === 'number' ? prediction.score : null;
    return list.filter((o) => !taken.has(shape(o)));
  }

  find(sel) {
    if (!sel) return null;
    const list = sel.kind === 'suggestion' ? this.pending : this.objects;
    return list.find((o) => o.id === sel.id) || null;
  }

  selected() { return this.selection && this.selection.kind === 'object' ? this.find(this.selection) : null; }

  color(label) { return this.colors.get(label) || '#888'; }

  nextId() {
    let n = this.objects.length + 1;
    const used = new Set(this.objects.map((o) => o.id));
    for (const o of this.objects) if (/^\d+$/.test(o.id)) n = Math.max(n, Number(o.id) + 1);
    while (used.has(String(n))) n += 1;
    return String(n);
  }

  get width() { return this.canvas ? this.canvas.width : 0; }

  get height() { return this.canvas ? this.canvas.height : 0; }

  /** Image pixels per screen pixel at the current zoom. */
  get unit() { return this.canvas ? this.canvas.unit : 1; }

  clampPoint(pt) { return { x: round2(clamp(pt.x, 0, this.width)), y: round2(clamp(pt.y, 0, this.height)) }; }

  /* ---------- changes (each one is an undo step and an onChange) ---------- */

  commit(objects, { select } = {}) {
    this.objects = objects;
    if (select !== undefined) this.selection = select;
    if (this.selection && !this.find(this.selection)) this.selection = null;
    this.undo.push(this.state());
    this.render();
    this.emit();
  }

  add(obj) {
    const made = { ...obj, id: this.nextId(), attributes: obj.attributes || {} };
    this.commit([...this.objects, made], { select: { kind: 'object', id: made.id } });
    return made;
  }

  replace(obj) { this.commit(this.objects.map((o) => (o.id === obj.id ? obj : o))); }

  remove(id) { this.commit(this.objects.filter((o) => o.id !== id), { select: null }); }

  accept(ids) {
    const wanted = new Set(ids);
    const chosen = this.pending.filter((o) => wanted.has(o.id));
    if (!chosen.length) return;
    const used = new Set(this.objects.map((o) => o.id));
    let next = Number(this.nextId());
    const added = chosen.map((obj) => {
      while (used.has(String(next))) next += 1;
      const made = { ...obj, id: String(next), attributes: obj.attributes || {} };
      used.add(made.id);
      return made;
    });
    this.pending = this.pending.filter((o) => !wanted.has(o.id));
    this.commit([...this.objects, ...added], { select: added.length === 1 ? { kind: 'object', id: added[0].id } : null });
  }

  dismiss(id) {
    this.pending = this.pending.filter((o) => o.id !== id);
    this.commit(this.objects, { select: null });
  }

  select(sel) {
    this.selection = sel;
    this.render();
  }

  setLabel(value) {
    this.activeLabel = value;
    const obj = this.selected();
    if (obj && obj.label !== value && !this.tool.drafting?.(this)) {
      const changed = this.tool.relabel ? this.tool.relabel(this, obj, value) : { ...obj, label: value };
      if (changed) {
        const keep = new Set((this.q.attributes || []).filter((a) => !a.labels || !a.labels.length || a.labels.includes(value)).map((a) => a.name));
        changed.attributes = Object.fromEntries(Object.entries(obj.attributes || {}).filter(([k]) => keep.has(k)));
        this.replace(changed);
        return;
      }
    }
    this.render();
  }

  /* ---------- hit testing ---------- */

  /** The object (or suggestion) under `pt`: the innermost (smallest score) of those containing it. */
  hit(pt) {
    const tol = 4 * this.unit;
    let best = null;
    for (const [kind, list] of [['object', this.objects], ['suggestion', this.pending]]) {
      for (const obj of list) {
        const score = this.tool.contains(this, obj, pt, tol);
        if (score !== null && score !== undefined && (!best || score < best.score)) best = { kind, id: obj.id, obj, score };
      }
      if (best) return best;
    }
    return null;
  }

  /* ---------- drawing ---------- */

  render() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = null;
      this.renderNow();
    });
  }

  renderNow() {
    if (this.canvas && this.width) {
      if (this.tool.renderObjects) this.tool.renderObjects(this);
      else this.renderShapes();
      this.drawHandles();
    }
    this.renderControls();
  }

  styleOf(obj, kind) {
    const sel = this.selection;
    return { color: this.color(obj.label), suggestion: kind === 'suggestion',
      selected: Boolean(sel && sel.kind === kind && sel.id === obj.id) };
  }

  /** One SVG element per object, kept by id: new ones are made, changed ones updated, gone ones removed. */
  renderShapes() {
    const seen = new Set();
    const batch = document.createDocumentFragment();
    for (const [kind, list] of [['object', this.objects], ['suggestion', this.pending]]) {
      for (const obj of list) {
        const key = (kind === 'object' ? 'o' : 's') + obj.id;
        seen.add(key);
        let el = this.els.get(key);
        if (!el) {
          el = this.tool.create(this, obj);
          el.dataset.id = obj.id;
          el.dataset.kind = kind;
          this.els.set(key, el);
          batch.append(el);
        }
        this.tool.update(this, el, obj, this.styleOf(obj, kind));
      }
    }
    for (const [key, el] of this.els) {
      if (!seen.has(key)) { el.remove(); this.els.delete(key); }
    }
    this.shapes.append(batch);
  }

  /** Redraw one object while it is dragged (nothing else changes until the drag ends). */
  preview(obj) {
    const el = this.els.get(`o${obj.id}`);
    if (el) this.tool.update(this, el, obj, this.styleOf(obj, 'object'));
    this.drawHandles(obj);
  }

  drawHandles(obj = this.selected()) {
    if (!this.handles) return;
    this.handles.replaceChildren();
    if (obj && !this.readOnly && this.tool.drawHandles) this.tool.drawHandles(this, obj, this.handles);
  }

  /* ---------- controls beside the questions ---------- */

  buildControls(container) {
    const q = this.q;
    this.root = h('div', { class: 'shape-editor', tabindex: '-1', testid: `shapes-${q.name}` });
    if (!this.readOnly) {
      this.labelBar = h('div', { class: 'shape-labels', role: 'group', 'aria-label': t('image.labels') },
        this.labels.map((label) => h('button', {
          type: 'button', class: 'shape-label', 'aria-pressed': 'false', dataset: { label: label.value },
          testid: `label-${q.name}-${label.value}`, 'aria-keyshortcuts': label.hotkey || null,
        },
        label.hotkey ? h('kbd', {}, String(label.hotkey).toUpperCase()) : null,
        this.swatch(label.value), h('span', { dir: 'auto' }, label.text))));
      this.acceptAll = h('button', { type: 'button', class: 'btn btn-small', hidden: true, testid: `accept-all-${q.name}` },
        t('image.accept_all'), ' ', h('kbd', {}, 'Shift+A'));
      this.toolRow = h('div', { class: 'shape-tools' }, this.tool.controls ? this.tool.controls(this) : null, this.acceptAll);
      const hints = [...(this.tool.hints || []), ['Del', 'image.hint_delete'], ['Esc', 'image.hint_escape'],
        ['Ctrl+Z', 'image.hint_undo'], [t('image.key_space_drag'), 'image.hint_pan'], ['+ − 0', 'image.hint_zoom']];
      // tool hints name their key by an i18n key when it is a word ("Drag", "Click")
      this.hint = h('p', { class: 'shape-hint muted small' },
        hints.map(([key, text]) => h('span', {}, h('kbd', {}, key.startsWith('image.') ? t(key) : key), ' ', t(text))));
      this.root.append(this.labelBar, this.toolRow, this.hint);
    }
    this.note = h('p', { class: 'shape-message small', role: 'status', hidden: true, testid: `shape-message-${q.name}` });
    this.count = h('p', { class: 'shape-count', testid: `shape-count-${q.name}` });
    this.details = h('div', { class: 'shape-details', hidden: true, testid: `shape-details-${q.name}` });
    this.list = h('ol', { class: 'shape-list', testid: `shape-list-${q.name}` });
    this.root.append(this.note, this.count, this.details, this.list);
    container.append(this.root);

    this.root.addEventListener('click', (event) => {
      const target = event.target instanceof Element ? event.target : null;
      if (!target || this.readOnly) return;
      const labelButton = target.closest('[data-label]');
      const row = target.closest('[data-row]');
      if (labelButton && this.labelBar && this.labelBar.contains(labelButton)) this.setLabel(labelButton.dataset.label);
      else if (target.closest('[data-action="delete-shape"]')) this.deleteSelected();
      else if (target.closest('[data-action="accept-shape"]')) this.accept([this.selection.id]);
      else if (this.acceptAll && this.acceptAll.contains(target)) this.accept(this.pending.map((o) => o.id));
      else if (row) this.select({ kind: row.dataset.kind, id: row.dataset.row });
    });
  }

  swatch(label) {
    const el = h('span', { class: 'shape-swatch', 'aria-hidden': 'true' });
    el.style.backgroundColor = this.color(label);
    return el;
  }

  message(text) {
    this.note.textContent = text || '';
    this.note.hidden = !text;
    clearTimeout(this.noteTimer);
    if (text) this.noteTimer = setTimeout(() => { this.note.hidden = true; }, 4000);
  }

  renderControls() {
    if (this.labelBar) {
      for (const button of this.labelBar.children) button.setAttribute('aria-pressed', String(button.dataset.label === this.activeLabel));
      this.acceptAll.hidden = !this.pending.length;
      this.tool.refresh?.(this);
    }
    this.count.textContent = summarize(this.q, this.objects, this.tool.noun)
      + (this.pending.length === 1 ? ` · ${t('image.suggestions_one')}` : '')
      + (this.pending.length > 1 ? ` · ${t('image.suggestions', { n: fmtNumber(this.pending.length) })}` : '');
    this.renderList();
    this.renderDetails();
  }

  renderList() {
    const rows = [];
    const texts = new Map(this.labels.map((l) => [l.value, l.text]));
    const all = [...this.objects.map((o) => ['object', o]), ...this.pending.map((o) => ['suggestion', o])];
    const suggestionText = this.score === null ? t('image.suggestion')
      : `${t('image.suggestion')} ${fmtNumber(this.score, { maximumFractionDigits: 2 })}`;
    for (const [kind, obj] of all.slice(0, LIST_LIMIT)) {
      const current = this.selection && this.selection.kind === kind && this.selection.id === obj.id;
      rows.push(h('li', {},
        h('button', { type: 'button', class: `shape-row${kind === 'suggestion' ? ' is-suggestion' : ''}`, 'aria-current': current ? 'true' : null,
          dataset: { row: obj.id, kind }, testid: 'shape-row' },
        this.swatch(obj.label), h('span', { dir: 'auto' }, texts.get(obj.label) ?? obj.label),
        h('span', { class: 'muted small' }, kind === 'suggestion' ? suggestionText : `#${obj.id}`))));
    }
    if (all.length > LIST_LIMIT) rows.push(h('li', { class: 'muted small' }, t('image.more', { n: fmtNumber(all.length - LIST_LIMIT) })));
    this.list.replaceChildren(...rows);
  }

  renderDetails() {
    const obj = this.find(this.selection);
    const key = obj ? `${this.selection.kind}:${obj.id}:${obj.label}:${this.tool.detailsKey ? this.tool.detailsKey(this, obj) : ''}` : null;
    if (key === this.detailsKey) return;
    this.detailsKey = key;
    this.details.hidden = !obj;
    if (!obj) { this.details.replaceChildren(); return; }
    const parts = [];
    if (this.selection.kind === 'suggestion') {
      parts.push(h('p', { class: 'small' }, t('image.suggestion_selected')),
        h('button', { type: 'button', class: 'btn btn-small btn-primary', dataset: { action: 'accept-shape' }, testid: `accept-${this.q.name}` },
          t('image.accept'), ' ', h('kbd', {}, '↵')));
    } else {
      const labelSelect = h('select', { disabled: this.readOnly, 'aria-label': t('image.label'), testid: `shape-label-${this.q.name}` },
        this.labels.map((l) => h('option', { value: l.value, selected: l.value === obj.label }, l.text)));
      labelSelect.addEventListener('change', () => this.setLabel(labelSelect.value));
      parts.push(h('label', { class: 'object-attribute' }, h('span', { class: 'small' }, t('image.label')), labelSelect));
      const attrs = attributeEditor(this.q, obj.label, obj.attributes, (values) => {
        const current = this.find(this.selection);
        if (current) this.replace({ ...current, attributes: values });
      }, { readOnly: this.readOnly, testid: `shape-attributes-${this.q.name}` });
      if (attrs) parts.push(attrs);
      if (this.tool.details) parts.push(this.tool.details(this, obj));
      if (!this.readOnly) {
        parts.push(h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet', dataset: { action: 'delete-shape' } },
          t('image.delete'), ' ', h('kbd', {}, 'Del')));
      }
    }
    this.details.replaceChildren(...parts.filter(Boolean));
  }

  deleteSelected() {
    const sel = this.selection;
    if (!sel) return false;
    if (sel.kind === 'suggestion') this.dismiss(sel.id);
    else this.remove(sel.id);
    return true;
  }

  /* ---------- keys ---------- */

  onKey(event) {
    if (this.readOnly) return false;
    // while drawing, the tool sees Ctrl+Z first (a polygon being drawn loses its last point)
    if (this.tool.drafting?.(this) && this.tool.onKey && this.tool.onKey(this, event)) return true;
    if (this.undo.handleKey(event)) return true;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const key = event.key;
    const lower = key.length === 1 ? key.toLowerCase() : key;
    if (key === ' ') return true; // Space + drag pans; keep the page from scrolling
    if (event.shiftKey && lower === 'a') {
      if (!this.pending.length) return false;
      this.accept(this.pending.map((o) => o.id));
      return true;
    }
    if (key.length === 1 && this.hotkeyLabels.has(lower)) return false; // label keys: the widget's hotkeys map
    if (this.tool.onKey && !this.tool.drafting?.(this) && this.tool.onKey(this, event)) return true;
    if (key === 'Escape') {
      if (this.canvas && this.canvas.cancelGesture()) return true;
      if (this.tool.cancelDraft && this.tool.cancelDraft(this)) return true;
      if (this.selection) { this.select(null); return true; }
      return false;
    }
    if (key === 'Enter') {
      if (this.selection && this.selection.kind === 'suggestion') { this.accept([this.selection.id]); return true; }
      return false;
    }
    if (key === 'Delete' || key === 'Backspace') return this.deleteSelected();
    if (key.startsWith('Arrow')) {
      const obj = this.selected();
      if (!obj || !this.tool.nudge) return false;
      const step = event.shiftKey ? 10 : 1;
      const dx = key === 'ArrowLeft' ? -step : key === 'ArrowRight' ? step : 0;
      const dy = key === 'ArrowUp' ? -step : key === 'ArrowDown' ? step : 0;
      const moved = this.tool.nudge(this, obj, dx, dy);
      if (moved) this.replace(moved);
      return true;
    }
    return Boolean(this.canvas && this.canvas.handleZoomKey(event));
  }

  /* ---------- the widget contract ---------- */

  widget() {
    const hotkeys = new Map();
    if (!this.readOnly) for (const [key, value] of this.hotkeyLabels) hotkeys.set(key, () => this.setLabel(value));
    return {
      hotkeys,
      onKey: (event) => this.onKey(event),
      getValue: () => this.getValue(),
      setValue: (value) => {
        this.objects = Array.isArray(value) ? clone(value) : [];
        this.selection = null;
        this.detailsKey = null;
        this.tool.cancelDraft?.(this, { quiet: true });
        this.undo.reset(this.state());
        this.render();
      },
      isEmpty: () => this.objects.length === 0,
      focus: () => (this.canvas ? this.canvas.stage : this.root).focus({ preventScroll: true }),
      destroy: () => {
        if (this.frame) cancelAnimationFrame(this.frame);
        this.tool.unmount?.(this);
        if (this.canvas) this.canvas.removeLayer(this.layer);
      },
    };
  }
}
