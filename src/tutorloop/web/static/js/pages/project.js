// A project's dashboard: progress for everyone; import, export, members and settings for its managers.
import { api, del, get, patch, post, put } from '../api.js';
import { fmtNumber, fmtPercent, fmtSeconds, t } from '../i18n.js';
import { renderPreview } from '../markdown-preview.js';
import { $, $$, busy, h, isTyping, on, page, setBar, showErrorBox, toast } from '../ui.js';

const pid = page.pid;
const root = $('#main');
const el = (role, scope = root) => $(`[data-role="${role}"]`, scope);
const ROLE_KEYS = { manager: 'role.manager', reviewer: 'role.reviewer', annotator: 'role.annotator' };
let project = null;
let isManager = false;
let usersByName = null;

function reveal(requirement, show) {
  for (const section of $$(`[data-requires="${requirement}"]`, root)) section.hidden = !show;
}

async function loadProject() {
  project = await get(`/projects/${pid}`);
  isManager = project.my_role === 'manager' || (page.user && page.user.role === 'admin');
  const isStaff = isManager || project.my_role === 'reviewer';
  el('name').textContent = project.name;
  el('description').textContent = project.description || '';
  document.title = `${project.name} · tutorloop`;
  el('my-role').textContent = project.my_role ? t('project.your_role', { role: t(ROLE_KEYS[project.my_role]) }) : '';
  const annotate = el('annotate-link');
  annotate.href = `/projects/${pid}/annotate`;
  annotate.hidden = !project.my_role;
  const review = el('review-link');
  review.href = `/projects/${pid}/review`;
  review.hidden = !isStaff;
  const quality = el('quality-link');
  quality.href = `/projects/${pid}/quality`;
  quality.hidden = !isStaff;
  reveal('staff', isStaff);
  reveal('manager', isManager);
  for (const link of $$('[data-role="export"]', root)) {
    link.href = `/api/v1/projects/${pid}/export?format=${link.dataset.format}`;
  }
  setUpTrainingFormats();
  setUpGeneration();
  if (isManager) fillSettings();
}

async function loadProgress() {
  const p = await get(`/projects/${pid}/progress`);
  for (const dd of $$('[data-stat]', root)) dd.textContent = fmtNumber(p[dd.dataset.stat]);
  $('[data-stat="complete"]', root).textContent = `${fmtNumber(p.complete)} (${fmtPercent(p.complete, p.items)})`;
  setBar(el('bar-done'), el('bar-part'), p.complete, p.in_progress, p.items);
  const rows = (p.per_annotator || []).map((a) => h('tr', { testid: 'annotator-row', dataset: { username: a.username } },
    h('td', { dir: 'auto' }, a.username),
    h('td', { class: 'num' }, fmtNumber(a.annotations)),
    h('td', { class: 'num' }, fmtNumber(a.accepted)),
    h('td', { class: 'num' }, fmtNumber(a.rejected)),
    h('td', { class: 'num' }, fmtSeconds(a.mean_seconds))));
  el('per-annotator').replaceChildren(...(rows.length ? rows
    : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, t('progress.no_annotators')))]));
}

/* ---------- annotation formats (import of pre-annotations, export for training) ---------- */

// Which training formats carry which question types (the server's codecs say the same; see formats.md).
const FORMATS = [
  ['coco', 'COCO', ['boxes', 'polygons', 'keypoints', 'masks']],
  ['yolo', 'YOLO', ['boxes', 'polygons', 'keypoints']],
  ['voc', 'Pascal VOC', ['boxes']],
  ['conll', 'CoNLL / IOB2', ['spans']],
  ['spacy', 'spaCy JSONL', ['spans']],
  ['mot', 'MOT', ['video_tracks']],
  ['sft', 'TRL SFT (messages)', ['pairwise', 'ranking', 'rewrite', 'write']],
  ['prompt_completion', 'Prompt–completion', ['pairwise', 'ranking', 'rewrite', 'write']],
  ['dpo', 'DPO (prompt, chosen, rejected)', ['pairwise', 'ranking']],
  ['kto', 'KTO (prompt, completion, label)', ['pairwise', 'ranking']],
  ['reward_pairs', 'Reward-model pairs', ['pairwise', 'ranking']],
  ['helpsteer', 'HelpSteer rubric scores (JSONL)', ['rubric']],
  ['helpsteer_csv', 'HelpSteer rubric scores (CSV)', ['rubric']],
  ['oasst', 'OpenAssistant message trees', ['pairwise', 'ranking', 'rubric']],
];
const CHAT_EXPORTS = new Set(['sft', 'prompt_completion', 'dpo', 'kto', 'reward_pairs', 'helpsteer', 'helpsteer_csv', 'oasst']);
// formats that can carry every person's answer
const ANNOTATORS_IN = new Set(['coco', 'spacy', ...CHAT_EXPORTS]);

