// A project's quality, question by question: agreement, each person's accuracy with the evidence behind
// it, confusion matrices, the least certain items and suspected label errors; managers can refit now.
import { get, post } from '../api.js';
import { answerText, methodName } from '../answers.js';
import { accuracyChart, chartLegend, fmtPct, fmtShare, heatmapTable, isolate, meter } from '../charts.js';
import { fmtDate, fmtNumber, fmtRelative, t } from '../i18n.js';
import { $, $$, busy, h, on, page, toast } from '../ui.js';

const pid = page.pid;
const root = $('#main');
const el = (role, scope = root) => $(`[data-role="${role}"]`, scope);
const FEW_GOLD = 5; // fewer gold answers than this: the gold accuracy is shown as thin evidence
const FEW_LABELS = 20; // fewer labels than this: the model's estimate is shown as thin evidence
const WORST = 3; // matrices shown when nobody is chosen
const LIST = 10; // rows of a list before "show all"
const TYPE_KEYS = {
  single_label: 'qtype.single_label', multi_label: 'qtype.multi_label', rating: 'qtype.rating', free_text: 'qtype.free_text',
  spans: 'qtype.spans', boxes: 'qtype.boxes', polygons: 'qtype.polygons', keypoints: 'qtype.keypoints', masks: 'qtype.masks',
  video_segments: 'qtype.video_segments', video_tracks: 'qtype.video_tracks',
  pairwise: 'qtype.pairwise', ranking: 'qtype.ranking', rubric: 'qtype.rubric', flags: 'qtype.flags',
  write: 'qtype.write', rewrite: 'qtype.rewrite', error_spans: 'qtype.error_spans',
};
const AGREEMENT = { // key → [catalog key, kind], in the order shown
  percent: ['agreement.percent', 'pct'], fleiss_kappa: ['agreement.fleiss_kappa', 'coef'],
  alpha_nominal: ['agreement.alpha_nominal', 'coef'], alpha_ordinal: ['agreement.alpha_ordinal', 'coef'],
  alpha_interval: ['agreement.alpha_interval', 'coef'], pairwise_mean: ['agreement.pairwise_mean', 'pct'],
  items: ['agreement.items', 'count'], items_compared: ['agreement.items_compared', 'count'], raters: ['agreement.raters', 'count'],
};
const ORDER = Object.keys(AGREEMENT);
let project = null;
let isManager = false;
let report = null;
const questionOf = new Map(); // question name → its spec (for label texts)
const expanded = new Set(); // "<question>:<list>" shown in full
const charts = new WeakMap(); // chart slot → (width) => chart, drawn at the slot's width once it is on the page

