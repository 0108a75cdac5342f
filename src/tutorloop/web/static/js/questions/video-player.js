// The frame-accurate video player that video questions share: one per field slot, whatever the number of
// questions drawing on it. It shows an HTML5 <video> without native controls, its own controls, and a
// timeline that questions add lanes to (segments, keyframes); questions add SVG overlays over the picture.
//
// Frames are 0-based. Frame n is shown by seeking to (n + 0.5) / fps, the middle of its display time, with
// the frame rate the server read from the file (item.media[field].fps); while playing, the frame on screen
// is read back with requestVideoFrameCallback (metadata.mediaTime × fps). Pausing snaps to the frame shown.
// The player is always laid out left to right: time runs that way on its timeline, in every language.
import { h } from '../ui.js';
import { t, fmtNumber } from '../i18n.js';
import { safeImageUrl } from '../fields.js';

const SVG = 'http://www.w3.org/2000/svg';
const RATES = [0.25, 0.5, 0.75, 1, 1.5, 2];
const DEFAULT_FPS = 25; // what the server assumes for a stream that states no rate
const players = new WeakMap();

/** The slot's player, made on first use; every caller must release() it when done. */
export function playerFor(slot, ctx, field) {
  let player = players.get(slot);
  if (!player) {
    player = new VideoPlayer(slot, ctx, field);
    players.set(slot, player);
  }
  player.users += 1;
  return player;
}

/** An SVG element with attributes. */
export function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  return el;
}

