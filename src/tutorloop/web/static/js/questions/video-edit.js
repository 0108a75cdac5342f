// What the video editors (tracks and segments) share: ids, box geometry, neighbouring frames, tool buttons
// and the model-suggestion box.
import { h } from '../ui.js';
import { attributeEditor } from './attributes.js';
import { labelsOf } from './choices.js';
import { t, fmtPercent } from '../i18n.js';

/** A JSON copy (answers are plain JSON). */
export const clone = (value) => JSON.parse(JSON.stringify(value));

const round2 = (v) => Math.round(v * 100) / 100;

/** The next free id of a list of objects: one past the largest numeric id, as a string. */
export function nextId(objects) {
  const ids = new Set(objects.map((o) => o.id));
  let n = objects.length + 1;
  for (const o of objects) if (/^\d+$/.test(o.id)) n = Math.max(n, Number(o.id) + 1);
  while (ids.has(String(n))) n += 1;
  return String(n);
}

/** A box rounded to 1/100 px and kept inside a width × height frame (at least 0.01 px wide and high). */
export function clampBox(box, width, height) {
  let x = Math.min(Math.max(round2(box.x), 0), width - 0.01);
  let y = Math.min(Math.max(round2(box.y), 0), height - 0.01);
  const w = Math.max(Math.min(round2(box.w), round2(width - x)), 0.01);
  const h = Math.max(Math.min(round2(box.h), round2(height - y)), 0.01);
  x = Math.min(x, width - w);
  y = Math.min(y, height - h);
  return { x, y, w, h };
}

/**
 * The box a mouse drag makes: `drag` = {mode: draw|move|resize, start: point, origin: box, corner: nw|ne|sw|se},
 * `point` the pointer now, both in video pixels; a moved box stays inside the frame.
 */
export function dragBox(drag, point, width, height) {
  const dx = point.x - drag.start.x;
  const dy = point.y - drag.start.y;
  if (drag.mode === 'draw') {
    return { x: Math.min(drag.start.x, point.x), y: Math.min(drag.start.y, point.y), w: Math.abs(dx), h: Math.abs(dy) };
  }
  const o = drag.origin;
  if (drag.mode === 'move') {
    return { x: Math.min(Math.max(o.x + dx, 0), width - o.w), y: Math.min(Math.max(o.y + dy, 0), height - o.h), w: o.w, h: o.h };
  }
  let x1 = o.x;
  let y1 = o.y;
  let x2 = o.x + o.w;
  let y2 = o.y + o.h;
  if (drag.corner.includes('w')) x1 = point.x; else x2 = point.x;
  if (drag.corner.includes('n')) y1 = point.y; else y2 = point.y;
  return { x: Math.min(x1, x2), y: Math.min(y1, y2), w: Math.abs(x2 - x1), h: Math.abs(y2 - y1) };
}

/** The nearest of `frames` before `frame` (direction < 0) or after it, or null. */
export function neighbourFrame(frames, frame, direction) {
  let best = null;
  for (const f of frames) {
    if (direction < 0 ? f < frame && (best === null || f > best) : f > frame && (best === null || f < best)) best = f;
  }
  return best;
}

/** A tool button showing its key: data-action = action, data-testid = `${prefix}-${action}`. */
export function toolButton(prefix, action, key, text, { disabled = false } = {}) {
  return h('button', {
    type: 'button', class: 'btn btn-small', dataset: { action }, title: `${text} (${key})`,
    'aria-keyshortcuts': key, testid: `${prefix}-${action}`, disabled,
  }, text, ' ', h('kbd', {}, key));
}

/**
 * The box offering a model's suggestion ({value, score}) with an accept button (data-action="accept");
 * `what` describes the suggested answer (the type's summary).
 */
export function suggestionBox(prefix, name, suggestion, what, key = 'P') {
  const box = h('div', { class: 'vq-suggestion', hidden: true, testid: `${prefix}-suggestion-${name}` });
  if (!suggestion) return box;
  const score = suggestion.score === null || suggestion.score === undefined ? '–' : fmtPercent(suggestion.score, 1);
  box.append(h('span', { class: 'small', dir: 'auto' }, t('video.suggestion', { what, score })),
    h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'accept' }, testid: `${prefix}-accept-${name}` },
      t('video.accept'), ' ', h('kbd', {}, key)));
  return box;
}

/** The model's suggestion for a question when it has something to offer, else null. */
export function suggestionOf(ctx) {
  const p = ctx.prediction;
  return p && Array.isArray(p.value) && p.value.length ? p : null;
}

/** The lower-case letters the question's labels use as hotkeys. */
export function labelKeys(labels) {
  return new Set(labels.map((l) => String(l.hotkey || '').toLowerCase()).filter(Boolean));
}

/**
 * Whether a key event is the tool key `letter`: the plain letter unless a label claims it, and
 * Shift+letter always (so a tool keeps a key when a label was given its letter).
 */
export function isToolKey(event, letter, claimed) {
  return event.key.toLowerCase() === letter && (event.shiftKey || !claimed.has(letter));
}

/** How a tool key is shown: "C", or "Shift+C" when a label has the letter. */
export function toolKeyText(letter, claimed) {
  return claimed.has(letter) ? `Shift+${letter.toUpperCase()}` : letter.toUpperCase();
}

/** Show the attribute editor of `object` (or nothing) in `box`; edits go into object.attributes, then onChange(). */
export function paintObjectAttributes(box, question, object, onChange, { readOnly, testid }) {
  box.replaceChildren();
  if (!object) return;
  const editor = attributeEditor(question, object.label, object.attributes, (next) => {
    object.attributes = next;
    onChange();
  }, { readOnly, testid });
  if (editor) box.append(editor);
}

/** Mark the active label's button pressed (and disable them all when read-only). */
export function paintLabelButtons(buttons, activeLabel, readOnly) {
  for (const [key, button] of buttons) {
    button.setAttribute('aria-pressed', String(key === activeLabel));
    button.disabled = readOnly;
  }
}

/**
 * What both video editors start from: the labels, the keys they claim, a colour per label, the video's slot,
 * read-only mode and a copy of the answer. `fallback` is the widget to return when the video has no slot
 * on this page (nothing to draw on); it is null otherwise.
 */
export function editorBasics(container, question, value, ctx) {
  const labels = labelsOf(question);
  const objects = Array.isArray(value) ? clone(value) : [];
  const slot = ctx.fieldSlot ? ctx.fieldSlot(question.field) : null;
  let fallback = null;
  if (!slot) {
    container.append(h('p', { class: 'muted' }, t('video.no_surface')));
    fallback = { hotkeys: new Map(), getValue: () => objects, setValue() {}, isEmpty: () => !objects.length, focus() {} };
  }
  return {
    labels, claimed: labelKeys(labels), colour: new Map(labels.map((l, i) => [l.value, i % 8])), slot,
    readOnly: Boolean(ctx.readOnly), objects, fallback,
  };
}
