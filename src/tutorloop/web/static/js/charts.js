// Small charts built with DOM APIs (no innerHTML of data): an accuracy dot plot with error bars, a
// confusion heat map (a real table, so the numbers are readable by everyone) and a posterior bar.
// Charts stay left-to-right inside; every text they show is passed in already translated.
import { fmtNumber, isRtl } from './i18n.js';
import { h } from './ui.js';

const NS = 'http://www.w3.org/2000/svg';
let uid = 0;

/** An SVG element: svg('rect', {x: 1, class: 'a'}, child…); strings become text nodes. */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(key === 'testid' ? 'data-testid' : key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A share as a whole percentage ("–" when unknown). */
export const fmtPct = (v) => (v === null || v === undefined ? '–' : fmtNumber(v, { style: 'percent', maximumFractionDigits: 0 }));

/** A probability: whole percentages, but never "100%" or "0%" for what is only nearly certain. */
export function fmtShare(v) {
  if (v === null || v === undefined) return '–';
  // isolated left to right, so "<1%" keeps its shape inside right-to-left text
  if (v > 0.995 && v < 1) return `\u2066>${fmtPct(0.99)}\u2069`;
  if (v > 0 && v < 0.005) return `\u2066<${fmtPct(0.01)}\u2069`;
  return fmtPct(v);
}

/** Text of unknown direction (a name) isolated inside a translated sentence. */
export const isolate = (text) => `\u2068${text}\u2069`;

const clamp01 = (v) => Math.max(0, Math.min(1, v));
const shorten = (text, n) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/**
 * Per-person accuracy: a row per person with the gold accuracy (dot) and its interval (error bar), the
 * model-estimated accuracy (diamond), and a column saying how much evidence backs them; rows resting on
 * little evidence get a marked evidence label.
 * rows: [{name, gold: {value, lo, hi, weak}|null, model: {value, weak}|null, evidence, weak, title}]
 * text: {title, desc, pct(v), chance}; options: {width, chance} (a dashed line at the chance level).
 */
export function accuracyChart(rows, text, { width = 860, chance = null } = {}) {
  const W = Math.max(560, Math.round(width));
  const L = 160; // end of the name column
  const X0 = L + 16;
  const E = W - 196; // start of the evidence column
  const X1 = E - 28;
  const ROW = 30;
  const TOP = 8;
  const height = TOP + rows.length * ROW + 34;
  const x = (v) => X0 + clamp01(v) * (X1 - X0);
  const id = `tl-chart-${++uid}`;
  const chart = svg('svg', {
    class: 'chart chart-accuracy', width: W, height, viewBox: `0 0 ${W} ${height}`, direction: 'ltr',
    role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, testid: 'accuracy-chart',
  }, svg('title', { id: `${id}-t` }, text.title), svg('desc', { id: `${id}-d` }, text.desc));

  const grid = svg('g', { class: 'chart-grid', 'aria-hidden': 'true' });
  const bottom = TOP + rows.length * ROW;
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    grid.append(
      svg('line', { x1: x(v), x2: x(v), y1: TOP, y2: bottom, class: v === 0 || v === 1 ? 'axis' : 'gridline' }),
      svg('text', { x: x(v), y: bottom + 16, 'text-anchor': 'middle', class: 'tick' }, text.pct(v)));
  }
  if (chance !== null && chance > 0 && chance < 1) {
    grid.append(svg('line', { x1: x(chance), x2: x(chance), y1: TOP, y2: bottom, class: 'chance' }),
      svg('text', { x: x(chance) + 3, y: bottom + 30, class: 'tick chance-label' }, text.chance || ''));
  }
  chart.append(grid);

  rows.forEach((row, i) => {
    const y = TOP + i * ROW + ROW / 2;
    const g = svg('g', {
      class: `chart-row${row.weak ? ' is-weak' : ''}`, testid: 'accuracy-row', 'data-name': row.name,
    }, svg('title', {}, row.title));
    g.append(svg('text', { x: L, y: y + 4, 'text-anchor': 'end', class: 'name' }, shorten(row.name, 22)));
    g.append(svg('line', { x1: X0, x2: X1, y1: y, y2: y, class: 'track' }));
    if (row.gold && row.gold.lo !== null && row.gold.lo !== undefined) {
      const cls = `gold-bar${row.gold.weak ? ' is-thin' : ''}`;
      g.append(
        svg('line', { x1: x(row.gold.lo), x2: x(row.gold.hi), y1: y, y2: y, class: cls }),
        svg('line', { x1: x(row.gold.lo), x2: x(row.gold.lo), y1: y - 6, y2: y + 6, class: cls }),
        svg('line', { x1: x(row.gold.hi), x2: x(row.gold.hi), y1: y - 6, y2: y + 6, class: cls }));
    }
    if (row.gold && row.gold.value !== null && row.gold.value !== undefined) {
      g.append(svg('circle', {
        cx: x(row.gold.value), cy: y, r: 5.5, class: `gold-dot${row.gold.weak ? ' is-thin' : ''}`, testid: 'gold-dot',
      }));
    }
    if (row.model && row.model.value !== null && row.model.value !== undefined) {
      const cx = x(row.model.value);
      g.append(svg('path', {
        d: `M${cx} ${y - 6.5}L${cx + 6.5} ${y}L${cx} ${y + 6.5}L${cx - 6.5} ${y}Z`,
        class: `model-mark${row.model.weak ? ' is-thin' : ''}`, testid: 'model-mark',
      }));
    }
    if (row.weak) g.append(svg('rect', { x: E - 8, y: y - 10, width: W - E + 6, height: 20, rx: 10, class: 'weak-band' }));
    // the evidence is a sentence in the page's language: it reads in the page's direction within its column
    g.append(svg('text', { x: isRtl ? W - 10 : E, y: y + 4, direction: isRtl ? 'rtl' : 'ltr', class: 'evidence' }, row.evidence));
    chart.append(g);
  });
  return chart;
}