function objectQuestions() {
  return (project.spec.questions || []).filter((q) => FORMATS.some(([, , types]) => types.includes(q.type)));
}

function setUpTrainingFormats() {
  const questions = objectQuestions();
  const form = $('form[data-form="training-export"]', root);
  form.hidden = !questions.length;
  const options = () => questions.map((q) => h('option', { value: q.name }, q.prompt || q.name));
  form.elements.question.replaceChildren(...options());
  const importForm = $('form[data-form="import"]', root);
  importForm.elements.question.replaceChildren(...options());
  refreshTrainingFormats();
}

function refreshTrainingFormats() {
  const form = $('form[data-form="training-export"]', root);
  const question = objectQuestions().find((q) => q.name === form.elements.question.value);
  if (!question) return;
  const select = form.elements.format;
  const chosen = select.value;
  const fitting = FORMATS.filter(([, , types]) => types.includes(question.type));
  select.replaceChildren(...fitting.map(([value, text]) => h('option', { value, selected: value === chosen }, text)));
  const annotations = form.elements.source.querySelector('option[value="annotations"]');
  annotations.disabled = !ANNOTATORS_IN.has(select.value);
  if (annotations.disabled && form.elements.source.value === 'annotations') form.elements.source.value = 'consensus';
  const query = new URLSearchParams({ format: select.value, question: question.name, source: form.elements.source.value });
  el('training-download', form).href = `/api/v1/projects/${pid}/export?${query}`;
}

on(root, 'change', 'form[data-form="training-export"] select', () => refreshTrainingFormats());

on(root, 'change', 'form[data-form="import"] select[name="format"]', (event, select) => {
  const annotationFormat = FORMATS.some(([value]) => value === select.value && !CHAT_EXPORTS.has(value));
  el('import-question-row', select.form).hidden = !annotationFormat || objectQuestions().length < 2;
  el('import-as-row', select.form).hidden = !annotationFormat;
});

/* ---------- generating candidate responses (chat projects, managers) ---------- */

const LIVE = new Set(['queued', 'running']);
const JOB_STATUS = {
  queued: 'generation.status_queued', running: 'generation.status_running', done: 'generation.status_done',
  failed: 'generation.status_failed', cancelled: 'generation.status_cancelled',
};
let generationTimer = null;

function setUpGeneration() {
  const section = el('generation');
  const fields = project.spec.fields || [];
  section.hidden = !(isManager && fields.some((f) => f.type === 'chat'));
  if (!section.hidden) loadJobs();
}

async function loadJobs() {
  clearTimeout(generationTimer);
  const jobs = await get(`/projects/${pid}/generation`, { quiet: true }).catch(() => []);
  const rows = jobs.map((job) => h('tr', { testid: 'generation-job', dataset: { jobId: String(job.id), status: job.status } },
    h('td', { dir: 'ltr' }, job.model),
    h('td', {}, JOB_STATUS[job.status] ? t(JOB_STATUS[job.status]) : job.status),
    h('td', {}, h('progress', { max: String(Math.max(job.total, 1)), value: String(job.done) }), ' ',
      h('span', { class: 'muted small' }, `${fmtNumber(job.done)} / ${fmtNumber(job.total)}`)),
    h('td', { class: 'num' }, fmtNumber(job.generated)),
    h('td', { class: 'num', title: (job.errors || []).slice(0, 5).map((e) => `${e.external_id}: ${e.message}`).join('\n') || null },
      fmtNumber(job.error_count)),
    h('td', { class: 'actions' }, LIVE.has(job.status)
      ? h('button', { type: 'button', class: 'btn btn-small', dataset: { action: 'cancel-generation', jobId: String(job.id) } }, t('generation.cancel'))
      : null)));
  el('generation-rows').replaceChildren(...(rows.length ? rows
    : [h('tr', {}, h('td', { colspan: 6, class: 'muted' }, t('generation.none')))]));
  if (jobs.some((job) => LIVE.has(job.status))) generationTimer = setTimeout(loadJobs, 2000);
}

