// boxes: drag on the image to draw; drag a box to move it; 8 handles resize it; a rotation handle when the
// question allows rotation; arrow keys nudge (Shift ×10). Shift+drag draws even on top of another box.
// A box is {id, label, x, y, w, h, rotation, attributes}: x, y the top-left of the unrotated box, rotation
// in degrees clockwise about its centre.
import { svg } from './image-canvas.js';
import { clamp, round2, shapeEditor, summarize } from './image-shapes.js';

/** Draws its work surface on the field it annotates (the page leaves that field a slot). */
export const surface = true;

const NOUN = { one: 'image.boxes_one', many: 'image.boxes_many' };
const HANDLES = [[-1, -1], [0, -1], [1, -1], [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0]];
const RESIZE_CURSORS = ['nwse-resize', 'ns-resize', 'nesw-resize', 'ew-resize', 'nwse-resize', 'ns-resize', 'nesw-resize', 'ew-resize'];
const ROTATE_OFFSET = 26; // screen px above the top edge
const MIN_DRAW = 4; // screen px: a smaller drag is a click

const rad = (deg) => (deg * Math.PI) / 180;
const centre = (b) => ({ x: b.x + b.w / 2, y: b.y + b.h / 2 });

/** A point of the box's own frame (origin at its centre, unrotated) in image coordinates. */
function toWorld(b, lx, ly) {
  const c = centre(b);
  const th = rad(b.rotation || 0);
  return { x: c.x + lx * Math.cos(th) - ly * Math.sin(th), y: c.y + lx * Math.sin(th) + ly * Math.cos(th) };
}

function toLocal(b, p) {
  const c = centre(b);
  const th = -rad(b.rotation || 0);
  const dx = p.x - c.x;
  const dy = p.y - c.y;
  return { x: dx * Math.cos(th) - dy * Math.sin(th), y: dx * Math.sin(th) + dy * Math.cos(th) };
}

/** The 4 corners, clockwise on screen from the unrotated top-left (as the server's box_corners). */
export function corners(b) {
  return [[-1, -1], [1, -1], [1, 1], [-1, 1]].map(([sx, sy]) => toWorld(b, (sx * b.w) / 2, (sy * b.h) / 2));
}

function fits(ed, b) {
  const slack = 1e-6 * Math.max(ed.width, ed.height);
  return b.w > 0 && b.h > 0 && corners(b).every((p) => p.x >= -slack && p.y >= -slack && p.x <= ed.width + slack && p.y <= ed.height + slack);
}

function rounded(b) {
  return { ...b, x: round2(b.x), y: round2(b.y), w: round2(b.w), h: round2(b.h), rotation: round2(b.rotation || 0) };
}

/** `b` moved by (dx, dy), held inside the image. */
function shifted(ed, b, dx, dy) {
  const pts = corners(b);
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const mx = clamp(dx, -Math.min(...xs), ed.width - Math.max(...xs));
  const my = clamp(dy, -Math.min(...ys), ed.height - Math.max(...ys));
  const moved = rounded({ ...b, x: b.x + mx, y: b.y + my });
  return fits(ed, moved) ? moved : b;
}

function handlePoints(ed, b) {
  const pts = HANDLES.map(([hx, hy], i) => ({ ...toWorld(b, (hx * b.w) / 2, (hy * b.h) / 2), kind: 'resize', hx, hy, i }));
  if (ed.q.rotation) pts.push({ ...toWorld(b, 0, -b.h / 2 - ROTATE_OFFSET * ed.unit), kind: 'rotate' });
  return pts;
}

function handleAt(ed, b, pt) {
  const reach = 7 * ed.unit;
  let best = null;
  for (const p of handlePoints(ed, b)) {
    const d = Math.hypot(p.x - pt.x, p.y - pt.y);
    if (d <= reach && (!best || d < best.d)) best = { ...p, d };
  }
  return best;
}

/* ---------- gestures ---------- */

function drawGesture(ed, start) {
  const from = ed.clampPoint(start);
  const ghost = svg('rect', { class: 'ic-shape ic-ghost', stroke: ed.color(ed.activeLabel), fill: ed.color(ed.activeLabel) });
  ed.live.append(ghost);
  let box = null;
  const boxTo = (pt) => {
    const to = ed.clampPoint(pt);
    return { x: Math.min(from.x, to.x), y: Math.min(from.y, to.y), w: Math.abs(to.x - from.x), h: Math.abs(to.y - from.y) };
  };
  return {
    move(pt) {
      box = boxTo(pt);
      for (const [k, v] of Object.entries({ x: box.x, y: box.y, width: box.w, height: box.h })) ghost.setAttribute(k, v);
    },
    up(pt) {
      ghost.remove();
      box = boxTo(pt);
      if (box.w >= MIN_DRAW * ed.unit && box.h >= MIN_DRAW * ed.unit && box.w > 0 && box.h > 0) {
        ed.add(rounded({ label: ed.activeLabel, ...box, rotation: 0, attributes: {} }));
      } else {
        ed.select(null);
      }
    },
    cancel() { ghost.remove(); },
  };
}

function moveGesture(ed, b0, start) {
  let current = b0;
  return {
    move(pt) {
      current = shifted(ed, b0, pt.x - start.x, pt.y - start.y);
      ed.preview(current);
    },
    up() { if (current !== b0 && (current.x !== b0.x || current.y !== b0.y)) ed.replace(current); },
    cancel() { ed.preview(b0); },
  };
}

