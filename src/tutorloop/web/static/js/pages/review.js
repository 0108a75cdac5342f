// Review: submitted annotations with the item beside them; accept, reject with a reason, or correct.
import { get, post } from '../api.js';
import { answersList, statusBadge } from '../answers.js';
import { annotatedFields, renderFields } from '../fields.js';
import { fmtDate, fmtNumber, fmtSeconds, t } from '../i18n.js';
import { registry, renderQuestion } from '../questions/index.js';
import { $, $$, busy, h, isTyping, on, page, toast } from '../ui.js';

const pid = page.pid;
const root = $('#main');
const list = $('[data-role="list"]', root);
const filter = $('[data-role="status-filter"]', root);
const more = $('[data-action="more"]', root);
const items = new Map(); // item id → Promise<Item>
const cards = new Map(); // annotation id → {annotation, element, widgets}
let project = null;
let after = null;
const DONE = { accept: 'review.done_accept', reject: 'review.done_reject', correct: 'review.done_correct' };
const DECISION = { accept: 'decision.accept', reject: 'decision.reject', correct: 'decision.correct' };

const itemOf = (id) => {
  if (!items.has(id)) items.set(id, get(`/projects/${pid}/items/${id}`, { quiet: true }));
  return items.get(id);
};

function button(action, text, key, extra = {}) {
  return h('button', { type: 'button', class: `btn ${extra.class || ''}`, dataset: { action }, testid: action, ...extra.attrs },
    text, key ? h('kbd', { 'aria-hidden': 'true' }, key) : null);
}

function card(annotation) {
  const review = annotation.review;
  const fields = h('div', { class: 'fields' }, h('p', { class: 'muted' }, t('common.loading')));
  const element = h('article', {
    class: 'card review-card', tabindex: '0', testid: 'review-card',
    dataset: { annotationId: String(annotation.id), status: annotation.status },
  },
  h('div', { class: 'card-head' },
    h('h2', { class: 'small-h' },
      h('a', { href: `/projects/${pid}/items/${annotation.item_id}`, dataset: { role: 'item-ref' } }, t('review.item', { id: `#${annotation.item_id}` })), ' ',
      h('span', { class: 'muted', dir: 'auto' }, t('review.by', { username: annotation.username || `#${annotation.user_id}` }))),
    statusBadge(annotation.status)),
  h('p', { class: 'muted small' }, [
    fmtDate(annotation.created_at), t('review.time_spent', { time: fmtSeconds((annotation.time_spent_ms || 0) / 1000) }),
    t('review.guideline_version', { n: fmtNumber(annotation.guideline_version) }),
  ].join(' · ')),
  h('div', { class: 'review-body' },
    fields,
    h('div', { class: 'review-answers' },
      answersList(project.spec, annotation.answers, 'review-answers'),
      review ? h('p', { class: 'review-note small', dir: 'auto', testid: 'review-decision' },
        t('review.previous', { decision: t(DECISION[review.decision] || review.decision), reviewer: review.reviewer || '', reason: review.reason || '' })) : null)),
  h('div', { class: 'review-actions row', dataset: { role: 'actions' } },
    button('accept', t('review.accept'), 'A', { class: 'btn-ok' }),
    button('reject', t('review.reject'), 'R', { class: 'btn-danger' }),
    button('correct', t('review.correct'), 'C')),
  h('form', { class: 'reject-form stack', hidden: true, dataset: { form: 'reject' } },
    h('label', { class: 'field' }, h('span', { class: 'field-label' }, t('review.reason')),
      h('textarea', { name: 'reason', rows: 2, dir: 'auto', required: true, testid: 'reject-reason' })),
    h('div', { class: 'row' }, h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn', dataset: { action: 'cancel' } }, t('common.cancel')),
      h('button', { type: 'submit', class: 'btn btn-danger', testid: 'reject-confirm' }, t('review.confirm_reject')))),
  h('form', { class: 'correct-form stack', hidden: true, dataset: { form: 'correct' } },
    h('div', { class: 'questions', dataset: { role: 'questions' } }),
    h('div', { class: 'row' }, h('span', { class: 'spacer' }),
      h('button', { type: 'button', class: 'btn', dataset: { action: 'cancel' } }, t('common.cancel')),
      h('button', { type: 'submit', class: 'btn btn-primary', testid: 'correct-save' }, t('review.save_correction')))));
  cards.set(annotation.id, { annotation, element, widgets: [] });
  itemOf(annotation.item_id)
    .then((item) => {
      const entry = cards.get(annotation.id);
      entry.item = item;
      entry.slots = renderFields(fields, project.spec.fields, item, annotatedFields(project.spec, registry));
      showReadOnly(entry, annotation.review?.corrected_answers || annotation.answers || {});
      if (item.external_id) $('[data-role="item-ref"]', element).textContent = t('review.item', { id: item.external_id });
    })
    .catch(() => { fields.replaceChildren(h('p', { class: 'muted' }, t('review.item_unavailable'))); });
  return element;
}

