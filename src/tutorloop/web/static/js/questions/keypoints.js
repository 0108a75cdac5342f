// keypoints: click on the image to start an object of the active label, then place its keypoints in order
// (the next keypoint's name is shown); X skips a keypoint (not labelled), V toggles the last placed one
// between visible and occluded, Enter finishes early, Escape drops the object being placed. Points can be
// dragged; a selected keypoint is nudged with the arrow keys, and a chosen unlabelled one is placed by a click.
// An object is {id, label, points: [[x, y, v], ...], attributes}: one triple per keypoint name of its
// label, v = 0 not labelled (x = y = 0), 1 occluded, 2 visible.
import { svg } from './image-canvas.js';
import { clamp, round2, shapeEditor, summarize } from './image-shapes.js';
import { t } from '../i18n.js';
import { h } from '../ui.js';

/** Draws its work surface on the field it annotates (the page leaves that field a slot). */
export const surface = true;

const NOUN = { one: 'image.keypoints_one', many: 'image.keypoints_many' };
const state = new WeakMap(); // editor → {draft: {obj, next, added, last} | null, point: {id, index} | null}
const STATE_TEXT = { 0: 'image.keypoint_missing', 1: 'image.keypoint_occluded', 2: 'image.keypoint_visible' };

function spec(ed, label) {
  const raw = (ed.q.labels || []).find((l) => (typeof l === 'object' ? l.value : l) === label);
  return { keypoints: (raw && raw.keypoints) || [], skeleton: (raw && raw.skeleton) || [] };
}

function st(ed) {
  if (!state.has(ed)) state.set(ed, { draft: null, point: null });
  return state.get(ed);
}

/** The index of the chosen keypoint when it belongs to `obj`, else null. */
function chosen(ed, obj) {
  const p = st(ed).point;
  return p && obj && p.id === obj.id ? p.index : null;
}

function choose(ed, obj, index) { st(ed).point = obj && index !== null ? { id: obj.id, index } : null; }

function labelled(obj) { return obj.points.map((p, i) => [p, i]).filter(([p]) => p[2] > 0); }

