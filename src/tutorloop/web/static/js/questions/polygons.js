// polygons: click to add points; Enter or a click on the first point closes the polygon; Backspace removes
// the last point while drawing; Escape drops the drawing. A selected polygon's vertices can be dragged,
// Alt+click removes one, dragging an edge's midpoint adds one; dragging inside moves the whole polygon.
// A polygon is {id, label, points: [[x, y], ...], attributes}: simple, at least 3 points.
import { svg } from './image-canvas.js';
import { clamp, round2, shapeEditor, summarize } from './image-shapes.js';
import { t } from '../i18n.js';
import { h } from '../ui.js';

/** Draws its work surface on the field it annotates (the page leaves that field a slot). */
export const surface = true;

const NOUN = { one: 'image.polygons_one', many: 'image.polygons_many' };
const drafts = new WeakMap(); // editor → {points, cursor, line, dots}

const pointsAttr = (points) => points.map(([x, y]) => `${x},${y}`).join(' ');

export function area(points) {
  let sum = 0;
  for (let i = 0; i < points.length; i += 1) {
    const [x1, y1] = points[i];
    const [x2, y2] = points[(i + 1) % points.length];
    sum += x1 * y2 - x2 * y1;
  }
  return Math.abs(sum) / 2;
}

function cross(o, a, b) { return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]); }

/** True when two non-adjacent edges touch or cross (the server refuses such polygons). */
export function selfIntersects(points) {
  const n = points.length;
  for (let i = 0; i < n; i += 1) {
    const a1 = points[i];
    const a2 = points[(i + 1) % n];
    for (let j = i + 2; j < n; j += 1) {
      if (i === 0 && j === n - 1) continue;
      const b1 = points[j];
      const b2 = points[(j + 1) % n];
      const o1 = cross(a1, a2, b1);
      const o2 = cross(a1, a2, b2);
      const o3 = cross(b1, b2, a1);
      const o4 = cross(b1, b2, a2);
      const meet = Math.min(Math.max(a1[0], a2[0]), Math.max(b1[0], b2[0])) >= Math.max(Math.min(a1[0], a2[0]), Math.min(b1[0], b2[0]))
        && Math.min(Math.max(a1[1], a2[1]), Math.max(b1[1], b2[1])) >= Math.max(Math.min(a1[1], a2[1]), Math.min(b1[1], b2[1]));
      if (o1 * o2 <= 0 && o3 * o4 <= 0 && meet) return true;
    }
  }
  return false;
}

/** Why `points` cannot be a polygon (an i18n key), or null. */
function problem(points) {
  if (points.length < 3) return 'image.polygon_too_few';
  for (let i = 0; i < points.length; i += 1) {
    const next = points[(i + 1) % points.length];
    if (points[i][0] === next[0] && points[i][1] === next[1]) return 'image.polygon_repeat';
  }
  if (selfIntersects(points)) return 'image.polygon_crosses';
  if (area(points) <= 1e-9) return 'image.polygon_flat';
  return null;
}

function inside(points, x, y) {
  let hit = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i, i += 1) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) hit = !hit;
  }
  return hit;
}

function nearSegment(a, b, p, tol) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len = dx * dx + dy * dy;
  const s = len ? clamp(((p.x - a[0]) * dx + (p.y - a[1]) * dy) / len, 0, 1) : 0;
  return Math.hypot(a[0] + s * dx - p.x, a[1] + s * dy - p.y) <= tol;
}

function vertexAt(ed, poly, pt) {
  const reach = 7 * ed.unit;
  let best = -1;
  let bestD = Infinity;
  poly.points.forEach(([x, y], i) => {
    const d = Math.hypot(x - pt.x, y - pt.y);
    if (d <= reach && d < bestD) { best = i; bestD = d; }
  });
  return best;
}

function midpoints(poly) {
  return poly.points.map(([x, y], i) => {
    const [x2, y2] = poly.points[(i + 1) % poly.points.length];
    return [(x + x2) / 2, (y + y2) / 2];
  });
}

/* ---------- drawing a new polygon ---------- */