/** Draw the annotation on the fields it annotates (spans on the text, boxes on the image…), read-only. */
function showReadOnly(entry, answers) {
  for (const widget of entry.widgets) if (typeof widget.destroy === 'function') widget.destroy();
  for (const slot of entry.slots.values()) slot.replaceChildren();
  const scratch = h('div');
  entry.widgets = project.spec.questions.filter((q) => q.field).map((q, i) => renderQuestion(scratch, q, answers[q.name],
    () => {}, i, { item: entry.item, spec: project.spec, pid, readOnly: true, fieldSlot: (name) => entry.slots.get(name) || null }));
}

async function load(reset) {
  if (reset) { after = null; cards.clear(); list.replaceChildren(); }
  const data = await get(`/projects/${pid}/annotations`, { query: { status: filter.value, after, limit: 20 } });
  for (const annotation of data.annotations || []) list.append(card(annotation));
  after = data.next_after ?? null;
  more.hidden = after === null;
  $('[data-role="empty"]', root).hidden = cards.size > 0;
  $('[data-role="count"]', root).textContent = t('review.shown', { n: fmtNumber(cards.size) });
}

const entryOf = (element) => cards.get(Number(element.closest('[data-annotation-id]').dataset.annotationId));

async function decide(entry, body, trigger) {
  const updated = await busy(trigger, () => post(`/annotations/${entry.annotation.id}/review`, body));
  toast(t(DONE[body.decision]));
  const next = entry.element.nextElementSibling;
  if (filter.value && updated.status !== filter.value) {
    entry.element.remove();
    cards.delete(entry.annotation.id);
    $('[data-role="empty"]', root).hidden = cards.size > 0;
    if (next) next.focus();
  } else {
    const replacement = card(updated);
    entry.element.replaceWith(replacement);
    replacement.focus();
  }
}

function openForm(entry, kind) {
  const form = $(`form[data-form="${kind}"]`, entry.element);
  for (const other of $$('form', entry.element)) if (other !== form) other.hidden = true;
  form.hidden = false;
  if (kind === 'reject') { form.elements.reason.focus(); return; }
  const box = $('[data-role="questions"]', form);
  box.replaceChildren();
  const answers = entry.annotation.review?.corrected_answers || entry.annotation.answers || {};
  for (const widget of entry.widgets) if (typeof widget.destroy === 'function') widget.destroy();
  const item = entry.item || null;
  const slots = entry.slots || new Map();
  for (const slot of slots.values()) slot.replaceChildren();
  entry.widgets = project.spec.questions.map((q, i) => renderQuestion(box, q, answers[q.name], () => {}, i,
    { item, spec: project.spec, pid, fieldSlot: (name) => slots.get(name) || null }));
  entry.widgets[0]?.focus();
}