const pct = fmtPct;
const share = fmtShare;
const coef = (v) => fmtNumber(v, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const itemHref = (id) => `/projects/${pid}/items/${id}`;
const valueText = (q, v) => answerText(questionOf.get(q.name) || { name: q.name, type: q.type }, v);
const hasFit = (q) => Boolean(q.fitted_at) && q.labels_seen > 0;
const thinGold = (p) => p.gold_total < FEW_GOLD;
const thinModel = (p) => p.n_labels < FEW_LABELS;
const littleEvidence = (p) => thinGold(p) && thinModel(p);
const estimate = (p) => (!thinGold(p) ? p.gold_accuracy : p.accuracy ?? p.gold_accuracy);
const byWeakest = (a, b) => (estimate(a) ?? 2) - (estimate(b) ?? 2) || a.username.localeCompare(b.username);

function showDenied(err) {
  const notFound = err && err.status === 404;
  el('denied-title').textContent = t(notFound ? 'error.NotFound' : 'error.Forbidden');
  el('denied-body').textContent = t(notFound ? 'quality.not_found_body' : 'quality.denied_body');
  el('denied').hidden = false;
  el('questions').replaceChildren();
}

function agreementBlock(q) {
  const rank = (key) => (ORDER.includes(key) ? ORDER.indexOf(key) : ORDER.length);
  const entries = Object.entries(q.agreement || {}).filter(([, v]) => typeof v === 'number' || v === null)
    .sort(([a], [b]) => rank(a) - rank(b));
  if (!entries.length) return null;
  return h('dl', { class: 'stats stats-compact', testid: 'agreement' }, entries.map(([key, v]) => {
    const [label, kind] = AGREEMENT[key] || [null, Number.isInteger(v) ? 'count' : 'coef'];
    const shown = kind === 'pct' ? pct(v) : kind === 'count' ? fmtNumber(v) : coef(v);
    return h('div', { dataset: { key } }, h('dt', {}, label ? t(label) : key), h('dd', {}, v === null ? '–' : shown));
  }));
}

function evidenceText(p) {
  const labels = fmtNumber(p.n_labels);
  return p.gold_total ? t('quality.evidence', { correct: fmtNumber(p.gold_correct), total: fmtNumber(p.gold_total), labels })
    : t('quality.evidence_no_gold', { labels });
}

function rowTitle(p) {
  const gold = p.gold_total ? t('quality.title_gold', {
    accuracy: pct(p.gold_accuracy), lo: pct(p.gold_interval?.[0]), hi: pct(p.gold_interval?.[1]),
    correct: fmtNumber(p.gold_correct), total: fmtNumber(p.gold_total),
  }) : t('quality.no_gold');
  const model = t('quality.title_model', { accuracy: pct(p.accuracy), labels: fmtNumber(p.n_labels) });
  return `${isolate(p.username)}: ${gold} · ${model}`;
}

function peopleChart(q, people) {
  const rows = people.map((p) => ({
    name: p.username, evidence: evidenceText(p), weak: littleEvidence(p), title: rowTitle(p),
    gold: p.gold_total ? { value: p.gold_accuracy, lo: p.gold_interval?.[0], hi: p.gold_interval?.[1], weak: thinGold(p) } : null,
    model: p.accuracy === null || p.accuracy === undefined ? null : { value: p.accuracy, weak: thinModel(p) },
  }));
  const chance = q.classes && q.classes.length > 1 ? 1 / q.classes.length : null;
  const slot = h('div', { class: 'chart-slot', dataset: { role: 'chart-slot' } });
  charts.set(slot, (width) => accuracyChart(rows, {
    title: t('quality.chart_title', { question: q.prompt || q.name }), desc: t('quality.chart_desc'), pct, chance: t('quality.chance'),
  }, { chance, width }));
  return h('div', { class: 'chart-wrap' },
    slot,
    chartLegend([
      { kind: 'gold', text: t('quality.legend_gold') }, { kind: 'model', text: t('quality.legend_model') },
      { kind: 'weak', text: t('quality.legend_weak', { gold: fmtNumber(FEW_GOLD), labels: fmtNumber(FEW_LABELS) }) },
    ]));
}

function peopleTable(q, people) {
  const head = ['quality.person', 'quality.gold_answers', 'quality.gold_accuracy', 'quality.interval', 'quality.model_accuracy', 'quality.labels'];
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', testid: 'people-table' },
    h('caption', { class: 'visually-hidden' }, t('quality.people_caption', { question: q.prompt || q.name })),
    h('thead', {}, h('tr', {}, head.map((key, i) => h('th', { class: i ? 'num' : null, scope: 'col' }, t(key))), h('th', { scope: 'col' }, t('quality.evidence_head')), h('th', { class: 'actions' }))),
    h('tbody', {}, people.map((p) => h('tr', { testid: 'people-row', dataset: { username: p.username, userId: String(p.user_id) } },
      h('td', { dir: 'auto' }, p.username),
      h('td', { class: 'num', testid: 'gold-count' }, p.gold_total ? `${fmtNumber(p.gold_correct)}/${fmtNumber(p.gold_total)}` : '–'),
      h('td', { class: 'num' }, pct(p.gold_accuracy)),
      h('td', { class: 'num nowrap' }, p.gold_interval ? `${pct(p.gold_interval[0])} – ${pct(p.gold_interval[1])}` : '–'),
      h('td', { class: 'num' }, pct(p.accuracy)),
      h('td', { class: 'num' }, fmtNumber(p.n_labels)),
      h('td', {}, littleEvidence(p) ? h('span', { class: 'pill pill-warn', testid: 'little-evidence' }, t('quality.little_evidence')) : null),
      h('td', { class: 'actions' }, p.confusion ? h('button', {
        type: 'button', class: 'btn btn-small', dataset: { action: 'show-matrix', question: q.name, userId: String(p.user_id) },
      }, t('quality.show_matrix')) : null))))));
}

