// The image work surface shared by the shape questions (boxes, polygons, keypoints, masks).
//
// One ImageCanvas per field slot: the image, a layer of mask canvases and one SVG overlay, all in image
// pixel coordinates inside one CSS-transformed "world" element, so zoom and pan move a single transform.
// Several questions on the same image add a layer each; pointer input goes to the layer of the active
// question. Input is delegated: one set of listeners on the stage, never one per shape.
//
// Zoom: wheel (around the cursor), + / −, 0 fits. Pan: drag with Space held, or with the middle button.
import { h, isTyping } from '../ui.js';
import { t } from '../i18n.js';
import { safeImageUrl } from '../fields.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const MAX_SCALE = 32;
const canvases = new WeakMap(); // slot element → ImageCanvas

/** An SVG element with attributes (presentation attributes only: the CSP forbids inline style text). */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(key, value);
  return el;
}

/** The canvas of `slot`, made on first use; `src` and `size` ({width, height} when the server knows it). */
export function canvasFor(slot, src, size) {
  let canvas = canvases.get(slot);
  if (!canvas) {
    canvas = new ImageCanvas(slot, src, size);
    canvases.set(slot, canvas);
  }
  return canvas;
}

class ImageCanvas {
  constructor(slot, src, size) {
    this.slot = slot;
    this.layers = [];
    this.scale = 1;
    this.tx = 0;
    this.ty = 0;
    this.fitted = true;
    this.space = false;
    this.pan = null;
    this.gesture = null;
    this.width = size && size.width > 0 ? size.width : 0;
    this.height = size && size.height > 0 ? size.height : 0;

    this.image = h('img', { class: 'ic-image', alt: '', draggable: 'false', decoding: 'async' });
    this.under = h('div', { class: 'ic-under' });
    this.svg = svg('svg', { class: 'ic-svg', 'aria-hidden': 'true' });
    this.world = h('div', { class: 'ic-world' }, this.image, this.under);
    this.world.append(this.svg);
    this.zoomLabel = h('span', { class: 'ic-zoom-level', testid: 'zoom-level' }, '100%');
    const zoomBar = h('div', { class: 'ic-zoom' },
      h('button', { type: 'button', class: 'btn btn-small', dataset: { zoom: 'out' }, title: t('image.zoom_out'), 'aria-label': t('image.zoom_out') }, '−'),
      this.zoomLabel,
      h('button', { type: 'button', class: 'btn btn-small', dataset: { zoom: 'in' }, title: t('image.zoom_in'), 'aria-label': t('image.zoom_in') }, '+'),
      h('button', { type: 'button', class: 'btn btn-small', dataset: { zoom: 'fit' }, title: t('image.zoom_fit') }, t('image.fit'), ' ', h('kbd', {}, '0')));
    this.message = h('p', { class: 'ic-message muted', hidden: true });
    this.stage = h('div', { class: 'ic-stage', tabindex: '0', testid: 'image-stage', 'aria-label': t('image.surface') },
      this.world, this.message);
    this.root = h('div', { class: 'ic-root' }, this.stage, zoomBar);
    slot.append(this.root);

    this.ready = new Promise((resolve) => { this.resolveReady = resolve; });
    const url = safeImageUrl(src);
    if (!url) this.fail(t('field.no_image'));
    else {
      this.image.addEventListener('load', () => this.loaded(), { once: true });
      this.image.addEventListener('error', () => this.fail(t('field.image_failed')), { once: true });
      this.image.src = url;
    }
    if (this.width) this.setSize();

    this.listeners = [];
    const listen = (target, type, fn, options) => {
      target.addEventListener(type, fn, options);
      this.listeners.push(() => target.removeEventListener(type, fn, options));
    };
    listen(this.stage, 'pointerdown', (e) => this.onPointerDown(e));
    listen(this.stage, 'pointermove', (e) => this.onPointerMove(e));
    listen(this.stage, 'pointerup', (e) => this.onPointerUp(e));
    listen(this.stage, 'pointercancel', (e) => this.onPointerUp(e, true));
    listen(this.stage, 'pointerleave', () => this.hover(null));
    listen(this.stage, 'wheel', (e) => this.onWheel(e), { passive: false });
    listen(this.stage, 'auxclick', (e) => { if (e.button === 1) e.preventDefault(); });
    listen(zoomBar, 'click', (e) => {
      const button = e.target.closest('[data-zoom]');
      if (!button) return;
      const kind = button.dataset.zoom;
      if (kind === 'fit') this.fit();
      else this.zoomBy(kind === 'in' ? 1.25 : 0.8);
    });
    listen(window, 'keydown', (e) => { if (e.key === ' ' && !e.repeat && !isTyping(e.target)) this.setSpace(true); });
    listen(window, 'keyup', (e) => { if (e.key === ' ') this.setSpace(false); });
    listen(window, 'blur', () => this.setSpace(false));
    this.resizer = new ResizeObserver(() => this.layout());
    this.resizer.observe(this.stage);
  }