// In a correction, the question last touched sees keys first (drawing tools, Delete, arrows, undo).
let keyWidget = null;
on(list, 'pointerdown', 'form[data-form="correct"] .question', (event, fieldset) => { keyWidget = widgetOf(fieldset); });
on(list, 'focusin', 'form[data-form="correct"] .question', (event, fieldset) => { keyWidget = widgetOf(fieldset); });
function widgetOf(fieldset) {
  const entry = entryOf(fieldset);
  return entry.widgets.find((w) => w.element === fieldset) || null;
}
document.addEventListener('keydown', (event) => {
  if (!keyWidget || !keyWidget.element.isConnected || keyWidget.element.closest('form').hidden) return;
  if (event.defaultPrevented || isTyping(event.target) || typeof keyWidget.onKey !== 'function') return;
  if (keyWidget.onKey(event)) event.preventDefault();
});

on(list, 'click', '[data-action="accept"]', (e, b) => decide(entryOf(b), { decision: 'accept' }, b));
on(list, 'click', '[data-action="reject"]', (e, b) => openForm(entryOf(b), 'reject'));
on(list, 'click', '[data-action="correct"]', (e, b) => openForm(entryOf(b), 'correct'));
on(list, 'click', '[data-action="cancel"]', (e, b) => {
  const form = b.closest('form');
  form.hidden = true;
  if (form.dataset.form === 'correct') {
    const entry = entryOf(b);
    if (entry.slots) showReadOnly(entry, entry.annotation.review?.corrected_answers || entry.annotation.answers || {});
  }
  b.closest('.review-card').focus();
});
on(list, 'submit', 'form[data-form="reject"]', (event, form) => {
  event.preventDefault();
  const reason = form.elements.reason.value.trim();
  if (!reason) { form.elements.reason.focus(); toast(t('review.reason_needed'), 'error'); return; }
  decide(entryOf(form), { decision: 'reject', reason }, $('button[type="submit"]', form));
});
on(list, 'submit', 'form[data-form="correct"]', (event, form) => {
  event.preventDefault();
  const entry = entryOf(form);
  const answers = {};
  for (const w of entry.widgets) { const v = w.getValue(); if (v !== null && v !== undefined) answers[w.question.name] = v; }
  decide(entry, { decision: 'correct', answers }, $('button[type="submit"]', form)).catch((err) => {
    const m = /^answers\.([^.]+)/.exec(err.where || '');
    const w = m && entry.widgets.find((x) => x.question.name === m[1]);
    if (w) w.showError(err.detail);
  });
});

// Keys on a focused card: A accept, R reject, C correct, J/K next/previous.
document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  const cardEl = event.target instanceof Element ? event.target.closest('.review-card') : null;
  const key = event.key.toLowerCase();
  if (key === 'j' || key === 'k') {
    const all = $$('.review-card', list);
    const at = cardEl ? all.indexOf(cardEl) : -1;
    const next = all[Math.max(0, Math.min(all.length - 1, at + (key === 'j' ? 1 : -1)))];
    if (next) { event.preventDefault(); next.focus(); next.scrollIntoView({ block: 'nearest' }); }
    return;
  }
  if (!cardEl || event.target !== cardEl) return;
  const action = { a: 'accept', r: 'reject', c: 'correct' }[key];
  if (action) { event.preventDefault(); $(`[data-action="${action}"]`, cardEl).click(); }
});

on(list, 'keydown', 'form textarea', (event, textarea) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); textarea.form.requestSubmit(); }
  if (event.key === 'Escape') textarea.closest('.review-card').focus();
});

on(root, 'change', '[data-role="status-filter"]', () => load(true));
on(root, 'click', '[data-action="more"]', () => load(false));

async function start() {
  project = await get(`/projects/${pid}`);
  const link = $('[data-role="project-link"]', root);
  link.textContent = project.name;
  link.href = `/projects/${pid}`;
  await load(true);
}

start();
