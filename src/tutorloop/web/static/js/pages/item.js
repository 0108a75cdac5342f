// One item: its fields, the annotations you may see, the comments thread; for reviewers its consensus per
// question, and for managers a form to make it a gold item (known answers) or an ordinary one again.
import { del, get, post, put } from '../api.js';
import { answerText, answersList, methodName, statusBadge } from '../answers.js';
import { fmtShare as pct, posteriorBar, swatch } from '../charts.js';
import { renderFields } from '../fields.js';
import { fmtDate, fmtNumber, fmtRelative, t } from '../i18n.js';
import { registry } from '../questions/index.js';
import { $, busy, h, on, page, toast } from '../ui.js';

const { pid, item_id: itemId } = page;
const root = $('#main');
const el = (role) => $(`[data-role="${role}"]`, root);
let project = null;
let item = null;
let consensus = [];
let gold = { is: false, answers: null }; // answers when known (the API returns them when marking)
let goldInputs = []; // per question: {question, select, widget, error}

const questionOf = (name) => (project.spec.questions || []).find((q) => q.name === name) || { name, type: '' };

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

async function loadItem() {
  item = await get(`/projects/${pid}/items/${itemId}`);
  el('item-ref').textContent = item.external_id || `#${item.id}`;
  const counts = { count: fmtNumber(item.annotation_count), needed: fmtNumber(item.needed), created: fmtDate(item.created_at) };
  el('item-meta').textContent = goldFromItem().is ? t('item.meta_gold', counts) : t('item.meta', counts);
}

/* ---------- consensus (reviewers and managers) ---------- */

function posteriorView(q, row) {
  const parts = Object.entries(row.posterior).map(([value, p]) => ({
    text: answerText(q, value), p, chosen: String(value) === String(row.value),
  }));
  for (const part of parts) part.title = `${part.text}: ${pct(part.p)}`;
  return h('div', { class: 'posterior' },
    posteriorBar(parts, t('consensus.posterior', { parts: parts.map((p) => p.title).join(', ') })),
    h('ul', { class: 'posterior-legend small', testid: 'posterior-legend' }, parts.map((part, i) => h('li', { class: part.chosen ? 'is-chosen' : null },
      swatch(i), h('span', { dir: 'auto' }, part.text), ' ', h('span', { class: 'muted' }, pct(part.p))))));
}

function consensusRow(row) {
  const q = questionOf(row.question);
  const labelled = row.n_labels > 0 || row.method === 'gold';
  return h('div', { class: 'consensus-q', testid: 'consensus-row', dataset: { question: row.question, method: row.method } },
    h('div', { class: 'consensus-head' },
      h('span', { class: 'muted small', dir: 'auto' }, q.prompt || q.name),
      h('strong', { dir: 'auto', testid: 'consensus-value' }, labelled ? answerText(q, row.value) : '–'),
      labelled ? h('span', { class: `pill${row.method === 'gold' ? ' pill-gold' : ''}`, testid: 'consensus-method' }, methodName(row.method)) : null),
    h('p', { class: 'muted small' }, labelled ? t('consensus.meta', { confidence: pct(row.confidence), labels: fmtNumber(row.n_labels) })
      : t('consensus.no_labels')),
    row.posterior && Object.keys(row.posterior).length ? posteriorView(q, row) : null);
}

async function loadConsensus() {
  const order = (project.spec.questions || []).map((q) => q.name);
  const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
  consensus = (await get(`/projects/${pid}/items/${itemId}/consensus`, { quiet: true }))
    .sort((a, b) => rank(a.question) - rank(b.question));
  el('consensus-card').hidden = false;
  el('consensus').replaceChildren(...(consensus.length ? consensus.map(consensusRow)
    : [h('p', { class: 'muted small', testid: 'consensus-empty' }, t('consensus.empty'))]));
}

/* ---------- gold (managers) ---------- */

// The item API does not say whether an item is gold; gold items need no ordinary labels (overlap is ≥ 1).
function goldFromItem() {
  if (typeof item.is_gold === 'boolean') return { is: item.is_gold, answers: item.gold ?? null };
  if (item.gold !== undefined) return { is: item.gold !== null, answers: item.gold };
  return { is: item.needed === 0, answers: null };
}

/** Whether the item is gold, with its known answers: from the item, from this page's last change, or from
 * the consensus rows that came from gold answers. */
function syncGold(known = null) {
  const base = goldFromItem();
  const fromConsensus = consensus.filter((r) => r.method === 'gold').map((r) => [r.question, r.value]);
  const answers = base.answers || known || (fromConsensus.length ? Object.fromEntries(fromConsensus) : null);
  gold = { is: base.is, answers: base.is ? answers : null };
}