function paintDraft(ed) {
  const d = drafts.get(ed);
  if (!d) return;
  const pts = d.cursor ? [...d.points, [d.cursor.x, d.cursor.y]] : d.points;
  d.line.setAttribute('points', pointsAttr(pts));
  d.dots.setAttribute('d', d.points.map(([x, y]) => `M${x} ${y}h0`).join(''));
  if (d.points.length) {
    d.first.setAttribute('d', `M${d.points[0][0]} ${d.points[0][1]}h0`);
  }
  ed.tool.refresh(ed);
}

function startDraft(ed, pt) {
  const color = ed.color(ed.activeLabel);
  const d = {
    points: [], cursor: null,
    line: svg('polyline', { class: 'ic-draft-line', stroke: color }),
    dots: svg('path', { class: 'ic-points', stroke: color }),
    first: svg('path', { class: 'ic-points ic-first', stroke: color }),
  };
  ed.live.append(d.line, d.dots, d.first);
  drafts.set(ed, d);
  ed.select(null);
  addPoint(ed, pt);
}

function addPoint(ed, pt) {
  const d = drafts.get(ed);
  const p = ed.clampPoint(pt);
  const last = d.points[d.points.length - 1];
  if (!last || last[0] !== p.x || last[1] !== p.y) d.points.push([p.x, p.y]);
  paintDraft(ed);
}

function close(ed) {
  const d = drafts.get(ed);
  const why = problem(d.points);
  if (why) { ed.message(t(why)); return; }
  endDraft(ed);
  ed.add({ label: ed.activeLabel, points: d.points, attributes: {} });
}

function endDraft(ed) {
  const d = drafts.get(ed);
  if (!d) return false;
  d.line.remove();
  d.dots.remove();
  d.first.remove();
  drafts.delete(ed);
  ed.tool.refresh(ed);
  return true;
}

/* ---------- editing ---------- */

function shifted(ed, poly, dx, dy) {
  const xs = poly.points.map((p) => p[0]);
  const ys = poly.points.map((p) => p[1]);
  const mx = clamp(dx, -Math.min(...xs), ed.width - Math.max(...xs));
  const my = clamp(dy, -Math.min(...ys), ed.height - Math.max(...ys));
  return { ...poly, points: poly.points.map(([x, y]) => [round2(x + mx), round2(y + my)]) };
}

function moveGesture(ed, p0, start) {
  let current = p0;
  return {
    move(pt) { current = shifted(ed, p0, pt.x - start.x, pt.y - start.y); ed.preview(current); },
    up() {
      const [x0, y0] = p0.points[0];
      if (current.points[0][0] !== x0 || current.points[0][1] !== y0) ed.replace(current);
    },
    cancel() { ed.preview(p0); },
  };
}

function vertexGesture(ed, p0, index) {
  let current = p0;
  return {
    move(pt) {
      const p = ed.clampPoint(pt);
      const points = p0.points.map((q, i) => (i === index ? [p.x, p.y] : q));
      current = { ...p0, points };
      ed.preview(current);
    },
    up() {
      if (current === p0) { if (p0.points.length !== ed.selected()?.points.length) ed.replace(p0); return; }
      const why = problem(current.points);
      if (why) { ed.message(t(why)); ed.preview(p0); ed.render(); return; }
      ed.replace(current);
    },
    cancel() { ed.preview(p0); },
  };
}