function matrices(q, choice) {
  const withMatrix = q.people.filter((p) => p.confusion && p.confusion.length);
  const chosen = choice ? withMatrix.filter((p) => String(p.user_id) === choice)
    : [...withMatrix].sort((a, b) => (a.accuracy ?? 2) - (b.accuracy ?? 2)).slice(0, WORST);
  const classes = (q.classes || []).map((value) => ({ value, text: valueText(q, value) }));
  return chosen.map((p) => heatmapTable({
    classes, matrix: p.confusion, pct, corner: t('quality.matrix_corner'),
    caption: t('quality.matrix_caption', { name: isolate(p.username), accuracy: pct(p.accuracy), labels: fmtNumber(p.n_labels) }),
    cellTitle: (truth, given, share) => t('quality.cell_title', { truth, given, share }),
  }));
}

function confusionBlock(q) {
  const withMatrix = q.people.filter((p) => p.confusion && p.confusion.length);
  if (!withMatrix.length) return null;
  const select = h('select', { dataset: { role: 'matrix-choice', question: q.name }, testid: 'matrix-choice' },
    h('option', { value: '' }, t('quality.matrix_worst', { n: fmtNumber(Math.min(WORST, withMatrix.length)) })),
    [...withMatrix].sort((a, b) => a.username.localeCompare(b.username)).map((p) => h('option', { value: String(p.user_id) }, p.username)));
  return h('div', { class: 'quality-block' },
    h('div', { class: 'card-head' }, h('h3', {}, t('quality.confusion')),
      h('label', { class: 'field field-inline' }, h('span', { class: 'field-label' }, t('quality.matrix_for')), select)),
    h('p', { class: 'muted small' }, t('quality.matrix_help')),
    h('div', { class: 'heatmaps', dataset: { role: 'matrices', question: q.name }, testid: 'matrices' }, matrices(q, '')));
}

function itemLink(id, externalId) {
  return h('a', { href: itemHref(id), dir: 'auto', testid: 'item-link' }, externalId || `#${id}`);
}

function listBlock(q, kind, rows, heading, help, headers, cells) {
  const key = `${q.name}:${kind}`;
  const shown = expanded.has(key) ? rows : rows.slice(0, LIST);
  return h('section', { class: 'quality-block', testid: `${kind}-block` },
    h('h3', {}, heading), h('p', { class: 'muted small' }, help),
    rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'table', testid: `${kind}-table` },
      h('thead', {}, h('tr', {}, headers.map(([label, num]) => h('th', { scope: 'col', class: num ? 'num' : null }, label)))),
      h('tbody', {}, shown.map((r) => h('tr', { testid: `${kind}-row`, dataset: { itemId: String(r.item_id) } }, cells(r))))))
      : h('p', { class: 'muted' }, t('quality.list_empty')),
    rows.length > shown.length ? h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'expand', key } },
      t('quality.show_all', { n: fmtNumber(rows.length) })) : null);
}

function lowestBlock(q) {
  return listBlock(q, 'lowest', q.lowest_confidence || [], t('quality.lowest'), t('quality.lowest_help'),
    [[t('quality.item')], [t('quality.consensus')], [t('quality.confidence'), true], [t('quality.labels'), true]],
    (r) => [h('td', {}, itemLink(r.item_id, r.external_id)), h('td', { dir: 'auto', class: 'cell-value' }, valueText(q, r.value)),
      h('td', { class: 'num nowrap' }, meter(r.confidence), ' ', share(r.confidence)), h('td', { class: 'num' }, fmtNumber(r.n_labels))]);
}

function suspectsBlock(q) {
  const external = new Map((q.lowest_confidence || []).map((r) => [r.item_id, r.external_id]));
  return listBlock(q, 'suspects', q.suspects || [], t('quality.suspects'), t('quality.suspects_help'),
    [[t('quality.item')], [t('quality.person')], [t('quality.their_label')], [t('quality.consensus')], [t('quality.probability'), true]],
    (r) => [h('td', {}, itemLink(r.item_id, external.get(r.item_id))), h('td', { dir: 'auto' }, r.username),
      h('td', { dir: 'auto', class: 'cell-value' }, valueText(q, r.label)), h('td', { dir: 'auto', class: 'cell-value' }, valueText(q, r.consensus)),
      h('td', { class: 'num' }, share(r.probability))]);
}

