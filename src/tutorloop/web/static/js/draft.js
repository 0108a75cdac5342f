// Drafts in localStorage (per user + project + item) and the active-time counter of one attempt.

const PREFIX = 'tl:draft:v1';
const IDLE_MS = 60_000; // no input for a minute: the clock stops until the next key or click

export class DraftStore {
  constructor(userId, projectId) {
    this.base = `${PREFIX}:${userId}:${projectId}`;
  }

  key(id) { return `${this.base}:${id}`; }

  /** {answers, client_key, time_spent_ms, saved_at} or null. */
  load(id) {
    try {
      const raw = localStorage.getItem(this.key(id));
      const draft = raw ? JSON.parse(raw) : null;
      return draft && typeof draft === 'object' ? draft : null;
    } catch {
      return null;
    }
  }

  save(id, draft) {
    try {
      localStorage.setItem(this.key(id), JSON.stringify({ ...draft, saved_at: new Date().toISOString() }));
      return true;
    } catch {
      return false; // storage full or disabled: the work stays on screen, just not across reloads
    }
  }

  clear(id) {
    try { localStorage.removeItem(this.key(id)); } catch { /* ignore */ }
  }

  /** Forget this person's drafts in this project that nobody touched for `days` days. */
  prune(days = 14) {
    try {
      const cutoff = Date.now() - days * 86_400_000;
      for (let i = localStorage.length - 1; i >= 0; i -= 1) {
        const key = localStorage.key(i);
        if (!key || !key.startsWith(`${this.base}:`)) continue;
        const saved = Date.parse((JSON.parse(localStorage.getItem(key)) || {}).saved_at);
        if (!(saved > cutoff)) localStorage.removeItem(key);
      }
    } catch { /* storage unavailable or a foreign value: leave it */ }
  }
}

/** Counts milliseconds while the page is visible and the person was active in the last minute. */
export class ActiveTimer {
  constructor() {
    this.total = 0;
    this.lastTick = performance.now();
    this.lastActivity = Date.now();
    this.running = false;
    const bump = () => { this.lastActivity = Date.now(); };
    for (const type of ['keydown', 'pointerdown', 'wheel', 'input']) {
      document.addEventListener(type, bump, { passive: true, capture: true });
    }
    document.addEventListener('visibilitychange', () => this.tick());
    setInterval(() => this.tick(), 1000);
  }

  tick() {
    const now = performance.now();
    const elapsed = now - this.lastTick;
    this.lastTick = now;
    if (!this.running || document.visibilityState !== 'visible') return;
    if (Date.now() - this.lastActivity > IDLE_MS) return;
    this.total += Math.min(elapsed, 5000);
  }

  start(initialMs = 0) {
    this.total = Number.isFinite(initialMs) ? initialMs : 0;
    this.lastTick = performance.now();
    this.lastActivity = Date.now();
    this.running = true;
  }

  stop() { this.tick(); this.running = false; }

  /** Carry on counting after stop() without losing the total. */
  resume() {
    this.lastTick = performance.now();
    this.lastActivity = Date.now();
    this.running = true;
  }

  ms() { this.tick(); return Math.round(this.total); }
}
