// One item: its fields, the annotations you may see, and the comments thread.
import { get, post } from '../api.js';
import { answersList, statusBadge } from '../answers.js';
import { renderFields } from '../fields.js';
import { fmtDate, fmtNumber, fmtRelative, t } from '../i18n.js';
import { $, busy, h, on, page } from '../ui.js';

const { pid, item_id: itemId } = page;
const root = $('#main');
const el = (role) => $(`[data-role="${role}"]`, root);
let project = null;

function annotationCard(annotation) {
  const review = annotation.review;
  return h('article', { class: 'annotation', testid: 'item-annotation', dataset: { annotationId: String(annotation.id) } },
    h('div', { class: 'card-head' },
      h('strong', { dir: 'auto' }, annotation.username || `#${annotation.user_id}`),
      statusBadge(annotation.status)),
    answersList(project.spec, annotation.answers),
    review && review.reason ? h('p', { class: 'review-note small', dir: 'auto' }, t('item.review_reason', { reason: review.reason })) : null,
    review && review.corrected_answers ? h('div', { class: 'corrected' },
      h('p', { class: 'small muted' }, t('item.corrected_to')), answersList(project.spec, review.corrected_answers)) : null,
    h('p', { class: 'muted small' }, fmtDate(annotation.updated_at || annotation.created_at)));
}

function commentRow(comment) {
  const author = comment.display_name || comment.username || (comment.user && comment.user.username) || `#${comment.user_id}`;
  return h('li', { class: 'comment', testid: 'comment' },
    h('div', { class: 'comment-head' }, h('strong', { dir: 'auto' }, author),
      h('time', { class: 'muted small', datetime: comment.created_at, title: fmtDate(comment.created_at) }, fmtRelative(comment.created_at))),
    h('div', { class: 'comment-body', dir: 'auto', testid: 'comment-body-text' }, comment.body));
}

async function loadComments() {
  const comments = await get(`/projects/${pid}/items/${itemId}/comments`);
  el('comments').replaceChildren(...comments.map(commentRow));
  el('comments-empty').hidden = comments.length > 0;
}

async function loadAnnotations() {
  const data = await get(`/projects/${pid}/annotations`, { query: { item_id: itemId, limit: 100 }, quiet: true });
  const annotations = data.annotations || [];
  el('annotations-card').hidden = annotations.length === 0;
  el('annotations').replaceChildren(...annotations.map(annotationCard));
}

on(root, 'submit', 'form[data-form="comment"]', async (event, form) => {
  event.preventDefault();
  const body = form.elements.body.value.trim();
  if (!body) { form.elements.body.focus(); return; }
  await busy($('button[type="submit"]', form), () => post(`/projects/${pid}/items/${itemId}/comments`, { body }));
  form.reset();
  await loadComments();
});

on(root, 'keydown', 'textarea[name="body"]', (event, textarea) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); textarea.form.requestSubmit(); }
});

async function start() {
  project = await get(`/projects/${pid}`);
  const link = el('project-link');
  link.textContent = project.name;
  link.href = `/projects/${pid}`;
  const item = await get(`/projects/${pid}/items/${itemId}`);
  el('item-ref').textContent = item.external_id || `#${item.id}`;
  el('item-meta').textContent = t('item.meta', {
    count: fmtNumber(item.annotation_count), needed: fmtNumber(item.needed), created: fmtDate(item.created_at),
  });
  renderFields(el('fields'), project.spec.fields, item);
  await Promise.all([loadComments(), loadAnnotations().catch(() => {})]);
}

start().catch(() => { el('fields').replaceChildren(h('p', { class: 'muted' }, t('item.load_failed'))); });
