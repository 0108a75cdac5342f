// masks: paint with the brush; E toggles the eraser; [ and ] change the brush size. A stroke paints into
// the selected mask, or starts a new mask of the active label when none is selected (Escape deselects);
// the eraser clears from the selected mask, or from every mask when none is. Alt+click selects the mask
// under the cursor. Each mask is painted on its own canvas at image resolution and stored as COCO
// uncompressed RLE when the stroke ends: {id, label, rle: {size: [h, w], counts: [...]}, attributes}.
import { svg } from './image-canvas.js';
import { shapeEditor, summarize } from './image-shapes.js';
import { t } from '../i18n.js';
import { h } from '../ui.js';

/** Draws its work surface on the field it annotates (the page leaves that field a slot). */
export const surface = true;

const NOUN = { one: 'image.masks_one', many: 'image.masks_many' };
const DEFAULT_SIZES = [4, 8, 16, 32, 64];
const stores = new WeakMap(); // editor → {canvases: Map(key → entry), eraser, size, cursor}

/** Column-major RLE of the pixels whose alpha is at least half (strokes are antialiased). */
export function encode(data, width, height) {
  const counts = [];
  let run = 0;
  let value = 0;
  let area = 0;
  for (let x = 0; x < width; x += 1) {
    for (let y = 0, i = x * 4 + 3; y < height; y += 1, i += width * 4) {
      const bit = data[i] >= 128 ? 1 : 0;
      if (bit !== value) { counts.push(run); run = 0; value = bit; }
      run += 1;
      area += bit;
    }
  }
  counts.push(run);
  return { rle: { size: [height, width], counts }, area };
}

/** Row-major 0/1 bytes of an RLE. */
export function decode(rle, width, height) {
  const bits = new Uint8Array(width * height);
  let pos = 0;
  rle.counts.forEach((count, k) => {
    if (k % 2 === 1) {
      for (let p = pos; p < pos + count; p += 1) bits[(p % height) * width + Math.floor(p / height)] = 1;
    }
    pos += count;
  });
  return bits;
}

