// The text surface of a spans question: the text with its marks (spans, suggestions, a pending selection)
// and the relation arrows. The text is cut at every mark boundary into chunks in one pass over the sorted
// boundaries; each line is a block whose chunks are built into a DocumentFragment, and only lines that
// changed are rebuilt. Each chunk carries its code-point start (data-o), so a DOM selection maps back to
// offsets without scanning the text. Overlapping marks get stacked underlines, one lane per nesting depth.
import { h } from '../ui.js';
import { TextIndex } from './text-offsets.js';

const LANE = 4; // px between stacked underlines
const SVG = 'http://www.w3.org/2000/svg';
const TINT = { span: '33', suggestion: '14', pending: '40' }; // alpha (hex) of a mark's background
const STRONG = '80';
const RTL_FIRST = /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}]/u;
const STRONG_CHAR = /[\p{L}]/u;
let surfaces = 0;

function firstStrong(text) {
  for (const ch of text) if (STRONG_CHAR.test(ch)) return ch;
  return '';
}

export class TextSurface {
  /** `text` is the item's text; `label` names the surface for screen readers. */
  constructor(text, { label = '', testid = null } = {}) {
    surfaces += 1;
    this.uid = `sp${surfaces}`;
    this.text = text;
    this.index = new TextIndex(text);
    this.textEl = h('div', { class: 'sp-text', dir: 'auto', tabindex: '0', 'aria-label': label || null, testid });
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.setAttribute('class', 'sp-arrows');
    this.svg.setAttribute('aria-hidden', 'true');
    // one block per line (the newline stays at the end of its line's text, as in the stored text)
    this.lineStarts = [0];
    for (const m of text.matchAll(/\n/g)) if (m.index + 1 < text.length) this.lineStarts.push(this.index.toCodePoint(m.index + 1));
    this.lines = this.lineStarts.map(() => ({ el: h('div', { class: 'sp-line' }), segments: null }));
    const blocks = document.createDocumentFragment();
    for (const line of this.lines) blocks.append(line.el);
    this.textEl.append(blocks);
    this.el = h('div', { class: 'sp-surface' }, this.textEl);
    this.el.append(this.svg);
    this.marks = new Map(); // key → mark
    this.segments = []; // [{el, start, marks}] in text order
    this.byMark = new Map(); // key → segment positions
    this.segmentOf = new WeakMap(); // chunk element → segment
    this.flags = new Map(); // key → Set of 'selected' | 'hot' | 'target'
    this.arrows = [];
    this.arrowEls = [];
    this.frame = 0;
    this.resize = new ResizeObserver(() => this.scheduleArrows());
    this.resize.observe(this.textEl);
  }

  /**
   * Show `marks` ([{key, start, end, color, tag, kind: 'span' | 'suggestion' | 'pending'}], code points).
   * The text is cut into chunks at every mark boundary and every line start; each line is its own block, and
   * a line whose chunks look exactly as before keeps its elements (so an edit re-lays out one line).
   */
  render(marks) {
    this.marks = new Map(marks.map((m) => [m.key, m]));
    const lanes = assignLanes(marks);
    const startsAt = new Map();
    const endsAt = new Map();
    const bounds = new Set([0, this.index.length, ...this.lineStarts]);
    for (const m of marks) {
      if (!startsAt.has(m.start)) startsAt.set(m.start, []);
      if (!endsAt.has(m.end)) endsAt.set(m.end, []);
      startsAt.get(m.start).push(m);
      endsAt.get(m.end).push(m);
      bounds.add(m.start);
      bounds.add(m.end);
    }
    const points = Array.from(bounds).sort((a, b) => a - b);
    const active = new Set();
    const segments = [];
    for (let i = 0; i < points.length - 1; i += 1) {
      const a = points[i];
      const b = points[i + 1];
      for (const m of endsAt.get(a) || []) active.delete(m);
      for (const m of startsAt.get(a) || []) active.add(m);
      const covering = Array.from(active).sort((x, y) => lanes.get(x) - lanes.get(y));
      const segment = { el: null, start: a, end: b, marks: covering, lanes, tag: '', tagDir: '', tagColor: '', soft: false };
      const ending = covering.filter((m) => m.end === b && m.tag);
      if (ending.length) {
        segment.tag = ending.map((m) => m.tag).join(' · ');
        // the tag keeps to its span's side: the span's own direction decides the mark closing the tag
        segment.tagDir = RTL_FIRST.test(firstStrong(this.index.slice(ending[0].start, ending[0].end))) ? 'rtl' : 'ltr';
        segment.tagColor = ending[ending.length - 1].color;
        segment.soft = ending.every((m) => m.kind !== 'span');
      }
      Object.assign(segment, this.look(segment));
      segments.push(segment);
    }
    let depth = 0;
    for (const lane of lanes.values()) depth = Math.max(depth, lane + 1);
    this.textEl.style.setProperty('--sp-pad', `${Math.max(0, depth - 1) * LANE + 2}px`);
    this.place(segments);
    this.segments = segments;
    this.byMark = new Map();
    segments.forEach((segment, i) => {
      for (const m of segment.marks) {
        if (!this.byMark.has(m.key)) this.byMark.set(m.key, []);
        this.byMark.get(m.key).push(i);
      }
    });
    this.scheduleArrows();
  }

