// video_segments: labelled stretches of frames [start, end] (inclusive), marked on the shared player.
//
// Keys: [ marks the start on the current frame, ] the end (the segment takes the active label); { and }
// (Shift+[ Shift+]) move the selected segment's start or end to the current frame; / selects the segment
// under the playhead (again: the next one); < > jump to the previous / next segment edge; Delete removes the
// selected segment; Esc drops a pending start or the selection; label keys choose the label (and relabel
// the selected segment); P (Shift+P when a label has P) accepts a model's suggestion; Ctrl+Z /
// Ctrl+Shift+Z / Ctrl+Y undo and redo.
// Mouse: click a segment on the timeline or in the list to select it, drag its edges to move them.
// Segments of one label that overlap are joined; other labels may overlap only when the question allows it.
import { h } from '../ui.js';
import { t, fmtNumber } from '../i18n.js';
import { attributesFor } from './attributes.js';
import { hotkeyMap, renderChoices } from './choices.js';
import { UndoStack } from './undo.js';
import {
  clone, isToolKey, neighbourFrame, nextId, suggestionBox, suggestionOf, toolButton, toolKeyText,
  editorBasics, paintLabelButtons, paintObjectAttributes,
} from './video-edit.js';
import { clock, playerFor, svg } from './video-player.js';

/** Draws its work surface on the field it annotates (the page leaves that field a slot). */
export const surface = true;

const EDGE_PX = 6;

/** "3 segments". */
export function summary(question, value) {
  if (!Array.isArray(value)) return null;
  return t(value.length === 1 ? 'video.segments.summary_one' : 'video.segments.summary', { n: fmtNumber(value.length) });
}

