// video_tracks: object tracks drawn as boxes on keyframes, interpolated between them.
//
// Mouse: drag on the picture to draw a box on the current frame — a new track, or a keyframe of the selected
// track; drag a box to move it, a corner to resize it: either sets a keyframe on this frame. Keys: N new
// track, O outside / back in view, C occluded, Delete the keyframe on this frame, Shift+Delete the track,
// < > (Shift+, Shift+.) previous / next keyframe, / pick the next box on this frame, arrows nudge the
// selected box (Shift: 10 px), Esc deselects; label keys choose the label (and relabel the selected track);
// P accepts a model's suggestion; Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo; the player's keys step
// and play (video-player.js). A tool letter given to a label stays the label's; the tool then takes Shift+letter.
import { h } from '../ui.js';
import { t, fmtNumber } from '../i18n.js';
import { attributesFor } from './attributes.js';
import { hotkeyMap, labelsOf, renderChoices } from './choices.js';
import { UndoStack } from './undo.js';
import { playerFor, svg } from './video-player.js';
import {
  clampBox, clone, dragBox, isToolKey, neighbourFrame, nextId, suggestionBox, suggestionOf, toolButton, toolKeyText,
  editorBasics, paintLabelButtons, paintObjectAttributes,
} from './video-edit.js';
import { boxAt, keyframeIndex, visibleRuns, withKeyframe } from './video-interpolate.js';

/** Draws its work surface on the field it annotates (the page leaves that field a slot). */
export const surface = true;

const MIN_SIZE = 2; // video pixels: a smaller drag is a click
const HANDLE_PX = 7;

/** "2 tracks (car, person) · 37 keyframes". */
export function summary(question, value) {
  if (!Array.isArray(value)) return null;
  const texts = new Map(labelsOf(question).map((l) => [l.value, l.text]));
  const labels = [...new Set(value.map((tr) => texts.get(tr.label) ?? tr.label))].join(', ');
  const keyframes = value.reduce((n, tr) => n + ((tr.keyframes || []).length), 0);
  const key = value.length === 1 ? 'video.tracks.summary_one' : 'video.tracks.summary';
  return t(key, { n: fmtNumber(value.length), labels: labels || '–', k: fmtNumber(keyframes) });
}