on(root, 'submit', 'form[data-form="generation"]', async (event, form) => {
  event.preventDefault();
  const errorBox = el('error', form);
  showErrorBox(errorBox, null);
  const body = {
    model: form.elements.model.value.trim(), n_per_item: Number(form.elements.n_per_item.value),
    temperature: Number(form.elements.temperature.value), max_tokens: Number(form.elements.max_tokens.value),
    only_missing: form.elements.only_missing.checked,
  };
  try {
    await busy($('button[type="submit"]', form), () => post(`/projects/${pid}/generation`, body, { quiet: true }));
    toast(t('generation.started'));
    await loadJobs();
  } catch (err) {
    showErrorBox(errorBox, err);
  }
});

on(root, 'click', '[data-action="cancel-generation"]', async (event, button) => {
  await busy(button, () => post(`/projects/${pid}/generation/${button.dataset.jobId}/cancel`, {}));
  await loadJobs();
});

/* ---------- members ---------- */

function roleSelect(member) {
  const select = h('select', { 'aria-label': t('members.role'), testid: 'member-role-select', dataset: { userId: String(member.user_id) } });
  for (const role of ['annotator', 'reviewer', 'manager']) {
    const option = h('option', { value: role }, t(ROLE_KEYS[role]));
    option.selected = role === member.role;
    select.append(option);
  }
  return select;
}

async function loadMembers() {
  const members = await get(`/projects/${pid}/members`);
  el('members').replaceChildren(...members.map((m) => h('tr', { testid: 'member-row', dataset: { username: m.username } },
    h('td', { dir: 'auto' }, m.display_name && m.display_name !== m.username ? `${m.display_name} (${m.username})` : m.username),
    h('td', {}, isManager ? roleSelect(m) : t(ROLE_KEYS[m.role] || m.role)),
    h('td', { class: 'actions' }, isManager ? h('button', {
      type: 'button', class: 'btn btn-small btn-danger-quiet', testid: 'member-remove',
      dataset: { action: 'remove-member', userId: String(m.user_id), username: m.username },
    }, t('members.remove')) : null))));
}

// Suggestions for the add-member box; people who may not list everyone simply type the username.
async function loadUserSuggestions() {
  if (usersByName) return;
  usersByName = new Map();
  try {
    for (const user of await get('/users', { quiet: true })) usersByName.set(user.username.toLowerCase(), user);
  } catch { /* not allowed to list people */ }
  el('usernames').replaceChildren(...[...usersByName.values()].filter((u) => u.is_active !== false)
    .map((u) => h('option', { value: u.username }, u.display_name || '')));
}

on(root, 'submit', 'form[data-form="add-member"]', async (event, form) => {
  event.preventDefault();
  const username = form.elements.username.value.trim();
  if (!username) return;
  await busy($('button[type="submit"]', form), () => post(`/projects/${pid}/members`, { username, role: form.elements.role.value }));
  form.reset();
  toast(t('members.added', { username }));
  await loadMembers();
});

on(root, 'focusin', 'form[data-form="add-member"] input', () => { userIdOf(''); });

on(root, 'change', 'select[data-testid="member-role-select"]', async (event, select) => {
  await put(`/projects/${pid}/members/${select.dataset.userId}`, { role: select.value });
  toast(t('members.role_changed'));
  await loadMembers();
});

on(root, 'click', '[data-action="remove-member"]', async (event, button) => {
  if (!window.confirm(t('members.confirm_remove', { username: button.dataset.username }))) return;
  await busy(button, () => del(`/projects/${pid}/members/${button.dataset.userId}`));
  toast(t('members.removed', { username: button.dataset.username }));
  await loadMembers();
});