  /* ---------- image and size ---------- */

  loaded() {
    if (!this.width) {
      this.width = this.image.naturalWidth;
      this.height = this.image.naturalHeight;
      this.setSize();
    }
    this.resolveReady({ width: this.width, height: this.height });
  }

  fail(message) {
    this.message.textContent = message;
    this.message.hidden = false;
    this.image.hidden = true;
    if (this.width) this.resolveReady({ width: this.width, height: this.height });
  }

  setSize() {
    const { width, height } = this;
    this.image.width = width;
    this.image.height = height;
    this.world.style.width = `${width}px`;
    this.world.style.height = `${height}px`;
    this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    this.svg.setAttribute('width', String(width));
    this.svg.setAttribute('height', String(height));
    this.layout();
    this.resolveReady({ width, height });
  }

  /** Stage height follows the image's aspect ratio within bounds; refit while the view is "fitted". */
  layout() {
    if (!this.width) return;
    const w = this.stage.clientWidth || 600;
    const want = Math.round(Math.min(window.innerHeight * 0.72, Math.max(240, (w * this.height) / this.width)));
    if (Math.abs(this.stage.clientHeight - want) > 1) this.stage.style.height = `${want}px`;
    if (this.fitted) this.fit();
  }

  /* ---------- the view ---------- */

  fitScale() {
    const w = this.stage.clientWidth || 600;
    const hgt = this.stage.clientHeight || 400;
    return Math.min(w / this.width, hgt / this.height);
  }

  fit() {
    if (!this.width) return;
    const s = this.fitScale();
    this.setView(s, (this.stage.clientWidth - this.width * s) / 2, (this.stage.clientHeight - this.height * s) / 2);
    this.fitted = true;
  }

  /** Zoom by `factor` keeping the stage point (px, py) still (default: the stage centre). */
  zoomBy(factor, px = this.stage.clientWidth / 2, py = this.stage.clientHeight / 2) {
    if (!this.width) return;
    const min = Math.min(this.fitScale() / 2, 1);
    const s = Math.max(min, Math.min(MAX_SCALE, this.scale * factor));
    const ix = (px - this.tx) / this.scale;
    const iy = (py - this.ty) / this.scale;
    this.setView(s, px - ix * s, py - iy * s);
    this.fitted = false;
  }

  setView(scale, tx, ty) {
    this.scale = scale;
    // keep at least a margin of the image on screen so it cannot be panned out of reach
    const margin = 40;
    const w = this.stage.clientWidth;
    const hgt = this.stage.clientHeight;
    this.tx = Math.min(w - margin, Math.max(margin - this.width * scale, tx));
    this.ty = Math.min(hgt - margin, Math.max(margin - this.height * scale, ty));
    this.world.style.transform = `translate(${this.tx}px, ${this.ty}px) scale(${scale})`;
    this.world.classList.toggle('is-pixelated', scale >= 3);
    this.zoomLabel.textContent = `${Math.round(scale * 100)}%`;
    for (const layer of this.layers) layer.onView?.(scale);
  }

  /** Image coordinates of a pointer event (or client x, y). */
  toImage(event) {
    const r = this.stage.getBoundingClientRect();
    return { x: (event.clientX - r.left - this.tx) / this.scale, y: (event.clientY - r.top - this.ty) / this.scale };
  }

  /** Image pixels per screen pixel: hit tolerances are given on screen. */
  get unit() { return 1 / this.scale; }

  /* ---------- layers ---------- */