/** Pairwise preferences: agreement with/without ties, position bias, Bradley–Terry strengths per model. */
function preferenceBlock(q) {
  const pref = q.preference;
  if (!pref || !pref.comparisons) return null;
  const bias = pref.position_bias;
  const stats = h('dl', { class: 'stats stats-compact', testid: 'preference-stats' },
    h('div', {}, h('dt', {}, t('chatq.pref_with_ties')), h('dd', {}, pref.agreement_with_ties === null ? '–' : pct(pref.agreement_with_ties))),
    h('div', {}, h('dt', {}, t('chatq.pref_without_ties')), h('dd', {}, pref.agreement_without_ties === null ? '–' : pct(pref.agreement_without_ties))),
    bias ? h('div', { testid: 'position-bias' }, h('dt', {}, t('chatq.pref_left_wins')),
      h('dd', { title: t('chatq.pref_left_wins_help') }, bias.share_left_wins === null ? '–'
        : `${pct(bias.share_left_wins)} (${pct(bias.ci[0])}–${pct(bias.ci[1])})`)) : null,
    h('div', {}, h('dt', {}, t('chatq.pref_comparisons')), h('dd', {}, fmtNumber(pref.comparisons))));
  const models = pref.bt_models || [];
  const table = models.length ? h('table', { class: 'table', testid: 'model-strengths' },
    h('thead', {}, h('tr', {}, h('th', {}, t('chatq.pref_model')), h('th', { class: 'num' }, t('chatq.pref_strength')),
      h('th', { class: 'num' }, t('chatq.pref_wins')), h('th', { class: 'num' }, t('chatq.pref_losses')), h('th', { class: 'num' }, t('chatq.pref_ties')))),
    h('tbody', {}, models.map((m) => h('tr', {}, h('td', { dir: 'auto' }, m.name),
      h('td', { class: 'num' }, m.score === null ? '–' : `${coef(m.score)} ± ${m.se === null ? '–' : coef(m.se)}`),
      h('td', { class: 'num' }, fmtNumber(m.wins)), h('td', { class: 'num' }, fmtNumber(m.losses)), h('td', { class: 'num' }, fmtNumber(m.ties)))))) : null;
  return h('div', { class: 'quality-block', testid: 'preference' }, h('h3', {}, t('chatq.pref_heading')), stats, table);
}

/** Rubric: Krippendorff's alpha per attribute. */
function rubricBlock(q) {
  const rubric = q.rubric;
  if (!rubric || !Object.keys(rubric).length) return null;
  return h('div', { class: 'quality-block', testid: 'rubric-agreement' }, h('h3', {}, t('chatq.rubric_heading')),
    h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', {}, t('chatq.rubric_attribute')), h('th', { class: 'num' }, t('agreement.alpha_ordinal')),
        h('th', { class: 'num' }, t('agreement.alpha_interval')), h('th', { class: 'num' }, t('chatq.rubric_units')))),
      h('tbody', {}, Object.entries(rubric).map(([name, a]) => h('tr', {}, h('td', { dir: 'auto' }, name),
        h('td', { class: 'num' }, a.alpha_ordinal === null ? '–' : coef(a.alpha_ordinal)),
        h('td', { class: 'num' }, a.alpha_interval === null ? '–' : coef(a.alpha_interval)),
        h('td', { class: 'num' }, fmtNumber(a.units)))))));
}

function questionSection(q) {
  const people = [...(q.people || [])].sort(byWeakest);
  const meta = hasFit(q) ? t('quality.fit_meta', { method: methodName(q.method), labels: fmtNumber(q.labels_seen), when: fmtRelative(q.fitted_at) }) : '';
  return h('section', { class: 'card quality-question', id: `q-${q.name}`, testid: 'quality-question', dataset: { question: q.name } },
    h('div', { class: 'card-head' },
      h('h2', {}, h('bdi', {}, q.prompt || q.name), ' ', h('span', { class: 'pill' }, TYPE_KEYS[q.type] ? t(TYPE_KEYS[q.type]) : q.type)),
      h('span', { class: 'muted small', title: q.fitted_at ? fmtDate(q.fitted_at) : null, testid: 'fit-meta' }, meta)),
    hasFit(q) ? null : h('div', { class: 'empty-inline', testid: 'quality-empty' },
      h('strong', {}, t('quality.no_fit_heading')), h('p', { class: 'muted small' }, t(isManager ? 'quality.no_fit_manager' : 'quality.no_fit_body'))),
    agreementBlock(q),
    preferenceBlock(q),
    rubricBlock(q),
    people.length ? h('div', { class: 'quality-block' }, h('h3', {}, t('quality.people')), peopleChart(q, people), peopleTable(q, people)) : null,
    confusionBlock(q),
    hasFit(q) ? h('div', { class: 'grid-2 quality-lists' }, lowestBlock(q), q.classes && q.classes.length ? suspectsBlock(q) : null) : null);
}