  /** Put the chunks into their lines, rebuilding only the lines that look different from before. */
  place(segments) {
    const signature = (list) => list.map((s) => `${s.start}|${s.end}|${s.tag}|${s.tagDir}|${s.tagColor}|${s.soft}|${s.background}`).join('~');
    const byLine = this.lines.map(() => []);
    let line = 0;
    for (const segment of segments) {
      while (line + 1 < this.lineStarts.length && this.lineStarts[line + 1] <= segment.start) line += 1;
      byLine[line].push(segment);
    }
    byLine.forEach((fresh, i) => {
      const block = this.lines[i];
      if (block.segments && signature(block.segments) === signature(fresh)) {
        fresh.forEach((segment, k) => { segment.el = block.segments[k].el; this.segmentOf.set(segment.el, segment); });
      } else {
        const fragment = document.createDocumentFragment();
        for (const segment of fresh) fragment.append(this.chunk(segment));
        block.el.replaceChildren(fragment);
      }
      block.segments = fresh;
    });
  }

  chunk(segment) {
    const el = document.createElement('span');
    el.className = segment.marks.length ? 'sp-seg sp-marked' : 'sp-seg';
    el.dataset.o = String(segment.start);
    el.textContent = this.text.slice(this.index.toUtf16(segment.start), this.index.toUtf16(segment.end));
    if (segment.tag) {
      el.dataset.tag = segment.tag;
      el.dataset.tagDir = segment.tagDir;
      el.style.setProperty('--sp-tag', segment.tagColor);
      if (segment.soft) el.classList.add('sp-tag-soft');
    }
    segment.el = el;
    this.segmentOf.set(el, segment);
    this.apply(segment);
    return el;
  }

  /** Set or clear a display flag of one mark ('selected', 'hot', 'target'); repaints only its chunks. */
  setFlag(key, flag, on) {
    if (!key) return;
    if (!this.flags.has(key)) this.flags.set(key, new Set());
    const flags = this.flags.get(key);
    if (on === flags.has(flag)) return;
    if (on) flags.add(flag); else flags.delete(flag);
    for (const i of this.byMark.get(key) || []) this.paint(this.segments[i]);
    if (flag === 'hot') this.paintArrows();
  }

  /** Replace every flag with `entries` ([key, flag] pairs) without repainting (a render follows). */
  resetFlags(entries) {
    this.flags = new Map();
    for (const [key, flag] of entries) {
      if (!key) continue;
      if (!this.flags.has(key)) this.flags.set(key, new Set());
      this.flags.get(key).add(flag);
    }
  }

  has(key, flag) {
    return Boolean(this.flags.get(key)?.has(flag));
  }

  /** The background (stacked underlines over a tint) of a chunk, from its marks and their flags. */
  look(segment) {
    if (!segment.marks.length) return { background: '', strong: false };
    const layers = [];
    let tint = null;
    for (const m of segment.marks) {
      const lane = segment.lanes.get(m);
      const strong = this.has(m.key, 'selected') || this.has(m.key, 'hot') || this.has(m.key, 'target');
      const line = m.kind === 'span'
        ? `linear-gradient(${m.color}, ${m.color})`
        : `repeating-linear-gradient(90deg, ${m.color} 0 5px, transparent 5px 8px)`;
      layers.push(`${line} 0 calc(100% - ${lane * LANE}px) / 100% ${strong ? 3 : 2}px no-repeat`);
      const candidate = { color: m.color, alpha: strong ? STRONG : TINT[m.kind], size: m.end - m.start, strong };
      if (!tint || (candidate.strong && !tint.strong) || (candidate.strong === tint.strong && candidate.size < tint.size)) {
        tint = candidate;
      }
    }
    return { background: [...layers, `${tint.color}${tint.alpha}`].join(', '), strong: tint.strong };
  }

  apply(segment) {
    segment.el.style.background = segment.background;
    segment.el.classList.toggle('sp-strong', segment.strong);
  }

  paint(segment) {
    Object.assign(segment, this.look(segment));
    this.apply(segment);
  }

  /** The keys of the marks drawn on a chunk element (innermost first), or []. */
  keysAt(node) {
    const el = node instanceof Element ? node.closest('.sp-seg') : node?.parentElement?.closest('.sp-seg');
    const segment = el ? this.segmentOf.get(el) : null;
    if (!segment) return [];
    return [...segment.marks].sort((a, b) => (a.end - a.start) - (b.end - b.start)).map((m) => m.key);
  }