function resizeGesture(ed, b0, handle) {
  let current = b0;
  return {
    move(pt) {
      const l = toLocal(b0, pt);
      let left = -b0.w / 2;
      let right = b0.w / 2;
      let top = -b0.h / 2;
      let bottom = b0.h / 2;
      if (handle.hx === 1) right = l.x;
      if (handle.hx === -1) left = l.x;
      if (handle.hy === 1) bottom = l.y;
      if (handle.hy === -1) top = l.y;
      if (!b0.rotation) {
        // axis-aligned: edges simply stop at the image border
        const c = centre(b0);
        left = clamp(left, -c.x, ed.width - c.x);
        right = clamp(right, -c.x, ed.width - c.x);
        top = clamp(top, -c.y, ed.height - c.y);
        bottom = clamp(bottom, -c.y, ed.height - c.y);
      }
      [left, right] = [Math.min(left, right), Math.max(left, right)];
      [top, bottom] = [Math.min(top, bottom), Math.max(top, bottom)];
      const w = Math.max(right - left, ed.unit);
      const hgt = Math.max(bottom - top, ed.unit);
      const c = toWorld(b0, (left + right) / 2, (top + bottom) / 2);
      const next = rounded({ ...b0, x: c.x - w / 2, y: c.y - hgt / 2, w, h: hgt });
      if (fits(ed, next)) { current = next; ed.preview(current); }
    },
    up() { if (current !== b0) ed.replace(current); },
    cancel() { ed.preview(b0); },
  };
}

function rotateGesture(ed, b0) {
  let current = b0;
  return {
    move(pt, event) {
      const c = centre(b0);
      let deg = (Math.atan2(pt.y - c.y, pt.x - c.x) * 180) / Math.PI + 90;
      if (event.shiftKey) deg = Math.round(deg / 15) * 15;
      deg = ((((deg + 180) % 360) + 360) % 360) - 180;
      if (deg === -180) deg = 180;
      const next = rounded({ ...b0, rotation: deg });
      if (fits(ed, next)) { current = next; ed.preview(current); }
    },
    up() { if (current !== b0) ed.replace(current); },
    cancel() { ed.preview(b0); },
  };
}

/* ---------- the tool ---------- */

const tool = {
  noun: NOUN,
  hints: [['image.key_drag', 'image.hint_draw_box'], ['Shift', 'image.hint_draw_over'], ['← ↑ → ↓', 'image.hint_nudge']],

  create() { return svg('rect', { class: 'ic-shape' }); },

  update(ed, el, b, style) {
    el.setAttribute('x', b.x);
    el.setAttribute('y', b.y);
    el.setAttribute('width', b.w);
    el.setAttribute('height', b.h);
    const c = centre(b);
    if (b.rotation) el.setAttribute('transform', `rotate(${b.rotation} ${c.x} ${c.y})`);
    else el.removeAttribute('transform');
    el.setAttribute('stroke', style.color);
    el.setAttribute('fill', style.color);
    el.classList.toggle('is-selected', style.selected);
    el.classList.toggle('is-suggestion', style.suggestion);
  },

  contains(ed, b, pt, tol) {
    const l = toLocal(b, pt);
    return Math.abs(l.x) <= b.w / 2 + tol && Math.abs(l.y) <= b.h / 2 + tol ? b.w * b.h : null;
  },

  drawHandles(ed, b, group) {
    const size = 8 * ed.unit;
    for (const p of handlePoints(ed, b)) {
      if (p.kind === 'rotate') {
        const top = toWorld(b, 0, -b.h / 2);
        group.append(svg('line', { class: 'ic-handle-line', x1: top.x, y1: top.y, x2: p.x, y2: p.y }));
        group.append(svg('circle', { class: 'ic-handle ic-rotate', cx: p.x, cy: p.y, r: size / 1.6 }));
      } else {
        group.append(svg('rect', { class: 'ic-handle', x: p.x - size / 2, y: p.y - size / 2, width: size, height: size }));
      }
    }
  },

  cursorAt(ed, pt) {
    const b = ed.selected();
    const handle = b && handleAt(ed, b, pt);
    if (handle) {
      if (handle.kind === 'rotate') return 'grab';
      const turn = Math.round(((b.rotation || 0) % 180) / 45);
      return RESIZE_CURSORS[(handle.i + 8 + turn) % 8];
    }
    return ed.hit(pt) ? 'move' : 'crosshair';
  },

  pointerDown(ed, pt, event) {
    const selected = ed.selected();
    if (selected && !event.shiftKey) {
      const handle = handleAt(ed, selected, pt);
      if (handle) return handle.kind === 'rotate' ? rotateGesture(ed, selected) : resizeGesture(ed, selected, handle);
    }
    if (!event.shiftKey) {
      const hit = ed.hit(pt);
      if (hit) {
        ed.select({ kind: hit.kind, id: hit.id });
        return hit.kind === 'object' ? moveGesture(ed, hit.obj, pt) : null;
      }
    }
    return drawGesture(ed, pt);
  },

  nudge(ed, b, dx, dy) { return shifted(ed, b, dx, dy); },
};

export function render(container, question, value, onChange, ctx) {
  return shapeEditor(container, question, value, onChange, ctx, tool);
}

export function summary(question, value) {
  return summarize(question, value, NOUN);
}