/* ---------- import ---------- */

on(root, 'change', 'form[data-form="import"] input[type="file"]', (event, input) => {
  el('file-name', input.form).textContent = input.files[0] ? input.files[0].name : '';
});

on(root, 'submit', 'form[data-form="import"]', async (event, form) => {
  event.preventDefault();
  const result = el('result', form);
  const errorBox = el('error', form);
  result.hidden = true;
  showErrorBox(errorBox, null);
  const file = form.elements.file.files[0];
  if (!file) { showErrorBox(errorBox, { detail: t('import.no_file') }); return; }
  const data = new FormData();
  data.append('file', file);
  if (form.elements.format.value) data.append('format', form.elements.format.value);
  if (FORMATS.some(([value]) => value === form.elements.format.value && !CHAT_EXPORTS.has(value))) {
    if (form.elements.question.value) data.append('question', form.elements.question.value);
    data.append('as', form.elements.as.value);
  }
  try {
    const summary = await busy($('button[type="submit"]', form),
      () => api('POST', `/projects/${pid}/items/import`, { form: data, quiet: true }));
    result.textContent = t('import.result', {
      created: fmtNumber(summary.created), updated: fmtNumber(summary.updated), total: fmtNumber(summary.total),
    });
    result.hidden = false;
    form.reset();
    el('file-name', form).textContent = '';
    await loadProgress();
  } catch (err) {
    showErrorBox(errorBox, err);
  }
});

/* ---------- settings ---------- */

// The gold rate is a share (0–1) in the API and a percentage on the page; one decimal is kept.
const goldPercent = (rate) => Math.round((rate ?? 0) * 1000) / 10;

function fillSettings() {
  const form = $('form[data-form="settings"]', root);
  form.elements.overlap.value = project.overlap;
  form.elements.lease_minutes.value = Math.max(1, Math.round(project.lease_seconds / 60));
  form.elements.guidelines.value = project.guidelines || '';
  form.elements.gold_rate.value = goldPercent(project.gold_rate);
  form.elements.consensus_method.value = project.consensus_method || 'auto';
  el('guideline-version', form).textContent = t('settings.version', { n: project.guideline_version });
}

on(root, 'click', '.md-tabs [data-tab]', (event, tab) => {
  const form = tab.closest('form');
  const preview = tab.dataset.tab === 'preview';
  for (const other of $$('[data-tab]', form)) other.setAttribute('aria-selected', String(other === tab));
  el('write', form).closest('label').hidden = preview;
  const box = el('preview', form);
  box.hidden = !preview;
  if (preview) renderPreview(box, form.elements.guidelines.value);
});

on(root, 'submit', 'form[data-form="settings"]', async (event, form) => {
  event.preventDefault();
  const body = {
    overlap: Number(form.elements.overlap.value),
    lease_seconds: Number(form.elements.lease_minutes.value) * 60,
  };
  if ((form.elements.guidelines.value || '') !== (project.guidelines || '')) body.guidelines = form.elements.guidelines.value;
  const goldRate = Number(form.elements.gold_rate.value);
  if (goldRate !== goldPercent(project.gold_rate)) body.gold_rate = Math.round(goldRate * 10) / 1000;
  if (form.elements.consensus_method.value !== project.consensus_method) body.consensus_method = form.elements.consensus_method.value;
  project = await busy($('button[type="submit"]', form), () => patch(`/projects/${pid}`, body));
  fillSettings();
  toast(t('settings.saved'));
  await loadProgress();
});

document.addEventListener('keydown', (event) => {
  if (event.key !== 'Enter' || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
  if (event.target !== document.body && event.target !== root) return;
  const link = el('annotate-link');
  if (!link.hidden) { event.preventDefault(); link.click(); }
});

async function start() {
  await loadProject();
  await Promise.all([loadProgress(), loadMembers().catch(() => {}), isManager ? loadUserSuggestions() : null]);
}

start().catch(() => { el('name').textContent = t('project.load_failed'); });