export function render(container, question, value, onChange, ctx) {
  const { labels, claimed, colour, slot, readOnly, objects, fallback } = editorBasics(container, question, value, ctx);
  if (fallback) return fallback;
  let tracks = objects;
  const player = playerFor(slot, ctx, question.field);
  const overlay = player.addOverlay(question.name);
  const lane = player.addLane(question.name);
  const suggestion = suggestionOf(ctx);
  let selected = null; // id of the selected track
  let drawNew = false; // N pressed: the next drag draws a new track even over a box
  let activeLabel = labels.length ? labels[0].value : null;
  let drag = null;

  /* ---------- the controls ---------- */

  const root = h('div', { class: 'vq vq-tracks', tabindex: '-1', testid: `video-tracks-${question.name}` });
  container.append(root);
  const { buttons, grid } = renderChoices(root, question, 'single');
  const tool = (action, key, text) => toolButton('tracks', action, key, text, { disabled: readOnly });
  const tools = h('div', { class: 'vq-tools row-wrap' },
    tool('new', toolKeyText('n', claimed), t('video.tracks.new')),
    tool('outside', toolKeyText('o', claimed), t('video.tracks.outside')),
    tool('occluded', toolKeyText('c', claimed), t('video.tracks.occluded')),
    tool('prev-key', '<', t('video.tracks.prev_key')),
    tool('next-key', '>', t('video.tracks.next_key')),
    tool('delete-key', 'Del', t('video.tracks.delete_key')),
    tool('delete-track', 'Shift+Del', t('video.tracks.delete_track')));
  const status = h('p', { class: 'vq-status small', role: 'status', testid: `tracks-status-${question.name}` });
  const offer = suggestionBox('tracks', question.name, suggestion, suggestion && summary(question, suggestion.value),
    toolKeyText('p', claimed));
  const list = h('ol', { class: 'vq-list', 'aria-label': t('video.tracks.list'), testid: `tracks-list-${question.name}` });
  const attrs = h('div', { class: 'vq-attributes' });
  const help = h('p', { class: 'small muted vq-help' }, t('video.tracks.help'));
  root.append(tools, offer, status, list, attrs, help);
  if (readOnly) tools.hidden = true;

  const undo = new UndoStack(tracks, (state) => {
    tracks = state;
    if (!find(selected)) selected = null;
    changed({ record: false });
  });

  const find = (id) => tracks.find((tr) => tr.id === id) || null;
  const frame = () => player.frame;
  const inVideo = (f) => f <= player.lastFrame();

  function say(message) { status.textContent = message; }

  function changed({ record = true } = {}) {
    if (record) undo.push(tracks);
    paintAll();
    onChange(clone(tracks));
  }

  /* ---------- editing ---------- */

  function activate() { root.focus({ preventScroll: true }); }

  const fit = (b) => clampBox(b, player.width, player.height);

  function setKeyframe(track, fields) {
    track.keyframes = withKeyframe(track, frame(), fields);
  }

  function addBox(box) {
    const b = fit(box);
    const track = !drawNew && find(selected);
    if (track) {
      setKeyframe(track, { ...b, outside: false });
      say(t('video.tracks.keyframe_set', { id: track.id, frame: fmtNumber(frame()) }));
    } else {
      const created = { id: nextId(tracks), label: activeLabel, attributes: {},
        keyframes: [{ frame: frame(), ...b, outside: false, occluded: false }] };
      tracks.push(created);
      selected = created.id;
      drawNew = false;
      say(t('video.tracks.created', { id: created.id }));
    }
    changed();
  }

  function newTrack() {
    selected = null;
    drawNew = true;
    say(t('video.tracks.status_new', { label: labelText(activeLabel) }));
    paintAll();
  }

  function labelText(v) { return (labels.find((l) => l.value === v) || { text: String(v) }).text; }

  function selectedOrSay() {
    const track = find(selected);
    if (!track) say(t('video.tracks.select_first'));
    return track;
  }

  function toggleOutside() {
    const track = selectedOrSay();
    if (!track || !inVideo(frame())) return;
    const shown = boxAt(track, frame());
    const before = track.keyframes;
    setKeyframe(track, { outside: Boolean(shown) });
    if (!track.keyframes.some((k) => !k.outside)) {
      track.keyframes = before;
      say(t('video.tracks.last_shown'));
      return;
    }
    say(t(shown ? 'video.tracks.now_outside' : 'video.tracks.now_inside', { id: track.id, frame: fmtNumber(frame()) }));
    changed();
  }

  function toggleOccluded() {
    const track = selectedOrSay();
    const shown = track && boxAt(track, frame());
    if (!shown) { if (track) say(t('video.tracks.not_shown')); return; }
    setKeyframe(track, { occluded: !shown.occluded });
    changed();
  }

  function deleteKeyframe() {
    const track = selectedOrSay();
    if (!track) return;
    const i = keyframeIndex(track.keyframes, frame());
    if (i < 0 || track.keyframes[i].frame !== frame()) { say(t('video.tracks.no_key')); return; }
    track.keyframes.splice(i, 1);
    if (!track.keyframes.some((k) => !k.outside)) { deleteTrack(); return; }
    changed();
  }

  function deleteTrack() {
    const track = selectedOrSay();
    if (!track) return;
    tracks = tracks.filter((tr) => tr !== track);
    selected = null;
    say(t('video.tracks.deleted', { id: track.id }));
    changed();
  }

  function relabel(v) {
    activeLabel = v;
    const track = find(selected);
    if (track && track.label !== v && !readOnly) {
      track.label = v;
      const allowed = new Set(attributesFor(question, v).map((a) => a.name));
      track.attributes = Object.fromEntries(Object.entries(track.attributes || {}).filter(([k]) => allowed.has(k)));
      changed();
    } else {
      paintAll();
    }
  }

  function jumpKeyframe(direction) {
    const track = find(selected);
    const frames = (track ? [track] : tracks).flatMap((tr) => tr.keyframes.map((k) => k.frame));
    const target = neighbourFrame(frames, frame(), direction);
    if (target !== null) player.seek(target);
  }

  function cycleSelection() {
    const here = tracks.filter((tr) => boxAt(tr, frame()));
    if (!here.length) { say(t('video.tracks.none_here')); return; }
    const i = here.findIndex((tr) => tr.id === selected);
    selected = here[(i + 1) % here.length].id;
    drawNew = false;
    paintAll();
  }

  function selectedBox() {
    const track = find(selected);
    return track && inVideo(frame()) ? boxAt(track, frame()) : null;
  }

  function nudge(dx, dy) {
    const track = find(selected);
    const shown = track && boxAt(track, frame());
    if (!shown) return false;
    setKeyframe(track, { ...fit({ ...shown, x: shown.x + dx, y: shown.y + dy, w: shown.w, h: shown.h }), outside: false });
    changed();
    return true;
  }

  function accept() {
    if (!suggestion || readOnly) return;
    tracks = clone(suggestion.value);
    selected = null;
    changed();
  }

  /* ---------- painting ---------- */

  const boxesLayer = svg('g', { class: 'vq-boxes' });
  const handlesLayer = svg('g', { class: 'vq-handles' });
  const draft = svg('rect', { class: 'vq-draft', visibility: 'hidden' });
  overlay.append(boxesLayer, handlesLayer, draft);
  if (readOnly) overlay.classList.add('is-readonly');
  const drawn = new Map(); // track id → <g>

  function shownTracks() {
    if (tracks.length || !suggestion) return { list: tracks, ghost: false };
    return { list: suggestion.value, ghost: true };
  }

  function paintBoxes() {
    const f = frame();
    const { list: showing, ghost } = shownTracks();
    const seen = new Set();
    for (const track of showing) {
      const b = inVideo(f) ? boxAt(track, f) : null;
      const key = (ghost ? 'g:' : '') + track.id;
      let g = drawn.get(key);
      if (!b) { if (g) g.setAttribute('visibility', 'hidden'); seen.add(key); continue; }
      if (!g) {
        g = svg('g', { 'data-track': track.id });
        g.append(svg('rect', { class: 'vq-box' }), svg('text', { class: 'vq-tag' }));
        boxesLayer.append(g);
        drawn.set(key, g);
      }
      seen.add(key);
      const moving = drag && drag.id === track.id && drag.box ? drag.box : b;
      const rect = g.firstChild;
      rect.setAttribute('x', moving.x);
      rect.setAttribute('y', moving.y);
      rect.setAttribute('width', moving.w);
      rect.setAttribute('height', moving.h);
      g.setAttribute('class', `vq-track lbl-${colour.get(track.label) ?? 0}${b.keyframe ? ' is-key' : ''}`
        + `${b.occluded ? ' is-occluded' : ''}${track.id === selected && !ghost ? ' is-selected' : ''}${ghost ? ' is-suggestion' : ''}`);
      g.removeAttribute('visibility');
      const tag = g.lastChild;
      tag.setAttribute('x', moving.x);
      tag.setAttribute('y', Math.max(moving.y - 1, 0));
      tag.setAttribute('font-size', String(12 / player.scale()));
      tag.textContent = `${track.id} ${labelText(track.label)}`;
    }
    for (const [key, g] of drawn) if (!seen.has(key)) { g.remove(); drawn.delete(key); }
    paintHandles();
  }

  function paintHandles() {
    handlesLayer.replaceChildren();
    const track = find(selected);
    const b = track && inVideo(frame()) ? (drag && drag.box) || boxAt(track, frame()) : null;
    if (!b || readOnly) return;
    const r = HANDLE_PX / player.scale();
    for (const [corner, x, y] of [['nw', b.x, b.y], ['ne', b.x + b.w, b.y], ['sw', b.x, b.y + b.h], ['se', b.x + b.w, b.y + b.h]]) {
      handlesLayer.append(svg('rect', { class: `vq-handle vq-handle-${corner}`, 'data-handle': corner, x: x - r / 2, y: y - r / 2, width: r, height: r }));
    }
  }

  function paintLane() {
    const { list: showing, ghost } = shownTracks();
    let ticks = '';
    for (const track of showing) for (const k of track.keyframes) ticks += `M${k.frame + 0.5} 0V1`;
    const parts = [svg('path', { class: `vq-ticks${ghost ? ' is-suggestion' : ''}`, d: ticks || 'M0 0' })];
    const track = find(selected);
    if (track) {
      for (const [s, e] of visibleRuns(track, player.frames)) {
        parts.push(svg('rect', { class: `vq-run lbl-${colour.get(track.label) ?? 0}`, x: s, y: 0.35, width: e - s + 1, height: 0.3 }));
      }
      let own = '';
      for (const k of track.keyframes) own += `M${k.frame + 0.5} 0V1`;
      parts.push(svg('path', { class: 'vq-ticks is-selected', d: own }));
    }
    lane.replaceChildren(...parts);
  }

  const stateOf = new Map(); // track id → the list's "on this frame" text

  function stateKey(track) {
    const b = boxAt(track, frame());
    if (!b) return 'video.tracks.state_outside';
    if (b.occluded) return 'video.tracks.state_occluded';
    return b.keyframe ? 'video.tracks.state_key' : 'video.tracks.state_between';
  }

  function paintList() {
    list.replaceChildren();
    stateOf.clear();
    if (!tracks.length) list.append(h('li', { class: 'muted small' }, t('video.tracks.empty')));
    for (const track of tracks) {
      const n = track.keyframes.length;
      const state = h('span', { class: 'muted small' }, t(stateKey(track)));
      stateOf.set(track.id, state);
      list.append(h('li', {},
        h('button', {
          type: 'button', class: `vq-item lbl-${colour.get(track.label) ?? 0}`, 'aria-pressed': String(track.id === selected),
          dataset: { track: track.id }, testid: `track-${question.name}-${track.id}`,
        },
        h('span', { class: 'vq-swatch', 'aria-hidden': 'true' }),
        h('span', { dir: 'auto' }, t(n === 1 ? 'video.tracks.item_one' : 'video.tracks.item', { id: track.id, label: labelText(track.label), n: fmtNumber(n) })),
        state)));
    }
  }

  function paintStates() {
    for (const track of tracks) {
      const span = stateOf.get(track.id);
      if (span) span.textContent = t(stateKey(track));
    }
  }

  function paintAttributes() {
    paintObjectAttributes(attrs, question, find(selected), changed, { readOnly, testid: `track-attributes-${question.name}` });
  }

  function paintLabels() {
    paintLabelButtons(buttons, activeLabel, readOnly);
  }

  function paintAll() {
    paintBoxes();
    paintLane();
    paintList();
    paintAttributes();
    paintLabels();
    offer.hidden = !suggestion || tracks.length > 0 || readOnly;
    overlay.classList.toggle('is-drawing-new', drawNew);
  }

  const offFrame = player.onFrame(() => { paintBoxes(); paintStates(); });
  // Several track questions on one video: the active one's overlay is on top, so it gets the mouse.
  const fieldset = container.closest('.question');
  const raise = new MutationObserver(() => {
    if (fieldset.classList.contains('is-active') && overlay.nextSibling) overlay.parentNode.append(overlay);
  });
  if (fieldset) raise.observe(fieldset, { attributes: true, attributeFilter: ['class'] });
  const offReady = player.whenReady(() => paintAll());

  /* ---------- mouse ---------- */

  const boxFromDrag = (d, p) => dragBox(d, p, player.width, player.height);

  overlay.addEventListener('pointerdown', (event) => {
    if (readOnly || event.button !== 0 || !player.ready) return;
    event.preventDefault();
    activate();
    player.pause();
    const p = player.toVideo(event);
    const handle = event.target.closest('[data-handle]');
    const hit = event.target.closest('[data-track]');
    const track = find(selected);
    if (handle && track && boxAt(track, frame())) {
      drag = { mode: 'resize', corner: handle.dataset.handle, start: p, origin: boxAt(track, frame()), id: track.id };
    } else if (hit && !drawNew && !shownTracks().ghost) {
      selected = hit.dataset.track;
      drag = { mode: 'move', start: p, origin: boxAt(find(selected), frame()), id: selected };
      paintAll();
    } else {
      drag = { mode: 'draw', start: p };
    }
    overlay.setPointerCapture(event.pointerId);
  });

  overlay.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const box = boxFromDrag(drag, player.toVideo(event));
    drag.box = box;
    drag.moved = true;
    if (drag.mode === 'draw') {
      draft.setAttribute('x', box.x);
      draft.setAttribute('y', box.y);
      draft.setAttribute('width', box.w);
      draft.setAttribute('height', box.h);
      draft.setAttribute('visibility', 'visible');
    } else {
      paintBoxes();
    }
  });

  function endDrag(event, commit) {
    if (!drag) return;
    const d = drag;
    drag = null;
    draft.setAttribute('visibility', 'hidden');
    if (event && overlay.hasPointerCapture(event.pointerId)) overlay.releasePointerCapture(event.pointerId);
    const box = commit && d.moved ? boxFromDrag(d, player.toVideo(event)) : null;
    if (box && box.w >= MIN_SIZE && box.h >= MIN_SIZE) {
      if (d.mode === 'draw') addBox(box);
      else {
        setKeyframe(find(d.id), { ...fit(box), outside: false });
        say(t('video.tracks.keyframe_set', { id: d.id, frame: fmtNumber(frame()) }));
        changed();
      }
      return;
    }
    if (d.mode === 'draw' && !drawNew && commit) selected = null; // a click on the background deselects
    paintAll();
  }

  overlay.addEventListener('pointerup', (event) => endDrag(event, true));
  overlay.addEventListener('pointercancel', (event) => endDrag(event, false));

  root.addEventListener('click', (event) => {
    const action = event.target.closest('button[data-action]')?.dataset.action;
    const item = event.target.closest('button[data-track]');
    if (item) {
      selected = item.dataset.track;
      drawNew = false;
      const track = find(selected);
      if (track && !boxAt(track, frame())) player.seek(track.keyframes.find((k) => !k.outside).frame);
      paintAll();
      return;
    }
    const actions = { new: newTrack, outside: toggleOutside, occluded: toggleOccluded, 'prev-key': () => jumpKeyframe(-1),
      'next-key': () => jumpKeyframe(1), 'delete-key': deleteKeyframe, 'delete-track': deleteTrack, accept };
    if (actions[action]) actions[action]();
  });
  grid.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-value]');
    const label = button && labels.find((l) => String(l.value) === button.dataset.value);
    if (label && !readOnly) relabel(label.value);
  });

  /* ---------- keys ---------- */

  function onKey(event) {
    if (drag) { // while a box is dragged, keys do nothing but Esc, which cancels it
      if (event.key === 'Escape') endDrag(null, false);
      return true;
    }
    if (!readOnly && undo.handleKey(event)) return true;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const key = event.key;
    if (key === '<' || (key === ',' && event.shiftKey)) { jumpKeyframe(-1); return true; }
    if (key === '>' || (key === '.' && event.shiftKey)) { jumpKeyframe(1); return true; }
    if (!readOnly) {
      if (isToolKey(event, 'n', claimed)) { newTrack(); return true; }
      if (isToolKey(event, 'o', claimed)) { toggleOutside(); return true; }
      if (isToolKey(event, 'c', claimed)) { toggleOccluded(); return true; }
      if (isToolKey(event, 'p', claimed) && suggestion && !tracks.length) { accept(); return true; }
      if (key === 'Delete' || key === 'Backspace') { if (event.shiftKey) deleteTrack(); else deleteKeyframe(); return true; }
      if (key === '/') { cycleSelection(); return true; }
      if (key === 'Escape' && (selected || drawNew)) { selected = null; drawNew = false; say(''); paintAll(); return true; }
      const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
      if (arrows[key] && selectedBox()) {
        const step = event.shiftKey ? 10 : 1;
        return nudge(arrows[key][0] * step, arrows[key][1] * step);
      }
    }
    return player.handleKey(event, { arrows: readOnly || !selectedBox(), claimed });
  }

  paintAll();
  return {
    hotkeys: readOnly ? new Map() : hotkeyMap(labels, (v) => relabel(v)),
    getValue: () => clone(tracks),
    setValue(v) {
      tracks = Array.isArray(v) ? clone(v) : [];
      selected = null;
      undo.reset(tracks);
      paintAll();
    },
    isEmpty: () => tracks.length === 0,
    focus() { activate(); },
    onKey,
    destroy() {
      offFrame();
      offReady();
      raise.disconnect();
      overlay.remove();
      lane.remove();
      player.release();
    },
  };
}
