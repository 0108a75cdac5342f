// The controls of a spans question, as element builders: the label palette, the span and relation lists,
// the selected span's card and the suggestion bar. spans.js owns the state and wires the events.
import { h } from '../ui.js';
import { isRtl, t } from '../i18n.js';

const ARROW = isRtl ? ' ← ' : ' → ';

/** Shorten a text for a list; the ellipsis is added inside the text's own direction. */
export const clip = (text, n = 48) => (text.length > n ? `${text.slice(0, n - 1)}…` : text);

/** A text placed inside a sentence of another direction: isolated so it cannot reorder the sentence. */
export const isolate = (text) => `\u2068${text}\u2069`;

export function swatch(color) {
  const el = h('span', { class: 'sp-swatch', 'aria-hidden': 'true' });
  el.style.background = color;
  return el;
}

function kbd(key) {
  return h('kbd', { 'aria-hidden': 'true' }, key);
}

/** The label buttons, each with its hotkey and colour. */
export function labelButtons(question, labels) {
  return labels.map((label) => h('button', {
    type: 'button', class: 'sp-label', 'aria-pressed': 'false', 'aria-keyshortcuts': label.hotkey || null,
    dataset: { value: label.value }, testid: `spans-label-${question.name}-${label.value}`,
  }, label.hotkey ? kbd(label.hotkey.toUpperCase()) : null, swatch(label.color), h('span', { dir: 'auto' }, label.text)));
}

/** The relation kinds to choose from, numbered 1–9. */
export function kindButtons(question, options) {
  return options.map((kind, i) => h('button', {
    type: 'button', class: 'sp-label', dataset: { kind: kind.value }, testid: `spans-kind-${question.name}-${kind.value}`,
  }, i < 9 ? kbd(String(i + 1)) : null, h('span', { dir: 'auto' }, kind.text)));
}

/**
 * Update a list in place: rows [{sig, el}] become `fresh` [{sig, make()}]; the unchanged rows at the start
 * and at the end stay in the document, only the rows between them are replaced. Returns the new rows.
 */
export function patchRows(parent, rows, fresh) {
  let head = 0;
  while (head < rows.length && head < fresh.length && rows[head].sig === fresh[head].sig) head += 1;
  let tail = 0;
  while (tail < rows.length - head && tail < fresh.length - head
    && rows[rows.length - 1 - tail].sig === fresh[fresh.length - 1 - tail].sig) tail += 1;
  for (const row of rows.slice(head, rows.length - tail)) row.el.remove();
  const before = tail ? rows[rows.length - tail].el : null;
  const middle = fresh.slice(head, fresh.length - tail).map((f) => ({ sig: f.sig, el: f.make() }));
  const fragment = document.createDocumentFragment();
  for (const row of middle) fragment.append(row.el);
  parent.insertBefore(fragment, before);
  return [...rows.slice(0, head), ...middle, ...rows.slice(rows.length - tail)];
}

/** One row of the span list: a span or a suggestion (dashed, with accept and reject buttons). */
export function spanRow({ key, span, suggested }, label, readOnly) {
  const removeText = suggested ? t('spans.reject') : t('spans.delete');
  return h('li', {
    class: suggested ? 'sp-row sp-row-suggested' : 'sp-row',
    dataset: { key, start: String(span.start), end: String(span.end), label: span.label },
    testid: suggested ? 'spans-suggestion' : 'spans-row',
  }, swatch(label.color), h('span', { class: 'sp-row-label', dir: 'auto' }, label.text),
  h('bdi', { class: 'sp-row-text', dir: 'auto' }, clip(span.text)),
  suggested ? h('span', { class: 'sp-badge' }, t('spans.suggested')) : null,
  !readOnly && suggested
    ? h('button', { type: 'button', class: 'btn btn-small btn-quiet', dataset: { action: 'accept' }, title: t('spans.accept'), 'aria-label': t('spans.accept') }, '✓')
    : null,
  readOnly ? null : h('button', {
    type: 'button', class: 'btn btn-small btn-danger-quiet', dataset: { action: 'remove' }, title: removeText, 'aria-label': removeText,
  }, '×'));
}

/** One row of the relation list: "Anna → works for → Acme". */
export function relationRow(index, from, to, kind, readOnly) {
  return h('li', { class: 'sp-relation', tabindex: readOnly ? null : '0', dataset: { index: String(index) }, testid: 'spans-relation' },
    h('bdi', { dir: 'auto' }, clip(from.text, 30)), ARROW, h('span', { class: 'sp-kind', dir: 'auto' }, kind), ARROW,
    h('bdi', { dir: 'auto' }, clip(to.text, 30)),
    readOnly ? null : h('button', {
      type: 'button', class: 'btn btn-small btn-danger-quiet', dataset: { action: 'remove-relation' },
      title: t('spans.delete_relation'), 'aria-label': t('spans.delete_relation'),
    }, '×'));
}

function action(name, text, key) {
  return h('button', { type: 'button', class: 'btn btn-small', dataset: { action: name } }, text, ' ', kbd(key));
}

/** The card of the selected span (delete, relation) or suggestion (accept, reject). */
export function detailCard(span, label, { suggested, relationKey }) {
  const head = h('div', { class: 'sp-detail-head' }, swatch(label.color), h('strong', { dir: 'auto' }, label.text),
    h('bdi', { class: 'sp-detail-text', dir: 'auto' }, clip(span.text, 80)),
    h('span', { class: 'muted small' }, t('spans.offsets', { start: span.start, end: span.end })));
  const actions = h('div', { class: 'sp-actions' });
  if (suggested) actions.append(action('accept', t('spans.accept'), 'Enter'), action('remove', t('spans.reject'), 'Del'));
  else {
    actions.append(action('remove', t('spans.delete'), 'Del'));
    if (relationKey) actions.append(action('relation', t('spans.relation_start'), relationKey));
  }
  return [head, actions];
}

/** "2 suggested spans [Accept all Shift+A]". */
export function suggestionBarContent(question, n) {
  return [h('span', { class: 'small' }, n === 1 ? t('spans.suggestions_one') : t('spans.suggestions', { n })),
    h('button', { type: 'button', class: 'btn btn-small btn-ok', dataset: { action: 'accept-all' }, testid: `spans-accept-all-${question.name}` },
      t('spans.accept_all'), ' ', kbd('Shift+A'))];
}