/** The legend under the accuracy chart, in the page's own direction: [{kind, text}]. */
export function chartLegend(entries) {
  return h('ul', { class: 'chart-legend small' }, entries.map(({ kind, text }) => h('li', {},
    svg('svg', { width: 16, height: 12, viewBox: '0 0 16 12', class: 'legend-mark', 'aria-hidden': 'true' },
      kind === 'gold' ? [svg('line', { x1: 1, x2: 15, y1: 6, y2: 6, class: 'gold-bar' }), svg('circle', { cx: 8, cy: 6, r: 4, class: 'gold-dot' })]
        : kind === 'model' ? svg('path', { d: 'M8 1L13 6L8 11L3 6Z', class: 'model-mark' })
          : svg('rect', { x: 0, y: 1, width: 16, height: 10, rx: 5, class: 'weak-band' })),
    text)));
}

/**
 * A confusion matrix as a heat-map table: rows are true classes, columns the given labels; each row is
 * shown as shares of that row. Cell colours come from classes (heat-0…heat-10), so no inline styles.
 * spec: {classes: [{value, text}], matrix, caption, corner, cellTitle(trueText, givenText, share), pct(v)}
 */
export function heatmapTable(spec) {
  const { classes, matrix, pct } = spec;
  const table = h('table', { class: 'heatmap', testid: 'confusion-matrix' },
    h('caption', {}, spec.caption));
  const head = h('tr', {}, h('th', { scope: 'col', class: 'corner small' }, spec.corner));
  for (const c of classes) head.append(h('th', { scope: 'col', dir: 'auto', title: c.text }, shorten(c.text, 18)));
  table.append(h('thead', {}, head));
  const body = h('tbody');
  classes.forEach((trueClass, r) => {
    const row = matrix[r] || [];
    const sum = row.reduce((a, b) => a + (Number(b) || 0), 0);
    const tr = h('tr', {}, h('th', { scope: 'row', dir: 'auto', title: trueClass.text }, shorten(trueClass.text, 18)));
    classes.forEach((given, c) => {
      const share = sum > 0 ? (Number(row[c]) || 0) / sum : null;
      const bucket = share === null ? 0 : Math.round(share * 10);
      tr.append(h('td', {
        class: `heat ${r === c ? 'heat-ok' : 'heat-err'} heat-${bucket}`,
        title: share === null ? null : spec.cellTitle(trueClass.text, given.text, pct(share)),
      }, share === null ? '–' : pct(share)));
    });
    body.append(tr);
  });
  table.append(body);
  return table;
}

/**
 * A posterior as one stacked bar (left to right in class order), with a title per part.
 * parts: [{text, p, chosen}]; label: the accessible name of the whole bar.
 */
export function posteriorBar(parts, label) {
  const bar = svg('svg', {
    class: 'posterior-bar', viewBox: '0 0 100 10', preserveAspectRatio: 'none', role: 'img',
    'aria-label': label, testid: 'posterior-bar', direction: 'ltr',
  });
  let at = 0;
  parts.forEach((part, i) => {
    const w = clamp01(part.p) * 100;
    if (w <= 0) return;
    bar.append(svg('rect', {
      x: at, y: 0, width: w, height: 10, class: `post post-${i % 8}${part.chosen ? ' is-chosen' : ''}`,
    }, svg('title', {}, part.title || part.text)));
    at += w;
  });
  return bar;
}

/** The colour swatch matching part `i` of a posterior bar. */
export function swatch(i) {
  return svg('svg', { width: 10, height: 10, viewBox: '0 0 10 10', class: 'swatch', 'aria-hidden': 'true' },
    svg('rect', { x: 0, y: 0, width: 10, height: 10, rx: 2, class: `post post-${i % 8}` }));
}

/** A small horizontal meter (0…1) next to a number, e.g. a confidence. */
export function meter(value) {
  const track = h('span', { class: 'meter', 'aria-hidden': 'true' });
  const fill = h('span', { class: 'meter-fill' });
  fill.style.inlineSize = `${clamp01(value ?? 0) * 100}%`; // CSSOM, allowed by the style-src policy
  track.append(fill);
  return track;
}