export function render(container, question, value, onChange, ctx) {
  const { labels, claimed, colour, slot, readOnly, objects, fallback } = editorBasics(container, question, value, ctx);
  if (fallback) return fallback;
  let segments = objects;
  const player = playerFor(slot, ctx, question.field);
  const lane = player.addLane(question.name);
  const suggestion = suggestionOf(ctx);
  let selected = null;
  let pending = null; // the frame a [ marked
  let activeLabel = labels.length ? labels[0].value : null;
  let edge = null; // a dragged edge: {id, side, frame}

  const root = h('div', { class: 'vq vq-segments', tabindex: '-1', testid: `video-segments-${question.name}` });
  container.append(root);
  const { buttons, grid } = renderChoices(root, question, 'single');
  const tool = (action, key, text) => toolButton('segments', action, key, text, { disabled: readOnly });
  const tools = h('div', { class: 'vq-tools row-wrap' },
    tool('start', '[', t('video.segments.mark_start')),
    tool('end', ']', t('video.segments.mark_end')),
    tool('set-start', '{', t('video.segments.set_start')),
    tool('set-end', '}', t('video.segments.set_end')),
    tool('delete', 'Del', t('video.segments.delete')));
  const status = h('p', { class: 'vq-status small', role: 'status', testid: `segments-status-${question.name}` });
  const offer = suggestionBox('segments', question.name, suggestion, suggestion && summary(question, suggestion.value),
    toolKeyText('p', claimed));
  const list = h('ol', { class: 'vq-list', 'aria-label': t('video.segments.list'), testid: `segments-list-${question.name}` });
  const attrs = h('div', { class: 'vq-attributes' });
  root.append(tools, offer, status, list, attrs, h('p', { class: 'small muted vq-help' }, t('video.segments.help')));
  if (readOnly) tools.hidden = true;

  const undo = new UndoStack(segments, (state) => {
    segments = state;
    if (!find(selected)) selected = null;
    changed({ record: false });
  });
  const find = (id) => segments.find((s) => s.id === id) || null;
  const frame = () => player.frame;
  const labelText = (v) => (labels.find((l) => l.value === v) || { text: String(v) }).text;
  const say = (message) => { status.textContent = message; };

  function changed({ record = true } = {}) {
    segments.sort((a, b) => a.start - b.start || a.end - b.end);
    if (record) undo.push(segments);
    paintAll();
    onChange(clone(segments));
  }

  /**
   * Put `segment` into the answer (replacing the one with its id): same-label overlaps are joined into it;
   * an overlap with another label is refused unless the question allows it. True when placed.
   */
  function place(segment) {
    const others = segments.filter((s) => s.id !== segment.id);
    const overlaps = (s) => s.start <= segment.end && s.end >= segment.start;
    const clash = !question.allow_overlap && others.find((s) => s.label !== segment.label && overlaps(s));
    if (clash) {
      say(t('video.segments.overlap', { label: labelText(clash.label), start: fmtNumber(clash.start), end: fmtNumber(clash.end) }));
      return false;
    }
    const joined = others.filter((s) => s.label === segment.label && overlaps(s));
    for (const s of joined) {
      segment.start = Math.min(segment.start, s.start);
      segment.end = Math.max(segment.end, s.end);
      segment.attributes = { ...s.attributes, ...segment.attributes };
    }
    segments = [...others.filter((s) => !joined.includes(s)), segment];
    selected = segment.id;
    return true;
  }

  function markStart() {
    pending = frame();
    say(t('video.segments.pending', { frame: fmtNumber(pending) }));
    paintLane();
  }

  function markEnd() {
    if (pending === null) { say(t('video.segments.need_start')); return; }
    const f = frame();
    const segment = { id: nextId(segments), label: activeLabel, start: Math.min(pending, f), end: Math.max(pending, f), attributes: {} };
    if (!place(segment)) return;
    pending = null;
    say(t('video.segments.created', { label: labelText(segment.label), start: fmtNumber(segment.start), end: fmtNumber(segment.end) }));
    changed();
  }

  function setBound(side, f) {
    const current = find(selected);
    if (!current) { say(t('video.segments.select_first')); return false; }
    const next = { ...clone(current), [side]: f };
    if (next.start > next.end) { say(t('video.segments.bad_bounds')); return false; }
    if (!place(next)) return false;
    changed();
    return true;
  }

  function remove() {
    if (pending !== null && !find(selected)) { pending = null; say(''); paintLane(); return; }
    const current = find(selected);
    if (!current) { say(t('video.segments.select_first')); return; }
    segments = segments.filter((s) => s !== current);
    selected = null;
    changed();
  }

  function relabel(v) {
    activeLabel = v;
    const current = find(selected);
    if (current && current.label !== v && !readOnly) {
      const allowed = new Set(attributesFor(question, v).map((a) => a.name));
      const next = { ...clone(current), label: v,
        attributes: Object.fromEntries(Object.entries(current.attributes || {}).filter(([k]) => allowed.has(k))) };
      if (place(next)) changed();
      return;
    }
    paintLabels();
  }

  function cycleSelection() {
    const here = segments.filter((s) => s.start <= frame() && frame() <= s.end);
    if (!here.length) { say(t('video.segments.none_here')); return; }
    const i = here.findIndex((s) => s.id === selected);
    selected = here[(i + 1) % here.length].id;
    paintAll();
  }

  function jumpEdge(direction) {
    const target = neighbourFrame(segments.flatMap((s) => [s.start, s.end]), frame(), direction);
    if (target !== null) player.seek(target);
  }

  function accept() {
    if (!suggestion || readOnly) return;
    segments = clone(suggestion.value);
    selected = null;
    changed();
  }

  /* ---------- painting ---------- */

  function shownSegments() {
    return segments.length || !suggestion ? { showing: segments, ghost: false } : { showing: suggestion.value, ghost: true };
  }

  function paintLane() {
    const { showing, ghost } = shownSegments();
    const parts = [];
    for (const s of showing) {
      const moving = edge && edge.id === s.id ? { ...s, [edge.side]: edge.frame } : s;
      const start = Math.min(moving.start, moving.end);
      const end = Math.max(moving.start, moving.end);
      parts.push(svg('rect', {
        class: `vq-seg lbl-${colour.get(s.label) ?? 0}${s.id === selected && !ghost ? ' is-selected' : ''}${ghost ? ' is-suggestion' : ''}`,
        x: start, y: 0.1, width: end - start + 1, height: 0.8, 'data-segment': ghost ? null : s.id,
      }));
    }
    const current = find(selected);
    if (current && !readOnly) {
      const perFrame = lane.getBoundingClientRect().width / (player.frames || 1);
      const w = perFrame > 0 ? EDGE_PX / perFrame : 1;
      const s = edge && edge.side === 'start' ? edge.frame : current.start;
      const e = edge && edge.side === 'end' ? edge.frame : current.end;
      parts.push(svg('rect', { class: 'vq-edge', 'data-edge': 'start', x: s - w / 2, y: 0, width: w, height: 1 }));
      parts.push(svg('rect', { class: 'vq-edge', 'data-edge': 'end', x: e + 1 - w / 2, y: 0, width: w, height: 1 }));
    }
    if (pending !== null) {
      const a = Math.min(pending, frame());
      const b = Math.max(pending, frame());
      parts.push(svg('rect', { class: `vq-pending lbl-${colour.get(activeLabel) ?? 0}`, x: a, y: 0.1, width: b - a + 1, height: 0.8 }));
      parts.push(svg('path', { class: 'vq-pending-mark', d: `M${pending + 0.5} 0V1` }));
    }
    lane.replaceChildren(...parts);
  }

  function paintList() {
    list.replaceChildren();
    if (!segments.length) list.append(h('li', { class: 'muted small' }, t('video.segments.empty')));
    const fps = player.fps || 1;
    for (const s of segments) {
      list.append(h('li', {},
        h('button', {
          type: 'button', class: `vq-item lbl-${colour.get(s.label) ?? 0}`, 'aria-pressed': String(s.id === selected),
          dataset: { segment: s.id }, testid: `segment-${question.name}-${s.id}`,
        },
        h('span', { class: 'vq-swatch', 'aria-hidden': 'true' }),
        h('span', { dir: 'auto' }, t('video.segments.item', { label: labelText(s.label), start: fmtNumber(s.start), end: fmtNumber(s.end) })),
        h('span', { class: 'muted small' }, clock((s.end - s.start + 1) / fps)))));
    }
  }

  function paintAttributes() {
    paintObjectAttributes(attrs, question, find(selected), changed, { readOnly, testid: `segment-attributes-${question.name}` });
  }

  function paintLabels() {
    paintLabelButtons(buttons, activeLabel, readOnly);
  }

  function paintAll() {
    paintLane();
    paintList();
    paintAttributes();
    paintLabels();
    offer.hidden = !suggestion || segments.length > 0 || readOnly;
  }

  const offFrame = player.onFrame(() => { if (pending !== null) paintLane(); });
  const offReady = player.whenReady(() => paintAll());

  /* ---------- mouse ---------- */

  lane.addEventListener('pointerdown', (event) => {
    if (event.button !== 0) return;
    const handle = event.target.closest('[data-edge]');
    const hit = event.target.closest('[data-segment]');
    if (handle && !readOnly) {
      event.preventDefault(); // the timeline does not scrub: this drag moves an edge
      root.focus({ preventScroll: true });
      const side = handle.dataset.edge;
      edge = { id: selected, side, frame: find(selected)[side] };
      lane.setPointerCapture(event.pointerId);
    } else if (hit) {
      selected = hit.dataset.segment;
      root.focus({ preventScroll: true });
      paintAll();
    }
  });
  lane.addEventListener('pointermove', (event) => {
    if (!edge) return;
    edge.frame = Math.min(Math.max(player.frameAtClientX(event.clientX), 0), player.lastFrame());
    player.seek(edge.frame);
    paintLane();
  });
  const dropEdge = (commit) => {
    if (!edge) return;
    const { side, frame: f } = edge;
    edge = null;
    if (!commit || !setBound(side, f)) paintLane();
  };
  lane.addEventListener('pointerup', () => dropEdge(true));
  lane.addEventListener('pointercancel', () => dropEdge(false));

  root.addEventListener('click', (event) => {
    const item = event.target.closest('button[data-segment]');
    if (item) {
      selected = item.dataset.segment;
      const current = find(selected);
      if (current && (frame() < current.start || frame() > current.end)) player.seek(current.start);
      paintAll();
      return;
    }
    const action = event.target.closest('button[data-action]')?.dataset.action;
    const actions = { start: markStart, end: markEnd, 'set-start': () => setBound('start', frame()),
      'set-end': () => setBound('end', frame()), delete: remove, accept };
    if (actions[action] && !readOnly) actions[action]();
  });
  grid.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-value]');
    const label = button && labels.find((l) => String(l.value) === button.dataset.value);
    if (label && !readOnly) relabel(label.value);
  });

  /* ---------- keys ---------- */

  function onKey(event) {
    if (edge) { // while an edge is dragged, keys do nothing but Esc, which cancels it
      if (event.key === 'Escape') dropEdge(false);
      return true;
    }
    if (event.key === 'Enter' && pending !== null && !readOnly) { say(t('video.segments.finish_first')); return true; }
    if (!readOnly && undo.handleKey(event)) return true;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const key = event.key;
    if (key === '<' || (key === ',' && event.shiftKey)) { jumpEdge(-1); return true; }
    if (key === '>' || (key === '.' && event.shiftKey)) { jumpEdge(1); return true; }
    if (key === '/') { cycleSelection(); return true; }
    if (!readOnly) {
      if (key === '[' && !event.shiftKey) { markStart(); return true; }
      if (key === ']' && !event.shiftKey) { markEnd(); return true; }
      if (key === '{' || (key === '[' && event.shiftKey)) { setBound('start', frame()); return true; }
      if (key === '}' || (key === ']' && event.shiftKey)) { setBound('end', frame()); return true; }
      if (key === 'Delete' || key === 'Backspace') { remove(); return true; }
      if (isToolKey(event, 'p', claimed) && suggestion && !segments.length) { accept(); return true; }
      if (key === 'Escape' && (pending !== null || selected)) {
        pending = null;
        selected = null;
        say('');
        paintAll();
        return true;
      }
    }
    return player.handleKey(event, { claimed });
  }

  paintAll();
  return {
    hotkeys: readOnly ? new Map() : hotkeyMap(labels, (v) => relabel(v)),
    getValue: () => clone(segments),
    setValue(v) {
      segments = Array.isArray(v) ? clone(v) : [];
      selected = null;
      pending = null;
      undo.reset(segments);
      paintAll();
    },
    isEmpty: () => segments.length === 0,
    focus() { root.focus({ preventScroll: true }); },
    onKey,
    destroy() {
      offFrame();
      offReady();
      lane.remove();
      player.release();
    },
  };
}
