// fetch wrapper for /api/v1: CSRF header on unsafe methods, one error shape, a banner for errors.
import { t } from './i18n.js';
import { $ } from './ui.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const KNOWN_ERRORS = {
  Unauthorized: 'error.Unauthorized',
  Forbidden: 'error.Forbidden',
  NotFound: 'error.NotFound',
  Conflict: 'error.Conflict',
  Invalid: 'error.Invalid',
  TooLarge: 'error.TooLarge',
  Network: 'error.Network',
  Server: 'error.Server',
  InternalError: 'error.Server',
};

/** An error answer of the API: `{error, detail, where}` plus the HTTP status. */
export class ApiError extends Error {
  constructor(status, body) {
    const detail = body && typeof body === 'object' ? body.detail : null;
    super(typeof detail === 'string' ? detail : (detail ? JSON.stringify(detail) : `HTTP ${status}`));
    this.status = status;
    this.error = (body && body.error) || (status >= 500 ? 'Server' : `HTTP ${status}`);
    this.detail = this.message;
    this.where = (body && body.where) || null;
  }

  /** The translated name of the error kind ("Not found", …). */
  get title() {
    return KNOWN_ERRORS[this.error] ? t(KNOWN_ERRORS[this.error]) : this.error;
  }
}

export function csrfToken() {
  return $('meta[name="csrf-token"]')?.content || '';
}

/**
 * Call the API. opts: {json, form, query, quiet, noRedirect}.
 * `quiet` skips the error banner (the caller shows the error next to the field instead).
 * A 401 sends the person to the login page and comes back here afterwards.
 */
export async function api(method, path, opts = {}) {
  const url = new URL(`/api/v1${path}`, location.origin);
  for (const [key, value] of Object.entries(opts.query || {})) {
    if (value !== null && value !== undefined && value !== '') url.searchParams.set(key, value);
  }
  const headers = { Accept: 'application/json' };
  if (UNSAFE.has(method)) headers['X-CSRF-Token'] = csrfToken();
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;
  }
  let res;
  try {
    res = await fetch(url, { method, headers, body, credentials: 'same-origin' });
  } catch (cause) {
    const err = new ApiError(0, { error: 'Network', detail: t('error.network_detail') });
    err.cause = cause;
    if (!opts.quiet) showError(err);
    throw err;
  }
  const type = res.headers.get('content-type') || '';
  let data = null;
  if (res.status !== 204) {
    data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  }
  if (res.status === 401 && !opts.noRedirect) {
    const here = location.pathname + location.search;
    location.assign(`/login?next=${encodeURIComponent(here)}`);
  }
  if (!res.ok) {
    const err = new ApiError(res.status, data && typeof data === 'object' ? data : { detail: data || res.statusText });
    if (!opts.quiet && res.status !== 401) showError(err);
    throw err;
  }
  return data;
}

export const get = (path, opts) => api('GET', path, opts);
export const post = (path, json, opts = {}) => api('POST', path, { ...opts, json: json ?? {} });
export const put = (path, json, opts = {}) => api('PUT', path, { ...opts, json });
export const patch = (path, json, opts = {}) => api('PATCH', path, { ...opts, json });
export const del = (path, opts) => api('DELETE', path, opts);

/** Show an error in the banner under the top bar. */
export function showError(err) {
  const banner = document.getElementById('tl-error');
  if (!banner) return;
  $('[data-role="title"]', banner).textContent = err.title || t('error.generic');
  $('[data-role="detail"]', banner).textContent = err.detail || err.message || '';
  const where = $('[data-role="where"]', banner);
  where.textContent = err.where || '';
  where.hidden = !err.where;
  banner.hidden = false;
}

export function clearError() {
  const banner = document.getElementById('tl-error');
  if (banner) banner.hidden = true;
}
