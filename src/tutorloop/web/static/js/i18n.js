// UI strings for the JavaScript side: the page embeds its language's catalog in #tl-i18n.
const catalogEl = document.getElementById('tl-i18n');
const catalog = catalogEl ? JSON.parse(catalogEl.textContent || '{}') : {};

export const locale = document.documentElement.lang || 'en';
export const isRtl = document.documentElement.dir === 'rtl';
// Keep Latin digits everywhere so numbers match the keys people press.
const intlLocale = `${locale}-u-nu-latn`;

/** The text of `key`, with `{name}` placeholders replaced from `params`; the key itself if missing. */
export function t(key, params = {}) {
  const text = Object.prototype.hasOwnProperty.call(catalog, key) ? catalog[key] : key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in params ? String(params[name]) : m));
}

export function fmtNumber(n, options = {}) {
  if (n === null || n === undefined || Number.isNaN(n)) return '–';
  return new Intl.NumberFormat(intlLocale, options).format(n);
}

export function fmtPercent(part, whole) {
  if (!whole) return fmtNumber(0, { style: 'percent' });
  return fmtNumber(part / whole, { style: 'percent', maximumFractionDigits: 0 });
}

export function fmtDate(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return new Intl.DateTimeFormat(intlLocale, { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

/** A time of day when `iso` is today, else a date and time. */
export function fmtTimeOrDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return fmtDate(iso);
  const sameDay = d.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(intlLocale, sameDay ? { timeStyle: 'short' } : { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function fmtRelative(iso) {
  if (!iso) return '–';
  const seconds = Math.round((new Date(iso).getTime() - Date.now()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(intlLocale, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86400), 'day');
}

export function fmtSeconds(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const s = Math.round(seconds);
  if (s < 60) return t('time.seconds', { n: fmtNumber(s) });
  const m = Math.floor(s / 60);
  return t('time.minutes_seconds', { m: fmtNumber(m), s: fmtNumber(s % 60) });
}