function goldQuestion(q) {
  const row = consensus.find((r) => r.question === q.name);
  const agreed = row && row.value !== null && row.value !== undefined && (row.n_labels > 0 || row.method === 'gold') ? row.value : null;
  const select = h('select', { name: `source-${q.name}`, testid: `gold-source-${q.name}` },
    agreed !== null ? h('option', { value: 'consensus' }, t('gold.source_consensus', { value: answerText(q, agreed) })) : null,
    h('option', { value: 'choose' }, t('gold.source_choose')),
    h('option', { value: 'skip' }, t('gold.source_skip')));
  select.value = agreed !== null ? 'consensus' : 'skip';
  const box = h('div', { class: 'gold-choice', hidden: true, dataset: { role: 'gold-choice' } });
  const module = registry[q.type];
  // Object questions draw their surface (the text, the picture, the video) inside the gold box here.
  const ctx = { item, spec: project.spec, pid, readOnly: false, prediction: null, fieldSlot: () => null };
  const widget = module ? module.render(box, q, agreed, () => {}, ctx) : null;
  const error = h('p', { class: 'question-error', role: 'alert', hidden: true, dir: 'auto' });
  const element = h('div', { class: 'gold-q', testid: `gold-question-${q.name}`, dataset: { question: q.name } },
    h('label', { class: 'field' }, h('span', { class: 'field-label', dir: 'auto' }, q.prompt || q.name), select), box, error);
  goldInputs.push({ question: q, select, widget, agreed, box, error });
  return element;
}

function renderGold() {
  el('gold-badge').hidden = !gold.is;
  el('gold-card').hidden = false;
  const state = el('gold-state');
  state.hidden = !gold.is;
  state.textContent = gold.is ? t('gold.is_gold') : '';
  const known = el('gold-known');
  known.hidden = !(gold.is && gold.answers);
  const answered = { questions: (project.spec.questions || []).filter((q) => gold.answers && q.name in gold.answers) };
  known.replaceChildren(gold.is && gold.answers ? answersList(answered, gold.answers, 'gold-answers') : '');
  $('[data-action="unmark-gold"]', root).hidden = !gold.is;
  el('gold-submit').textContent = t(gold.is ? 'gold.update' : 'gold.mark');
  goldInputs = [];
  el('gold-questions').replaceChildren(...(project.spec.questions || []).map(goldQuestion));
  el('gold-error').hidden = true;
}

on(root, 'change', 'form[data-form="gold"] select', (event, select) => {
  const entry = goldInputs.find((x) => x.select === select);
  if (entry) entry.box.hidden = select.value !== 'choose';
});

on(root, 'submit', 'form[data-form="gold"]', async (event, form) => {
  event.preventDefault();
  const answers = {};
  for (const entry of goldInputs) {
    entry.error.hidden = true;
    if (entry.select.value === 'consensus') answers[entry.question.name] = entry.agreed;
    if (entry.select.value === 'choose' && entry.widget && !entry.widget.isEmpty()) answers[entry.question.name] = entry.widget.getValue();
  }
  const errorBox = el('gold-error');
  if (!Object.keys(answers).length) { errorBox.textContent = t('gold.nothing'); errorBox.hidden = false; return; }
  try {
    const result = await busy($('button[type="submit"]', form), () => put(`/projects/${pid}/items/${itemId}/gold`, { answers }, { quiet: true }));
    toast(t('gold.marked'));
    await refresh(result.gold || answers);
  } catch (err) {
    const match = /^answers\.([^.]+)/.exec(err.where || '');
    const entry = match && goldInputs.find((x) => x.question.name === match[1]);
    const box = entry ? entry.error : errorBox;
    box.textContent = err.detail || err.message;
    box.hidden = false;
  }
});

on(root, 'click', '[data-action="unmark-gold"]', async (event, button) => {
  if (!window.confirm(t('gold.confirm_unmark'))) return;
  await busy(button, () => del(`/projects/${pid}/items/${itemId}/gold`));
  toast(t('gold.unmarked'));
  await refresh(null);
});

async function refresh(known) {
  await loadItem();
  await loadConsensus();
  syncGold(known);
  renderGold();
}

/* ---------- comments ---------- */

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
  await loadItem();
  renderFields(el('fields'), project.spec.fields, item);
  const isManager = project.my_role === 'manager' || (page.user && page.user.role === 'admin');
  const isStaff = isManager || project.my_role === 'reviewer';
  const quality = isStaff ? loadConsensus().then(() => {
    syncGold();
    el('gold-badge').hidden = !gold.is;
    if (isManager) renderGold();
  }) : null;
  await Promise.all([loadComments(), loadAnnotations().catch(() => {}), quality && quality.catch(() => {})]);
}

start().catch(() => { el('fields').replaceChildren(h('p', { class: 'muted' }, t('item.load_failed'))); });