  /**
   * Add a layer: {group (svg <g>, made here), under (div, made here), editable, isActive(), activate(),
   * pointerDown(pt, event) → gesture {move(pt, e), up(pt, e), cancel()} | null, cursorAt(pt) → css cursor,
   * onView(scale)}. Returns the layer with `group` and `under` filled in.
   */
  addLayer(layer) {
    layer.group = svg('g', { class: 'ic-layer' });
    layer.under = h('div', { class: 'ic-under-layer' });
    this.svg.append(layer.group);
    this.under.append(layer.under);
    this.layers.push(layer);
    return layer;
  }

  removeLayer(layer) {
    this.layers = this.layers.filter((l) => l !== layer);
    layer.group.remove();
    layer.under.remove();
    if (!this.layers.length) this.destroy();
  }

  /** The layer pointer input goes to: the active question's, else the one used last, else the first editable. */
  target() {
    const editable = this.layers.filter((l) => l.editable);
    return editable.find((l) => l.isActive()) || (editable.includes(this.lastLayer) ? this.lastLayer : editable[0]) || null;
  }

  /* ---------- input ---------- */

  setSpace(down) {
    this.space = down;
    this.stage.classList.toggle('is-pan-ready', down);
  }

  onPointerDown(event) {
    if (!this.width) return;
    this.stage.focus({ preventScroll: true });
    if (event.button === 1 || (event.button === 0 && this.space)) {
      event.preventDefault();
      this.pan = { x: event.clientX, y: event.clientY, tx: this.tx, ty: this.ty, id: event.pointerId };
      this.stage.setPointerCapture(event.pointerId);
      this.stage.classList.add('is-panning');
      return;
    }
    if (event.button !== 0) return;
    const layer = this.target();
    if (!layer) return;
    if (!layer.isActive()) layer.activate();
    this.lastLayer = layer;
    const gesture = layer.pointerDown(this.toImage(event), event);
    if (gesture) {
      event.preventDefault();
      this.gesture = { layer, gesture, id: event.pointerId };
      this.stage.setPointerCapture(event.pointerId);
    }
  }

  onPointerMove(event) {
    if (this.pan) {
      this.setView(this.scale, this.pan.tx + event.clientX - this.pan.x, this.pan.ty + event.clientY - this.pan.y);
      this.fitted = false;
      return;
    }
    if (this.gesture) {
      this.gesture.gesture.move(this.toImage(event), event);
      return;
    }
    this.hover(event);
  }

  onPointerUp(event, cancelled = false) {
    if (this.pan) {
      this.pan = null;
      this.stage.classList.remove('is-panning');
      return;
    }
    if (!this.gesture) return;
    const { gesture } = this.gesture;
    this.gesture = null;
    if (cancelled) gesture.cancel?.();
    else gesture.up(this.toImage(event), event);
  }

  /** Cancel a drag in progress (Escape). */
  cancelGesture() {
    if (!this.gesture) return false;
    const { gesture } = this.gesture;
    this.gesture = null;
    gesture.cancel?.();
    return true;
  }

  hover(event) {
    const layer = event && !this.space ? this.target() : null;
    const pt = event ? this.toImage(event) : null;
    for (const l of this.layers) l.onHover?.(l === layer ? pt : null);
    this.stage.style.cursor = layer && layer.cursorAt ? layer.cursorAt(pt) || '' : '';
  }

  onWheel(event) {
    if (!this.width) return;
    event.preventDefault();
    const lines = event.deltaMode === 1 ? 16 : event.deltaMode === 2 ? 400 : 1;
    const r = this.stage.getBoundingClientRect();
    this.zoomBy(Math.exp(-event.deltaY * lines * 0.0015), event.clientX - r.left, event.clientY - r.top);
  }

  /** The zoom keys (+, −, 0); true when `event` was one. */
  handleZoomKey(event) {
    if (event.key === '+' || event.key === '=') { this.zoomBy(1.25); return true; }
    if (event.key === '-' || event.key === '_') { this.zoomBy(0.8); return true; }
    if (event.key === '0') { this.fit(); return true; }
    return false;
  }

  destroy() {
    for (const off of this.listeners) off();
    this.resizer.disconnect();
    this.root.remove();
    canvases.delete(this.slot);
  }
}
