// Small DOM helpers shared by every page. Text always goes in through textContent, never innerHTML.

/** The page's data block (#tl-page): {user, locale, pid?, item_id?, next?}. */
export const page = JSON.parse(document.getElementById('tl-page')?.textContent || '{}');

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

/**
 * Build an element: h('button', {class: 'btn', dataset: {action: 'x'}, testid: 'y'}, 'text', child).
 * Attribute values are set with setAttribute; strings become text nodes.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'hidden') el.hidden = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Delegated listener: on(root, 'click', '[data-action]', (event, matched) => …). */
export function on(root, type, selector, handler, options) {
  root.addEventListener(type, (event) => {
    const target = event.target instanceof Element ? event.target.closest(selector) : null;
    if (target && root.contains(target)) handler(event, target);
  }, options);
}

/** Show a short message in the corner; kind is 'ok' or 'error'. */
export function toast(message, kind = 'ok', ms = 2600) {
  const box = document.getElementById('tl-toasts');
  if (!box) return;
  const el = h('div', { class: `toast toast-${kind}`, role: kind === 'error' ? 'alert' : 'status', dir: 'auto', testid: `toast-${kind}` }, message);
  box.append(el);
  setTimeout(() => { el.classList.add('toast-out'); setTimeout(() => el.remove(), 300); }, ms);
}

/** True when the keyboard event comes from something a person types into. */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  return !['button', 'checkbox', 'radio', 'submit', 'reset', 'file', 'range', 'color'].includes(target.type);
}

/** Set the busy state of a button while a request runs. */
export async function busy(button, fn) {
  if (button) { button.disabled = true; button.setAttribute('aria-busy', 'true'); }
  try { return await fn(); } finally {
    if (button) { button.disabled = false; button.removeAttribute('aria-busy'); }
  }
}

/** A random id for idempotent submits (crypto.randomUUID needs a secure context; fall back). */
export function uuid() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const hex = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Set a progress bar: `done` and optional `part` spans as percentages of `total`. */
export function setBar(doneEl, partEl, done, part, total) {
  const pct = (n) => (total ? Math.min(100, (100 * n) / total) : 0);
  if (doneEl) doneEl.style.inlineSize = `${pct(done)}%`;
  if (partEl) partEl.style.inlineSize = `${pct(part)}%`;
}

/** Show `{detail, where}` of an ApiError in an error box with data-role="detail"/"where"/"where-row". */
export function showErrorBox(box, err) {
  if (!box) return;
  if (!err) { box.hidden = true; return; }
  $('[data-role="detail"]', box).textContent = err.detail || err.message || '';
  const where = $('[data-role="where"]', box);
  const row = $('[data-role="where-row"]', box) || where;
  if (where) where.textContent = err.where || '';
  if (row) row.hidden = !err.where;
  box.hidden = false;
}