function render() {
  el('summary').textContent = t('quality.summary', {
    annotations: fmtNumber(report.annotations), method: methodName(report.consensus_method), rate: pct(report.gold_rate),
  });
  const nav = el('question-nav');
  nav.replaceChildren(...report.questions.map((q) => h('a', { href: `#q-${q.name}`, dir: 'auto' }, q.prompt || q.name)));
  nav.hidden = report.questions.length < 2;
  el('questions').replaceChildren(...report.questions.map(questionSection));
  drawCharts();
}

function drawCharts() {
  for (const slot of $$('[data-role="chart-slot"]', root)) {
    const draw = charts.get(slot);
    if (draw) slot.replaceChildren(draw(Math.min(1100, slot.clientWidth || 860)));
  }
}

let resizeTimer = null;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawCharts, 150); });

async function loadReport() {
  try {
    report = await get(`/projects/${pid}/quality`, { quiet: true });
  } catch (err) {
    if (err.status === 403 || err.status === 404) { showDenied(err); return; }
    throw err;
  }
  render();
}

on(root, 'click', '[data-action="refit"]', async (event, button) => {
  const state = el('refit-state');
  state.textContent = t('quality.refitting');
  try {
    const result = await busy(button, () => post(`/projects/${pid}/quality/refit`));
    const labels = Object.values(result.questions || {}).reduce((n, q) => n + (q.labels || 0), 0);
    toast(t('quality.refit_done', { labels: fmtNumber(labels) }));
    await loadReport();
    state.textContent = t('quality.refit_at', { when: fmtRelative(new Date().toISOString()) });
  } catch {
    state.textContent = '';
  }
});

on(root, 'change', 'select[data-role="matrix-choice"]', (event, select) => {
  const q = report.questions.find((x) => x.name === select.dataset.question);
  const box = $(`[data-role="matrices"][data-question="${CSS.escape(q.name)}"]`, root);
  box.replaceChildren(...matrices(q, select.value));
});

on(root, 'click', '[data-action="show-matrix"]', (event, button) => {
  const select = $(`select[data-role="matrix-choice"][data-question="${CSS.escape(button.dataset.question)}"]`, root);
  select.value = button.dataset.userId;
  select.dispatchEvent(new Event('change', { bubbles: true }));
  select.closest('.quality-block').scrollIntoView({ block: 'start', behavior: 'smooth' });
  select.focus({ preventScroll: true });
});

on(root, 'click', '[data-action="expand"]', (event, button) => {
  expanded.add(button.dataset.key);
  const q = report.questions.find((x) => button.dataset.key.startsWith(`${x.name}:`));
  const block = button.closest('.quality-block');
  block.replaceWith(button.dataset.key.endsWith(':lowest') ? lowestBlock(q) : suspectsBlock(q));
});

async function start() {
  try {
    project = await get(`/projects/${pid}`, { quiet: true });
  } catch (err) {
    if (err.status === 403 || err.status === 404) { showDenied(err); return; }
    throw err;
  }
  for (const q of project.spec.questions || []) questionOf.set(q.name, q);
  isManager = project.my_role === 'manager' || (page.user && page.user.role === 'admin');
  const link = el('project-link');
  link.textContent = project.name;
  link.href = `/projects/${pid}`;
  document.title = `${t('quality.heading')} · ${project.name} · tutorloop`;
  $('[data-action="refit"]', root).hidden = !isManager;
  await loadReport();
}

start().catch(() => { el('questions').replaceChildren(h('p', { class: 'muted' }, t('quality.load_failed'))); });