function bounds(obj) {
  const pts = labelled(obj).map(([p]) => p);
  if (!pts.length) return null;
  const xs = pts.map((p) => p[0]);
  const ys = pts.map((p) => p[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function pointAt(ed, obj, pt) {
  const reach = 8 * ed.unit;
  let best = null;
  obj.points.forEach((p, i) => {
    if (p[2] === 0) return;
    const d = Math.hypot(p[0] - pt.x, p[1] - pt.y);
    if (d <= reach && (!best || d < best.d)) best = { i, d };
  });
  return best;
}

function withPoint(obj, index, value) {
  return { ...obj, points: obj.points.map((p, i) => (i === index ? value : p)) };
}

/* ---------- placing a new object ---------- */

function nextName(ed) {
  const s = st(ed);
  if (!s.draft) return null;
  const names = spec(ed, s.draft.obj.label).keypoints;
  return { name: names[s.draft.next], n: s.draft.next + 1, total: names.length };
}

function place(ed, pt) {
  const s = st(ed);
  const d = s.draft;
  const p = ed.clampPoint(pt);
  d.obj = withPoint(d.obj, d.next, [p.x, p.y, 2]);
  d.last = d.next;
  if (!d.added) {
    d.obj = ed.add(d.obj);
    d.added = true;
  } else {
    ed.replace(d.obj);
  }
  advance(ed);
}

function advance(ed) {
  const s = st(ed);
  const d = s.draft;
  d.next += 1;
  if (d.next >= d.obj.points.length) finish(ed);
  else ed.render();
}

function finish(ed) {
  const s = st(ed);
  const d = s.draft;
  s.draft = null;
  if (d && d.added) ed.select({ kind: 'object', id: d.obj.id });
  else ed.render();
}

function start(ed) {
  const names = spec(ed, ed.activeLabel).keypoints;
  if (!names.length) return null;
  ed.select(null);
  const s = st(ed);
  choose(ed, null, null);
  s.draft = { obj: { label: ed.activeLabel, points: names.map(() => [0, 0, 0]), attributes: {} }, next: 0, added: false, last: null };
  return s.draft;
}

/* ---------- gestures ---------- */

function dragPoint(ed, o0, index) {
  let current = o0;
  return {
    move(pt) {
      const p = ed.clampPoint(pt);
      current = withPoint(o0, index, [p.x, p.y, o0.points[index][2]]);
      ed.preview(current);
    },
    up() { if (current !== o0) ed.replace(current); },
    cancel() { ed.preview(o0); },
  };
}

function shifted(ed, obj, dx, dy) {
  const b = bounds(obj);
  const mx = clamp(dx, -b[0], ed.width - b[2]);
  const my = clamp(dy, -b[1], ed.height - b[3]);
  return { ...obj, points: obj.points.map((p) => (p[2] ? [round2(p[0] + mx), round2(p[1] + my), p[2]] : p)) };
}

function dragObject(ed, o0, start0) {
  let current = o0;
  return {
    move(pt) { current = shifted(ed, o0, pt.x - start0.x, pt.y - start0.y); ed.preview(current); },
    up() { if (current !== o0) ed.replace(current); },
    cancel() { ed.preview(o0); },
  };
}

/* ---------- the tool ---------- */

const tool = {
  noun: NOUN,
  hints: [['image.key_click', 'image.hint_place_keypoint'], ['X', 'image.hint_skip_keypoint'], ['V', 'image.hint_occluded'],
    ['↵', 'image.hint_finish']],

  create() {
    const g = svg('g', { class: 'ic-pose' });
    g.append(svg('path', { class: 'ic-skeleton' }), svg('path', { class: 'ic-points ic-points-halo' }),
      svg('path', { class: 'ic-points' }), svg('path', { class: 'ic-points ic-occluded' }),
      svg('path', { class: 'ic-points ic-occluded-hole' }));
    return g;
  },

  update(ed, g, obj, style) {
    const { keypoints, skeleton } = spec(ed, obj.label);
    const index = new Map(keypoints.map((name, i) => [name, i]));
    let bones = '';
    for (const [a, b] of skeleton) {
      const p = obj.points[index.get(a)];
      const q = obj.points[index.get(b)];
      if (p && q && p[2] > 0 && q[2] > 0) bones += `M${p[0]} ${p[1]}L${q[0]} ${q[1]}`;
    }
    const dots = (v) => obj.points.filter((p) => p[2] === v).map((p) => `M${p[0]} ${p[1]}h0`).join('');
    const [bone, halo, visible, occluded, hole] = g.children;
    bone.setAttribute('d', bones);
    halo.setAttribute('d', dots(2) + dots(1));
    visible.setAttribute('d', dots(2));
    occluded.setAttribute('d', dots(1));
    hole.setAttribute('d', dots(1));
    for (const el of [bone, visible, occluded]) el.setAttribute('stroke', style.color);
    g.classList.toggle('is-selected', style.selected);
    g.classList.toggle('is-suggestion', style.suggestion);
  },

  contains(ed, obj, pt, tol) {
    if (pointAt(ed, obj, pt)) return 0;
    const b = bounds(obj);
    if (!b) return null;
    const pad = tol * 2;
    return pt.x >= b[0] - pad && pt.x <= b[2] + pad && pt.y >= b[1] - pad && pt.y <= b[3] + pad
      ? (b[2] - b[0] + 1) * (b[3] - b[1] + 1) : null;
  },

  drawHandles(ed, obj, group) {
    const index = chosen(ed, obj);
    if (index === null || !obj.points[index] || obj.points[index][2] === 0) return;
    const [x, y] = obj.points[index];
    group.append(svg('circle', { class: 'ic-handle ic-keypoint-ring', cx: x, cy: y, r: 9 * ed.unit }));
  },

  cursorAt(ed, pt) {
    if (st(ed).draft) return 'crosshair';
    return ed.objects.some((o) => pointAt(ed, o, pt)) ? 'pointer' : ed.hit(pt) ? 'move' : 'crosshair';
  },

  pointerDown(ed, pt, event) {
    const s = st(ed);
    if (s.draft) { place(ed, pt); return null; }
    const selected = ed.selected();
    if (selected && !event.shiftKey) {
      const near = pointAt(ed, selected, pt);
      if (near) { choose(ed, selected, near.i); ed.render(); return dragPoint(ed, selected, near.i); }
      const index = chosen(ed, selected);
      if (index !== null && selected.points[index][2] === 0) {
        const p = ed.clampPoint(pt);
        ed.replace(withPoint(selected, index, [p.x, p.y, 2]));
        return null;
      }
    }
    if (!event.shiftKey) {
      for (const obj of ed.objects) {
        const near = pointAt(ed, obj, pt);
        if (near) {
          choose(ed, obj, near.i);
          ed.select({ kind: 'object', id: obj.id });
          return dragPoint(ed, obj, near.i);
        }
      }
      const hit = ed.hit(pt);
      if (hit) {
        choose(ed, null, null);
        ed.select({ kind: hit.kind, id: hit.id });
        return hit.kind === 'object' ? dragObject(ed, hit.obj, pt) : null;
      }
    }
    if (start(ed)) place(ed, pt);
    return null;
  },

  onKey(ed, event) {
    const s = st(ed);
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (s.draft) {
      if (key === 'x') { advance(ed); return true; }
      if (key === 'v' && s.draft.added && s.draft.last !== null) {
        const p = s.draft.obj.points[s.draft.last];
        s.draft.obj = withPoint(s.draft.obj, s.draft.last, [p[0], p[1], p[2] === 2 ? 1 : 2]);
        ed.replace(s.draft.obj);
        return true;
      }
      if (key === 'Enter') { finish(ed); return true; }
      if (key === 'Escape') {
        const d = s.draft;
        s.draft = null;
        if (d.added) ed.remove(d.obj.id);
        else ed.render();
        return true;
      }
      return key.startsWith('Arrow') || key === 'Backspace' || key === 'Delete';
    }
    const obj = ed.selected();
    const index = chosen(ed, obj);
    if (index !== null && (key === 'v' || key === 'x')) {
      const p = obj.points[index];
      if (key === 'v' && p[2] > 0) ed.replace(withPoint(obj, index, [p[0], p[1], p[2] === 2 ? 1 : 2]));
      if (key === 'x' && p[2] > 0) {
        if (labelled(obj).length <= 1) ed.message(t('image.keypoint_last'));
        else ed.replace(withPoint(obj, index, [0, 0, 0]));
      }
      return true;
    }
    if (key === 'x' && !obj) { // start an object whose first keypoint is not visible at all
      if (start(ed)) advance(ed);
      return true;
    }
    return false;
  },

  drafting(ed) { return Boolean(st(ed).draft); },

  cancelDraft(ed) {
    const s = st(ed);
    if (!s.draft) return false;
    s.draft = null;
    ed.render();
    return true;
  },

  nudge(ed, obj, dx, dy) {
    const index = chosen(ed, obj);
    const p = index !== null ? obj.points[index] : null;
    if (p && p[2] > 0) {
      const q = ed.clampPoint({ x: p[0] + dx, y: p[1] + dy });
      return withPoint(obj, index, [q.x, q.y, p[2]]);
    }
    return shifted(ed, obj, dx, dy);
  },

  relabel(ed, obj, label) {
    return spec(ed, label).keypoints.length === obj.points.length ? { ...obj, label } : null;
  },

  controls(ed) {
    ed.nextNote = h('span', { class: 'keypoint-next', testid: `keypoint-next-${ed.q.name}`, 'aria-live': 'polite' });
    return ed.nextNote;
  },

  refresh(ed) {
    const next = nextName(ed);
    ed.nextNote.textContent = next ? t('image.next_keypoint', next) : t('image.keypoint_start');
  },

  detailsKey(ed, obj) { return `${chosen(ed, obj)}:${obj.points.map((p) => p[2]).join('')}`; },

  details(ed, obj) {
    const current = chosen(ed, obj);
    const names = spec(ed, obj.label).keypoints;
    const list = h('ol', { class: 'keypoint-list', testid: `keypoint-list-${ed.q.name}` },
      names.map((name, i) => h('li', {}, h('button', {
        type: 'button', class: 'keypoint-name', 'aria-current': current === i ? 'true' : null, dataset: { keypoint: String(i) },
      }, h('span', { dir: 'auto' }, name), ' ', h('span', { class: 'muted small' }, t(STATE_TEXT[obj.points[i][2]]))))));
    list.addEventListener('click', (event) => {
      const button = event.target instanceof Element ? event.target.closest('[data-keypoint]') : null;
      if (!button) return;
      choose(ed, obj, Number(button.dataset.keypoint));
      ed.detailsKey = null;
      ed.render();
    });
    return list;
  },
};

export function render(container, question, value, onChange, ctx) {
  return shapeEditor(container, question, value, onChange, ctx, tool);
}

export function summary(question, value) {
  return summarize(question, value, NOUN);
}