function hexToRgb(hex) {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

function store(ed) {
  if (!stores.has(ed)) {
    const sizes = (ed.q.brush_sizes && ed.q.brush_sizes.length ? ed.q.brush_sizes : DEFAULT_SIZES).slice().sort((a, b) => a - b);
    stores.set(ed, { canvases: new Map(), eraser: false, sizes, size: sizes[Math.floor((sizes.length - 1) / 2)], cursor: null });
  }
  return stores.get(ed);
}

/** Paint `bits` into the entry's canvas in `color` (fully opaque; the layer's CSS gives the transparency). */
function paint(entry, color) {
  const { canvas, bits } = entry;
  const image = entry.ctx.createImageData(canvas.width, canvas.height);
  const [r, g, b] = hexToRgb(color);
  for (let i = 0; i < bits.length; i += 1) {
    if (bits[i]) { const j = i * 4; image.data[j] = r; image.data[j + 1] = g; image.data[j + 2] = b; image.data[j + 3] = 255; }
  }
  entry.ctx.putImageData(image, 0, 0);
  entry.color = color;
}

function makeEntry(ed, key) {
  const canvas = h('canvas', { class: 'ic-mask', width: String(ed.width), height: String(ed.height) });
  const entry = { canvas, ctx: canvas.getContext('2d', { willReadFrequently: true }), bits: null, rle: null, color: null };
  ed.layer.under.append(canvas);
  store(ed).canvases.set(key, entry);
  return entry;
}

/** Read a canvas back into bits and RLE after a stroke; returns its area. */
function settle(ed, entry) {
  const data = entry.ctx.getImageData(0, 0, ed.width, ed.height).data;
  const { rle, area } = encode(data, ed.width, ed.height);
  entry.rle = rle;
  entry.bits = decode(rle, ed.width, ed.height);
  paint(entry, entry.color); // crisp: what is shown is exactly what is stored
  return { rle, area };
}

function maskAt(ed, pt) {
  const x = Math.floor(pt.x);
  const y = Math.floor(pt.y);
  if (x < 0 || y < 0 || x >= ed.width || y >= ed.height) return null;
  const s = store(ed);
  for (const [kind, list] of [['object', ed.objects], ['suggestion', ed.pending]]) {
    for (let i = list.length - 1; i >= 0; i -= 1) {
      const entry = s.canvases.get((kind === 'object' ? 'o' : 's') + list[i].id);
      if (entry && entry.bits && entry.bits[y * ed.width + x]) return { kind, id: list[i].id, obj: list[i] };
    }
  }
  return null;
}

function drawCursor(ed) {
  const s = store(ed);
  if (!ed.live) return;
  if (!ed.brushRing) {
    ed.brushRing = svg('circle', { class: 'ic-brush' });
    ed.live.append(ed.brushRing);
  }
  ed.brushRing.classList.toggle('is-eraser', s.eraser);
  ed.brushRing.setAttribute('r', s.size / 2);
  if (s.cursor) {
    ed.brushRing.setAttribute('cx', s.cursor.x);
    ed.brushRing.setAttribute('cy', s.cursor.y);
  }
  ed.brushRing.classList.toggle('is-hidden', !s.cursor);
}

/* ---------- a stroke ---------- */

function strokeGesture(ed, start) {
  const s = store(ed);
  let targets;
  let fresh = null;
  const selected = ed.selected();
  if (s.eraser) {
    targets = (selected ? [selected] : ed.objects).map((o) => s.canvases.get(`o${o.id}`)).filter(Boolean);
    if (!targets.length) return null;
  } else if (selected) {
    targets = [s.canvases.get(`o${selected.id}`)];
  } else {
    fresh = makeEntry(ed, 'new');
    fresh.color = ed.color(ed.activeLabel);
    fresh.bits = new Uint8Array(ed.width * ed.height);
    targets = [fresh];
  }
  for (const entry of targets) {
    const c = entry.ctx;
    c.globalCompositeOperation = s.eraser ? 'destination-out' : 'source-over';
    c.strokeStyle = entry.color;
    c.fillStyle = entry.color;
    c.lineWidth = s.size;
    c.lineCap = 'round';
    c.lineJoin = 'round';
    c.beginPath();
    c.arc(start.x, start.y, s.size / 2, 0, Math.PI * 2);
    c.fill();
  }
  let last = start;
  const finish = () => {
    for (const entry of targets) entry.ctx.globalCompositeOperation = 'source-over';
  };
  return {
    move(pt) {
      for (const entry of targets) {
        const c = entry.ctx;
        c.beginPath();
        c.moveTo(last.x, last.y);
        c.lineTo(pt.x, pt.y);
        c.stroke();
      }
      last = pt;
      s.cursor = pt;
      drawCursor(ed);
    },
    up() {
      finish();
      if (fresh) {
        s.canvases.delete('new');
        const { rle, area } = settle(ed, fresh);
        fresh.canvas.remove();
        if (area) ed.add({ label: ed.activeLabel, rle, attributes: {} });
        return;
      }
      let objects = ed.objects;
      for (const obj of ed.objects) {
        const entry = s.canvases.get(`o${obj.id}`);
        if (!targets.includes(entry)) continue;
        const { rle, area } = settle(ed, entry);
        objects = area ? objects.map((o) => (o.id === obj.id ? { ...o, rle } : o)) : objects.filter((o) => o.id !== obj.id);
      }
      ed.commit(objects);
    },
    cancel() {
      finish();
      if (fresh) { s.canvases.delete('new'); fresh.canvas.remove(); }
      for (const entry of targets) if (entry !== fresh) paint(entry, entry.color);
    },
  };
}

/* ---------- the tool ---------- */

function setSize(ed, step) {
  const s = store(ed);
  const i = s.sizes.indexOf(s.size);
  s.size = s.sizes[Math.max(0, Math.min(s.sizes.length - 1, (i < 0 ? 0 : i) + step))];
  drawCursor(ed);
  ed.render();
}

function setEraser(ed, on) {
  store(ed).eraser = on;
  drawCursor(ed);
  ed.render();
}

const tool = {
  noun: NOUN,
  hints: [['image.key_drag', 'image.hint_paint'], ['E', 'image.hint_eraser'], ['[ ]', 'image.hint_brush_size'],
    ['Alt', 'image.hint_pick_mask']],

  /** Masks are canvases, not SVG: keep one canvas per object (and suggestion), redecoded when its RLE changes. */
  renderObjects(ed) {
    const s = store(ed);
    const seen = new Set();
    for (const [kind, list] of [['object', ed.objects], ['suggestion', ed.pending]]) {
      for (const obj of list) {
        const key = (kind === 'object' ? 'o' : 's') + obj.id;
        seen.add(key);
        let entry = s.canvases.get(key);
        if (!entry) entry = makeEntry(ed, key);
        const color = ed.color(obj.label);
        if (entry.rle !== obj.rle) {
          const same = entry.rle && JSON.stringify(entry.rle) === JSON.stringify(obj.rle);
          entry.rle = obj.rle;
          if (!same) { entry.bits = decode(obj.rle, ed.width, ed.height); entry.color = null; }
        }
        if (entry.color !== color) paint(entry, color);
        const style = ed.styleOf(obj, kind);
        entry.canvas.classList.toggle('is-selected', style.selected);
        entry.canvas.classList.toggle('is-suggestion', style.suggestion);
        entry.canvas.classList.toggle('is-dimmed', Boolean(ed.selection) && !style.selected);
        entry.canvas.dataset.id = obj.id;
        entry.canvas.dataset.kind = kind;
        ed.layer.under.append(entry.canvas); // keeps the stacking order of the list
      }
    }
    for (const [key, entry] of s.canvases) {
      if (!seen.has(key) && key !== 'new') { entry.canvas.remove(); s.canvases.delete(key); }
    }
    drawCursor(ed);
  },

  contains(ed, obj, pt) {
    const hit = maskAt(ed, pt);
    return hit && hit.id === obj.id ? 0 : null;
  },

  cursorAt() { return 'none'; },

  onHover(ed, pt) {
    store(ed).cursor = pt;
    drawCursor(ed);
  },

  pointerDown(ed, pt, event) {
    if (event.altKey) {
      const hit = maskAt(ed, pt);
      ed.select(hit ? { kind: hit.kind, id: hit.id } : null);
      return null;
    }
    return strokeGesture(ed, pt);
  },

  onKey(ed, event) {
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    if (key === 'e') { setEraser(ed, !store(ed).eraser); return true; }
    if (key === '[') { setSize(ed, -1); return true; }
    if (key === ']') { setSize(ed, 1); return true; }
    return false;
  },

  controls(ed) {
    ed.brushButton = h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': 'true', testid: `brush-${ed.q.name}` },
      t('image.brush'));
    ed.eraserButton = h('button', { type: 'button', class: 'btn btn-small', 'aria-pressed': 'false', testid: `eraser-${ed.q.name}` },
      t('image.eraser'), ' ', h('kbd', {}, 'E'));
    ed.sizeNote = h('span', { class: 'small', testid: `brush-size-${ed.q.name}` });
    const smaller = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('image.smaller_brush') }, h('kbd', {}, '['));
    const larger = h('button', { type: 'button', class: 'btn btn-small', 'aria-label': t('image.larger_brush') }, h('kbd', {}, ']'));
    ed.brushButton.addEventListener('click', () => setEraser(ed, false));
    ed.eraserButton.addEventListener('click', () => setEraser(ed, true));
    smaller.addEventListener('click', () => setSize(ed, -1));
    larger.addEventListener('click', () => setSize(ed, 1));
    return h('span', { class: 'brush-tools' }, ed.brushButton, ed.eraserButton, smaller, ed.sizeNote, larger);
  },

  refresh(ed) {
    const s = store(ed);
    ed.brushButton.setAttribute('aria-pressed', String(!s.eraser));
    ed.eraserButton.setAttribute('aria-pressed', String(s.eraser));
    ed.sizeNote.textContent = t('image.brush_size', { n: s.size });
  },

  unmount(ed) {
    for (const entry of store(ed).canvases.values()) entry.canvas.remove();
    stores.delete(ed);
  },
};

export function render(container, question, value, onChange, ctx) {
  return shapeEditor(container, question, value, onChange, ctx, tool);
}

export function summary(question, value) {
  return summarize(question, value, NOUN);
}