  /** The document's selection inside the text as UTF-16 indices [start, end], or null. */
  selectionUtf16() {
    const selection = window.getSelection();
    if (!selection || !selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!range.intersectsNode(this.textEl)) return null;
    const start = this.textEl.contains(range.startContainer) ? this.pointToUtf16(range.startContainer, range.startOffset) : 0;
    const end = this.textEl.contains(range.endContainer) ? this.pointToUtf16(range.endContainer, range.endOffset) : this.text.length;
    return start < end ? [start, end] : null;
  }

  pointToUtf16(node, offset) {
    if (node.nodeType === Node.TEXT_NODE) {
      const chunk = node.parentElement.closest('.sp-seg');
      return chunk ? this.chunkStart(chunk) + offset : 0;
    }
    const chunk = node.closest('.sp-seg');
    if (chunk) return this.chunkStart(chunk) + (offset > 0 ? chunk.textContent.length : 0);
    // a line or the whole text: the place before its child number `offset`
    const child = node.childNodes[offset];
    if (child) {
      const first = firstChunk(child);
      if (first) return this.chunkStart(first);
    }
    const last = lastChunk(node);
    return last ? this.chunkStart(last) + last.textContent.length : 0;
  }

  chunkStart(chunk) {
    return this.index.toUtf16(Number(chunk.dataset.o));
  }

  /** Scroll the first chunk of a mark into view. */
  reveal(key) {
    const first = (this.byMark.get(key) || [])[0];
    if (first !== undefined) this.segments[first].el.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }

  /** Relation arrows: [{from, to, text, key}] with mark keys for the ends; drawn after layout. */
  setArrows(arrows) {
    this.arrows = arrows;
    this.el.classList.toggle('sp-has-arrows', arrows.length > 0);
    this.scheduleArrows();
  }

  scheduleArrows() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.drawArrows(); });
  }

  anchor(key, base) {
    const first = (this.byMark.get(key) || [])[0];
    if (first === undefined) return null;
    const rect = this.segments[first].el.getClientRects()[0];
    return rect ? { x: rect.left + rect.width / 2 - base.left, y: rect.top - base.top } : null;
  }

  drawArrows() {
    const base = this.el.getBoundingClientRect();
    const points = this.arrows.map((a) => [this.anchor(a.from, base), this.anchor(a.to, base)]); // all reads first
    const fragment = document.createDocumentFragment();
    fragment.append(arrowDefs(this.uid));
    this.arrowEls = this.arrows.map((arrow, i) => {
      const [p, q] = points[i];
      if (!p || !q) return null;
      const lift = 12 + Math.min(8, Math.abs(q.x - p.x) / 40); // stays within the gap above the line
      const cx = (p.x + q.x) / 2;
      const cy = Math.min(p.y, q.y) - lift;
      const group = svgEl('g', { class: 'sp-arrow', 'data-key': arrow.key });
      group.append(svgEl('path', { d: `M${p.x},${p.y - 1} Q${cx},${cy} ${q.x},${q.y - 2}`, 'marker-end': `url(#${this.uid}-head)` }));
      const label = svgEl('text', { x: (p.x + 2 * cx + q.x) / 4, y: (p.y + 2 * cy + q.y) / 4 - 2, 'text-anchor': 'middle' });
      label.textContent = arrow.text;
      group.append(label);
      fragment.append(group);
      return group;
    });
    this.svg.replaceChildren(fragment);
    this.paintArrows();
  }

  paintArrows() {
    const hot = new Set(Array.from(this.flags).filter(([, f]) => f.has('hot')).map(([k]) => k));
    this.arrows.forEach((arrow, i) => {
      const group = this.arrowEls[i];
      if (group) group.classList.toggle('is-hot', hot.has(arrow.from) && hot.has(arrow.to));
    });
  }

  destroy() {
    this.resize.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
    this.el.remove();
  }
}

/** Lanes (nesting depth) for the underlines: a mark takes the lowest lane free at its start. */
function assignLanes(marks) {
  const lanes = new Map();
  const ends = [];
  const order = [...marks].sort((a, b) => a.start - b.start || b.end - a.end);
  for (const m of order) {
    let lane = ends.findIndex((end) => end <= m.start);
    if (lane < 0) { lane = ends.length; ends.push(0); }
    ends[lane] = m.end;
    lanes.set(m, lane);
  }
  return lanes;
}

function firstChunk(node) {
  let el = node instanceof Element ? node : null;
  while (el && !el.classList.contains('sp-seg')) el = el.firstElementChild;
  return el;
}

function lastChunk(node) {
  let el = node instanceof Element ? node : null;
  while (el && !el.classList.contains('sp-seg')) el = el.lastElementChild;
  return el;
}

function svgEl(tag, attrs) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

function arrowDefs(uid) {
  const defs = svgEl('defs', {});
  const marker = svgEl('marker', {
    id: `${uid}-head`, viewBox: '0 0 8 8', refX: 7, refY: 4, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
  });
  marker.append(svgEl('path', { d: 'M0,0 L8,4 L0,8 z', class: 'sp-arrow-head' }));
  defs.append(marker);
  return defs;
}