const tool = {
  noun: NOUN,
  hints: [['image.key_click', 'image.hint_add_point'], ['↵', 'image.hint_close'], ['⌫', 'image.hint_remove_point'],
    ['Alt', 'image.hint_remove_vertex']],

  create() { return svg('polygon', { class: 'ic-shape' }); },

  update(ed, el, poly, style) {
    el.setAttribute('points', pointsAttr(poly.points));
    el.setAttribute('stroke', style.color);
    el.setAttribute('fill', style.color);
    el.classList.toggle('is-selected', style.selected);
    el.classList.toggle('is-suggestion', style.suggestion);
  },

  contains(ed, poly, pt, tol) {
    const pts = poly.points;
    const onEdge = pts.some((a, i) => nearSegment(a, pts[(i + 1) % pts.length], pt, tol));
    return onEdge || inside(pts, pt.x, pt.y) ? area(pts) : null;
  },

  drawHandles(ed, poly, group) {
    const size = 8 * ed.unit;
    for (const [x, y] of midpoints(poly)) group.append(svg('circle', { class: 'ic-handle ic-midpoint', cx: x, cy: y, r: size / 2.5 }));
    for (const [x, y] of poly.points) group.append(svg('rect', { class: 'ic-handle', x: x - size / 2, y: y - size / 2, width: size, height: size }));
  },

  cursorAt(ed, pt) {
    if (drafts.has(ed)) return 'crosshair';
    const poly = ed.selected();
    if (poly && (vertexAt(ed, poly, pt) >= 0 || vertexAt(ed, { points: midpoints(poly) }, pt) >= 0)) return 'pointer';
    return ed.hit(pt) ? 'move' : 'crosshair';
  },

  onHover(ed, pt) {
    const d = drafts.get(ed);
    if (d) { d.cursor = pt ? ed.clampPoint(pt) : null; paintDraft(ed); }
  },

  pointerDown(ed, pt, event) {
    const d = drafts.get(ed);
    if (d) {
      const first = d.points[0];
      if (d.points.length >= 3 && Math.hypot(first[0] - pt.x, first[1] - pt.y) <= 8 * ed.unit) close(ed);
      else addPoint(ed, pt);
      return null;
    }
    const poly = ed.selected();
    if (poly && !event.shiftKey) {
      const v = vertexAt(ed, poly, pt);
      if (v >= 0 && event.altKey) {
        const points = poly.points.filter((_, i) => i !== v);
        const why = problem(points);
        if (why) ed.message(t(why));
        else ed.replace({ ...poly, points });
        return null;
      }
      if (v >= 0) return vertexGesture(ed, poly, v);
      const m = vertexAt(ed, { points: midpoints(poly) }, pt);
      if (m >= 0) {
        const p = ed.clampPoint(pt);
        const points = [...poly.points.slice(0, m + 1), [p.x, p.y], ...poly.points.slice(m + 1)];
        const grown = { ...poly, points };
        ed.preview(grown);
        return vertexGesture(ed, grown, m + 1);
      }
    }
    if (!event.shiftKey) {
      const hit = ed.hit(pt);
      if (hit) {
        ed.select({ kind: hit.kind, id: hit.id });
        return hit.kind === 'object' ? moveGesture(ed, hit.obj, pt) : null;
      }
    }
    startDraft(ed, pt);
    return null;
  },

  onKey(ed, event) {
    const d = drafts.get(ed);
    if (!d) return false;
    const undo = (event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === 'z';
    if (event.key === 'Enter') { close(ed); return true; }
    if (event.key === 'Backspace' || event.key === 'Delete' || undo) {
      d.points.pop();
      if (!d.points.length) endDraft(ed);
      else paintDraft(ed);
      return true;
    }
    if (event.key === 'Escape') { endDraft(ed); return true; }
    return event.key.startsWith('Arrow'); // no nudging while drawing
  },

  drafting(ed) { return drafts.has(ed); },

  cancelDraft(ed) { return endDraft(ed); },

  controls(ed) {
    ed.draftNote = h('span', { class: 'muted small', testid: `polygon-draft-${ed.q.name}` });
    return ed.draftNote;
  },

  refresh(ed) {
    if (!ed.draftNote) return;
    const d = drafts.get(ed);
    ed.draftNote.textContent = d ? t('image.polygon_drawing', { n: d.points.length }) : '';
  },

  nudge(ed, poly, dx, dy) { return shifted(ed, poly, dx, dy); },

  unmount(ed) { endDraft(ed); },
};

export function render(container, question, value, onChange, ctx) {
  return shapeEditor(container, question, value, onChange, ctx, tool);
}

export function summary(question, value) {
  return summarize(question, value, NOUN);
}