/** "m:ss.mmm" for a number of seconds. */
export function clock(seconds) {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const m = Math.floor(ms / 60000);
  const s = Math.floor((ms % 60000) / 1000);
  return `${m}:${String(s).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
}

function mediaUrl(ctx, field) {
  const item = ctx.item || {};
  const rendered = item.rendered ? item.rendered[field] : undefined;
  if (typeof rendered === 'string') return safeImageUrl(rendered);
  const value = item.data ? item.data[field] : undefined;
  if (typeof value !== 'string' || !value) return null;
  if (/^https?:\/\//.test(value)) return safeImageUrl(value);
  return ctx.pid ? `/media/${ctx.pid}/${value.replace(/^media:/, '').replace(/^\/+/, '')}` : null;
}

class VideoPlayer {
  constructor(slot, ctx, field) {
    const facts = (ctx.item && ctx.item.media && ctx.item.media[field]) || {};
    this.field = field;
    this.users = 0;
    this.fps = facts.fps > 0 ? facts.fps : null;
    this.frames = facts.frames > 0 ? facts.frames : null;
    this.width = facts.width > 0 ? facts.width : null;
    this.height = facts.height > 0 ? facts.height : null;
    this.frame = 0;
    this.rate = 1;
    this.listeners = new Set();
    this.readyListeners = new Set();
    this.lanes = [];
    this.overlays = [];
    this.ticking = false;
    this.build(slot, mediaUrl(ctx, field));
    if (this.fps && this.frames && this.width && this.height) this.ready = true;
  }

  build(slot, src) {
    this.video = h('video', { class: 'vplayer-video', preload: 'auto', playsinline: true, muted: true, testid: 'video-element' });
    this.video.muted = true;
    this.stage = h('div', { class: 'vplayer-stage' }, this.video);
    this.lanesBox = h('div', { class: 'vplayer-lanes' });
    this.playhead = h('div', { class: 'vplayer-playhead', 'aria-hidden': 'true' });
    this.timeline = h('div', {
      class: 'vplayer-timeline', role: 'slider', tabindex: '-1', 'aria-label': t('video.player.timeline'),
      'aria-valuemin': '0', testid: 'video-timeline',
    }, h('div', { class: 'vplayer-track' }), this.lanesBox, this.playhead);
    const button = (action, label, key, text) => h('button', {
      type: 'button', class: 'btn btn-small', dataset: { action }, title: `${label} (${key})`, 'aria-label': label,
      'aria-keyshortcuts': key, testid: `video-${action}`,
    }, text, ' ', h('kbd', {}, key));
    this.playButton = button('play', t('video.player.play'), 'K', '▶');
    this.input = h('input', {
      type: 'number', class: 'vplayer-frame-input', min: '0', step: '1', value: '0', inputmode: 'numeric',
      'aria-label': t('video.player.frame'), testid: 'video-frame-input',
    });
    this.total = h('span', { class: 'muted small', testid: 'video-frames' });
    this.time = h('span', { class: 'vplayer-time small', testid: 'video-time' }, clock(0));
    this.rateText = h('span', { class: 'vplayer-rate small', testid: 'video-rate' }, '1×');
    this.note = h('p', { class: 'vplayer-note small muted', hidden: true, testid: 'video-note' });
    this.controls = h('div', { class: 'vplayer-controls' },
      this.playButton,
      button('step-back', t('video.player.step_back'), ',', '◀'),
      button('step-forward', t('video.player.step_forward'), '.', '▶'),
      h('label', { class: 'vplayer-frame small' }, t('video.player.frame'), ' ', this.input, ' ', this.total),
      this.time,
      h('span', { class: 'spacer' }),
      button('slower', t('video.player.slower'), '-', '−'),
      this.rateText,
      button('faster', t('video.player.faster'), '=', '+'));
    this.element = h('div', { class: 'vplayer', dir: 'ltr', testid: `video-player-${this.field}` },
      this.stage, this.timeline, this.controls, this.note);
    slot.append(this.element);
    if (!src) {
      this.note.textContent = t('video.player.no_video');
      this.note.hidden = false;
    } else {
      this.video.src = src;
    }
    this.wire();
    this.layout();
    this.paint();
  }

  wire() {
    const v = this.video;
    v.addEventListener('loadedmetadata', () => this.onMetadata());
    v.addEventListener('error', () => { this.note.textContent = t('video.player.failed'); this.note.hidden = false; });
    v.addEventListener('play', () => { this.paintButton(); this.watch(); });
    v.addEventListener('pause', () => this.paintButton());
    v.addEventListener('ended', () => { this.show(this.lastFrame()); });
    v.addEventListener('seeked', () => { if (!this.playing) this.readBack(); });
    this.controls.addEventListener('click', (event) => {
      const action = event.target.closest('button[data-action]')?.dataset.action;
      if (action === 'play') this.toggle();
      else if (action === 'step-back') this.step(-1);
      else if (action === 'step-forward') this.step(1);
      else if (action === 'slower') this.changeRate(-1);
      else if (action === 'faster') this.changeRate(1);
    });
    const fromInput = () => {
      const n = Number.parseInt(this.input.value, 10);
      if (Number.isFinite(n)) this.seek(n);
    };
    this.input.addEventListener('change', fromInput);
    this.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') { event.preventDefault(); fromInput(); this.input.blur(); }
    });
    this.timeline.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || event.defaultPrevented) return;
      event.preventDefault();
      this.timeline.setPointerCapture(event.pointerId);
      this.scrubbing = true;
      this.seek(this.frameAtClientX(event.clientX));
    });
    this.timeline.addEventListener('pointermove', (event) => {
      if (this.scrubbing) this.seek(this.frameAtClientX(event.clientX));
    });
    const stop = () => { this.scrubbing = false; };
    this.timeline.addEventListener('pointerup', stop);
    this.timeline.addEventListener('pointercancel', stop);
    this.video.addEventListener('click', () => this.toggle());
  }

  onMetadata() {
    const v = this.video;
    if (!this.width || !this.height) { this.width = v.videoWidth || 640; this.height = v.videoHeight || 360; }
    if (!this.fps) {
      this.fps = DEFAULT_FPS;
      this.note.textContent = t('video.player.estimated', { fps: fmtNumber(DEFAULT_FPS) });
      this.note.hidden = false;
    }
    if (!this.frames) this.frames = Math.max(1, Math.round((Number.isFinite(v.duration) ? v.duration : 0) * this.fps));
    const wasReady = this.ready;
    this.ready = true;
    this.layout();
    if (!wasReady) for (const fn of this.readyListeners) fn();
    this.seek(this.frame);
  }

  /** Size the stage to the video's aspect ratio and the lanes and overlays to its frames and pixels. */
  layout() {
    const w = this.width || 16;
    const hgt = this.height || 9;
    this.stage.style.aspectRatio = `${w} / ${hgt}`;
    this.stage.style.maxInlineSize = `calc(70vh * ${w / hgt})`;
    for (const overlay of this.overlays) overlay.setAttribute('viewBox', `0 0 ${w} ${hgt}`);
    const frames = this.frames || 1;
    for (const lane of this.lanes) lane.setAttribute('viewBox', `0 0 ${frames} 1`);
    this.input.max = String(frames - 1);
    this.total.textContent = t('video.player.of_frames', { last: fmtNumber(frames - 1) });
    this.timeline.setAttribute('aria-valuemax', String(frames - 1));
  }

  /* ---------- for questions ---------- */

  /** Call fn(frame) after every frame change; returns a function that stops it. */
  onFrame(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }

  /** Call fn() once the frame count and size are known (at once if they are). */
  whenReady(fn) {
    if (this.ready) fn(); else this.readyListeners.add(fn);
    return () => this.readyListeners.delete(fn);
  }

  /** A new SVG over the picture, in video pixels (viewBox 0 0 width height). */
  addOverlay(name) {
    const overlay = svg('svg', { class: 'vplayer-overlay', preserveAspectRatio: 'none', 'data-testid': `video-overlay-${name}` });
    this.overlays.push(overlay);
    this.stage.append(overlay);
    this.layout();
    return overlay;
  }

  /** A new timeline lane, in frames (viewBox 0 0 frames 1). */
  addLane(name) {
    const lane = svg('svg', { class: 'vplayer-lane', preserveAspectRatio: 'none', 'data-testid': `video-lane-${name}` });
    this.lanes.push(lane);
    this.lanesBox.append(lane);
    this.layout();
    return lane;
  }

  /** A point of a pointer event in video pixels, clamped to the picture. */
  toVideo(event) {
    const rect = this.stage.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * this.width;
    const y = ((event.clientY - rect.top) / rect.height) * this.height;
    return { x: Math.min(Math.max(x, 0), this.width), y: Math.min(Math.max(y, 0), this.height) };
  }

  /** How many screen pixels one video pixel takes. */
  scale() {
    const rect = this.stage.getBoundingClientRect();
    return rect.width && this.width ? rect.width / this.width : 1;
  }

  frameAtClientX(clientX) {
    const rect = this.timeline.getBoundingClientRect();
    return Math.floor(((clientX - rect.left) / rect.width) * (this.frames || 1));
  }

  lastFrame() { return Math.max(0, (this.frames || 1) - 1); }

  release() {
    this.users -= 1;
    if (this.users > 0) return;
    this.video.pause();
    this.video.removeAttribute('src');
    this.video.load();
    this.element.remove();
  }

  /* ---------- playing and seeking ---------- */

  get playing() { return !this.video.paused && !this.video.ended; }

  /** Show frame n (clamped) and stop playing. */
  seek(n) {
    const frame = Math.min(Math.max(Math.round(Number(n) || 0), 0), this.lastFrame());
    if (this.playing) this.video.pause();
    if (this.fps && this.video.readyState >= 1) {
      const target = (frame + 0.5) / this.fps;
      if (Math.abs(this.video.currentTime - target) > 1e-6) this.video.currentTime = target;
    }
    this.show(frame);
  }

  step(delta) { this.seek(this.frame + delta); }

  play() {
    if (!this.video.src) return;
    if (this.frame >= this.lastFrame()) this.seek(0);
    this.video.playbackRate = this.rate;
    this.video.play().catch(() => {});
  }

  /** Stop on the frame now on screen (and seek to its middle, so annotations land on it). */
  pause() {
    if (!this.playing) return;
    this.video.pause();
    this.seek(this.frame);
  }

  toggle() { if (this.playing) this.pause(); else this.play(); }

  changeRate(direction) {
    const i = RATES.indexOf(this.rate);
    this.rate = RATES[Math.min(Math.max(i + direction, 0), RATES.length - 1)];
    this.video.playbackRate = this.rate;
    this.rateText.textContent = `${this.rate}×`;
  }

  /** While playing, follow the frames the video presents (requestVideoFrameCallback, else animation frames). */
  watch() {
    if (this.ticking || !this.video.src) return;
    this.ticking = true;
    const v = this.video;
    if (typeof v.requestVideoFrameCallback === 'function') {
      v.requestVideoFrameCallback((now, meta) => {
        this.ticking = false;
        const shown = this.record(meta);
        if (this.playing) { this.show(shown); this.watch(); }
      });
    } else {
      requestAnimationFrame(() => {
        this.ticking = false;
        if (!this.playing) return;
        this.show(Math.min(Math.floor(v.currentTime * this.fps), this.lastFrame()));
        this.watch();
      });
    }
  }

  /** After a seek, note which frame the video then presents (data-shown-frame), where the browser says. */
  readBack() {
    if (typeof this.video.requestVideoFrameCallback === 'function') {
      this.video.requestVideoFrameCallback((now, meta) => this.record(meta));
    }
  }

  record(meta) {
    const shown = Math.min(Math.round(meta.mediaTime * this.fps), this.lastFrame());
    this.element.dataset.shownFrame = String(shown);
    return shown;
  }

  show(frame) {
    const changed = frame !== this.frame;
    this.frame = frame;
    this.paint();
    if (changed || !this.painted) for (const fn of this.listeners) fn(frame);
    this.painted = true;
  }

  paint() {
    const frames = this.frames || 1;
    this.element.dataset.frame = String(this.frame);
    if (document.activeElement !== this.input) this.input.value = String(this.frame);
    this.time.textContent = this.fps ? clock(this.frame / this.fps) : clock(0);
    this.playhead.style.insetInlineStart = `${((this.frame + 0.5) / frames) * 100}%`;
    this.timeline.setAttribute('aria-valuenow', String(this.frame));
    this.paintButton();
  }

  paintButton() {
    const playing = this.playing;
    this.playButton.firstChild.textContent = playing ? '❚❚' : '▶';
    this.playButton.setAttribute('aria-label', playing ? t('video.player.pause') : t('video.player.play'));
    this.playButton.setAttribute('aria-pressed', String(playing));
  }

  /**
   * The player's keys: K or Space play/pause, , . (and ← → when `arrows`) step a frame, Shift+← → jump a
   * second, - = change the speed, Home End go to the first and last frame. True when handled. When a label
   * has the letter K (`claimed`: the question's label keys), play/pause is Shift+K or Space.
   */
  handleKey(event, { arrows = true, claimed = new Set() } = {}) {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const key = event.key;
    const second = Math.max(1, Math.round(this.fps || DEFAULT_FPS));
    if (key === ' ' || (key.toLowerCase() === 'k' && (event.shiftKey || !claimed.has('k')))) this.toggle();
    else if (key === ',' && !event.shiftKey) this.step(-1);
    else if (key === '.' && !event.shiftKey) this.step(1);
    else if (key === 'ArrowLeft' && event.shiftKey) this.step(-second);
    else if (key === 'ArrowRight' && event.shiftKey) this.step(second);
    else if (key === 'ArrowLeft' && arrows) this.step(-1);
    else if (key === 'ArrowRight' && arrows) this.step(1);
    else if (key === '-' || key === '_') this.changeRate(-1);
    else if (key === '=' || key === '+') this.changeRate(1);
    else if (key === 'Home') this.seek(0);
    else if (key === 'End') this.seek(this.lastFrame());
    else return false;
    return true;
  }
}
