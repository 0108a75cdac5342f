// The annotator loop: take the next item, answer with the keyboard, submit, repeat.
// Also: skip, drafts that survive a reload, and going back to edit one's own submissions.
import { get, post, put } from './api.js';
import { ActiveTimer, DraftStore } from './draft.js';
import { annotatedFields, renderFields } from './fields.js';
import { fmtNumber, fmtPercent, fmtTimeOrDate, t } from './i18n.js';
import { registry, renderQuestion } from './questions/index.js';
import { History } from './history.js';
import { $, busy, isTyping, on, page, setBar, toast, uuid } from './ui.js';

const pid = page.pid;
const root = $('#main');
const el = (role) => $(`[data-role="${role}"]`, root);
const drafts = new DraftStore(page.user ? page.user.id : 'anon', pid);
const timer = new ActiveTimer();

const state = {
  project: null,
  mode: 'loading', // loading | queue | edit | done | history
  item: null,
  annotation: null, // the annotation being edited (edit mode)
  widgets: [],
  slots: new Map(), // field name → the slot a question draws its work surface into
  active: 0,
  clientKey: null,
  submitting: false,
  sessionCount: 0,
};

const draftId = () => (state.mode === 'edit' ? `edit-${state.annotation.id}` : state.item.id);

function setMode(mode) {
  const previous = state.mode;
  state.mode = mode;
  root.dataset.mode = mode;
  el('loading').hidden = mode !== 'loading';
  el('done').hidden = mode !== 'done';
  el('task').hidden = !(mode === 'queue' || mode === 'edit');
  $('[data-action="skip"]', root).hidden = mode !== 'queue';
  $('[data-action="return"][data-testid="return-to-queue"]', root).hidden = mode !== 'edit';
  el('submit-label').textContent = mode === 'edit' ? t('annotate.save_changes') : t('annotate.submit');
  const badge = el('mode');
  badge.textContent = mode === 'edit' ? t('annotate.mode_edit') : t('annotate.mode_queue');
  badge.classList.toggle('pill-warn', mode === 'edit');
  badge.hidden = !(mode === 'queue' || mode === 'edit');
  updateLease();
  if (previous !== mode && (mode === 'done' || mode === 'loading')) timer.stop();
}

/* ---------- rendering an item ---------- */

function showItem(item, { annotation = null } = {}) {
  state.item = item;
  state.annotation = annotation;
  setMode(annotation ? 'edit' : 'queue');
  el('item-ref').textContent = item.external_id || `#${item.id}`;
  const link = el('item-link');
  link.href = `/projects/${pid}/items/${item.id}`;
  state.slots = renderFields(el('fields'), state.project.spec.fields, item, annotatedFields(state.project.spec, registry));

  const note = el('review-note');
  const review = annotation && annotation.review;
  note.hidden = !(review && review.decision === 'reject');
  if (!note.hidden) note.textContent = t('annotate.rejected_note', { reason: review.reason || '–' });

  const draft = drafts.load(draftId());
  const answers = (draft && draft.answers) || (annotation ? annotation.answers : {}) || {};
  state.clientKey = (!annotation && draft && draft.client_key) || uuid();
  renderQuestions(answers);
  el('draft-state').textContent = draft ? t('annotate.draft_restored') : '';
  el('form-error').hidden = true;
  timer.start(draft ? draft.time_spent_ms || 0 : 0);
  setActive(0, { focus: false });
  window.scrollTo({ top: 0 });
}

function destroyWidgets() {
  for (const widget of state.widgets) if (typeof widget.destroy === 'function') widget.destroy();
  state.widgets = [];
}

function renderQuestions(answers) {
  destroyWidgets();
  const box = el('questions');
  box.replaceChildren();
  const ctx = { item: state.item, spec: state.project.spec, pid, fieldSlot: (name) => state.slots.get(name) || null };
  state.widgets = state.project.spec.questions.map((question, index) => renderQuestion(
    box, question, answers[question.name], (value, { advance } = {}) => onAnswer(index, advance), index, ctx,
  ));
}

function onAnswer(index, advance) {
  state.widgets[index].showError('');
  saveDraft();
  if (advance && index + 1 < state.widgets.length) setActive(index + 1, { focus: false });
  else if (index !== state.active) setActive(index, { focus: false });
}

function setActive(index, { focus = true } = {}) {
  if (!state.widgets.length) return;
  state.active = Math.max(0, Math.min(index, state.widgets.length - 1));
  state.widgets.forEach((w, i) => w.element.classList.toggle('is-active', i === state.active));
  const widget = state.widgets[state.active];
  if (focus) widget.focus();
  widget.element.scrollIntoView({ block: 'nearest' });
}

function collectAnswers() {
  const answers = {};
  for (const widget of state.widgets) {
    const value = widget.getValue();
    if (value !== null && value !== undefined) answers[widget.question.name] = value;
  }
  return answers;
}

function saveDraft() {
  if (!state.item) return;
  const ok = drafts.save(draftId(), {
    answers: collectAnswers(), client_key: state.clientKey, time_spent_ms: timer.ms(), item_id: state.item.id,
  });
  el('draft-state').textContent = ok ? t('annotate.draft_saved') : t('annotate.draft_not_saved');
}

function updateLease() {
  const lease = el('lease');
  if (state.mode === 'queue' && state.lease && state.lease.expires_at) {
    lease.textContent = t('annotate.lease_until', { time: fmtTimeOrDate(state.lease.expires_at) });
  } else {
    lease.textContent = '';
  }
}

async function updateProgress() {
  try {
    const p = await get(`/projects/${pid}/progress`, { quiet: true });
    setBar(el('bar-done'), null, p.complete, 0, p.items);
    el('progress').title = t('annotate.progress_title', {
      complete: fmtNumber(p.complete), items: fmtNumber(p.items), pct: fmtPercent(p.complete, p.items),
    });
  } catch { /* progress is a nicety */ }
  el('session-count').textContent = t('annotate.session_count', { n: fmtNumber(state.sessionCount) });
}

/* ---------- the queue ---------- */

async function loadNext() {
  setMode('loading');
  history.close();
  const result = await post(`/projects/${pid}/queue/next`, {});
  state.lease = result.lease;
  if (!result.item) {
    state.item = null;
    destroyWidgets();
    setMode('done');
    $('[data-testid="check-again"]', root).focus();
  } else {
    showItem(result.item);
  }
  updateProgress();
}

function missingRequired() {
  return state.widgets.filter((w) => w.question.required && w.isEmpty());
}

function showValidation(err) {
  const where = err.where || '';
  const match = /^answers\.([^.[\]]+)/.exec(where);
  const widget = match && state.widgets.find((w) => w.question.name === match[1]);
  if (widget) {
    widget.showError(err.detail);
    setActive(state.widgets.indexOf(widget), { focus: false });
  } else {
    const box = el('form-error');
    box.textContent = err.detail + (where ? ` (${where})` : '');
    box.hidden = false;
  }
}

async function submit() {
  if (state.submitting || !(state.mode === 'queue' || state.mode === 'edit')) return;
  el('form-error').hidden = true;
  state.widgets.forEach((w) => w.showError(''));
  const missing = missingRequired();
  if (missing.length) {
    missing.forEach((w) => w.showError(t('question.required_error')));
    setActive(state.widgets.indexOf(missing[0]), { focus: false });
    return;
  }
  saveDraft(); // the client_key is stored before the request: a retry after a lost answer is idempotent
  const answers = collectAnswers();
  const timeSpent = timer.ms();
  state.submitting = true;
  try {
    await busy(el('submit'), async () => {
      if (state.mode === 'edit') {
        await put(`/annotations/${state.annotation.id}`, { answers, time_spent_ms: timeSpent }, { quiet: true });
        drafts.clear(draftId());
        toast(t('annotate.changes_saved'));
        await loadNext();
      } else {
        const itemId = state.item.id;
        await post(`/projects/${pid}/items/${itemId}/annotations`,
          { answers, client_key: state.clientKey, time_spent_ms: timeSpent }, { quiet: true });
        drafts.clear(itemId);
        state.sessionCount += 1;
        toast(t('annotate.submitted'));
        await loadNext();
      }
    });
  } catch (err) {
    if (err.status === 422) showValidation(err);
    else if (err.status !== 401) {
      const box = el('form-error');
      box.textContent = `${err.title}: ${err.detail}`;
      box.hidden = false;
    }
  } finally {
    state.submitting = false;
  }
}

async function skip() {
  if (state.mode !== 'queue' || state.submitting) return;
  const itemId = state.item.id;
  state.submitting = true;
  try {
    await busy($('[data-action="skip"]', root), () => post(`/projects/${pid}/queue/${itemId}/skip`, {}));
    drafts.clear(itemId);
    toast(t('annotate.skipped'));
    await loadNext();
  } catch { /* banner shown */ } finally {
    state.submitting = false;
  }
}

/* ---------- going back to one's own submissions ---------- */

const history = new History(root, {
  pid,
  spec: () => state.project.spec,
  onOpen: async (annotation) => {
    const item = await get(`/projects/${pid}/items/${annotation.item_id}`);
    history.close();
    showItem(item, { annotation });
  },
  onClose: () => { if (state.mode === 'history') restoreAfterHistory(); },
});

let modeBeforeHistory = null;
function openHistory() {
  if (state.mode === 'history') { history.close(); return; }
  if (state.item && (state.mode === 'queue' || state.mode === 'edit')) saveDraft();
  modeBeforeHistory = state.mode;
  state.mode = 'history';
  timer.stop();
  el('task').hidden = true;
  el('done').hidden = true;
  history.open();
}

function restoreAfterHistory() {
  if (modeBeforeHistory === 'done') setMode('done');
  else if (modeBeforeHistory === 'edit' || modeBeforeHistory === 'queue') {
    setMode(modeBeforeHistory);
    timer.resume();
  }
  else loadNext();
}

/* ---------- keyboard ---------- */

function toggleGuidelines(force) {
  const box = $('#tl-guidelines');
  const open = force ?? box.hidden;
  box.hidden = !open;
  $('[data-action="toggle-guidelines"]', root).setAttribute('aria-expanded', String(open));
  try { localStorage.setItem(`tl:guidelines-open:${pid}`, open ? '1' : '0'); } catch { /* ignore */ }
}

document.addEventListener('keydown', (event) => {
  if (event.defaultPrevented || event.isComposing) return;
  const working = state.mode === 'queue' || state.mode === 'edit';
  // The active question sees keys first (drawing tools, undo/redo, nudging shapes, frame stepping).
  const activeWidget = working ? state.widgets[state.active] : null;
  if (activeWidget && typeof activeWidget.onKey === 'function' && !isTyping(event.target) && activeWidget.onKey(event)) {
    event.preventDefault();
    return;
  }
  if (event.altKey) return;
  if (isTyping(event.target)) {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && working && el('questions').contains(event.target)) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape') {
      event.target.blur();
    }
    return;
  }
  if (event.ctrlKey || event.metaKey) return;
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  if (key === 'Escape' && state.mode === 'history') { event.preventDefault(); history.close(); return; }
  if (key === 'Escape' && state.mode === 'edit') { event.preventDefault(); loadNext(); return; }
  if (working) {
    if (key === 'Enter') {
      const control = event.target instanceof Element ? event.target.closest('a, button, summary') : null;
      if (control && !control.closest('.question')) return; // a focused control outside the questions acts itself
      event.preventDefault();
      submit();
      return;
    }
    if (key === 'ArrowDown' || key === 'ArrowUp') {
      event.preventDefault();
      setActive(state.active + (key === 'ArrowDown' ? 1 : -1));
      return;
    }
    const action = state.widgets[state.active] && state.widgets[state.active].hotkeys.get(key);
    if (action) { event.preventDefault(); action(); return; }
    if (key === 's' && state.mode === 'queue') { event.preventDefault(); skip(); return; }
  }
  if (key === 'b') { event.preventDefault(); openHistory(); return; }
  if (key === 'g') { event.preventDefault(); toggleGuidelines(); }
});

/* ---------- wiring ---------- */

on(root, 'submit', 'form[data-form="answers"]', (event) => { event.preventDefault(); submit(); });
on(root, 'click', '[data-action="skip"]', () => skip());
on(root, 'click', '[data-action="history"]', () => openHistory());
on(root, 'click', '[data-testid="return-to-queue"]', () => loadNext());
on(root, 'click', '[data-action="refresh"]', () => loadNext());
on(root, 'click', '[data-action="toggle-guidelines"]', () => toggleGuidelines());
on(root, 'pointerdown', '.question', (event, fieldset) => {
  const index = Number(fieldset.dataset.index);
  if (index !== state.active) setActive(index, { focus: false });
});
// A question's work surface (text with spans, the image canvas, the video) lives in the field's slot:
// pressing there makes that question the active one.
on(root, 'pointerdown', '[data-field-slot]', (event, slot) => {
  const index = state.widgets.findIndex((w) => w.question.field === slot.dataset.fieldSlot);
  if (index >= 0 && index !== state.active) setActive(index, { focus: false });
});
on(root, 'focusin', '.question', (event, fieldset) => {
  const index = Number(fieldset.dataset.index);
  if (index !== state.active) setActive(index, { focus: false });
});
window.addEventListener('pagehide', () => { if (state.item && (state.mode === 'queue' || state.mode === 'edit')) saveDraft(); });

async function start() {
  drafts.prune();
  const project = await get(`/projects/${pid}`);
  state.project = project;
  project.spec.questions = project.spec.questions || [];
  const link = el('project-link');
  link.textContent = project.name;
  link.href = `/projects/${pid}`;
  el('project-back').href = `/projects/${pid}`;
  document.title = `${project.name} · ${t('annotate.title')} · tutorloop`;
  const guidelines = $('#tl-guidelines');
  if (project.guidelines_html) {
    guidelines.innerHTML = project.guidelines_html; // rendered and sanitised by the server
  } else {
    guidelines.textContent = t('annotate.no_guidelines');
  }
  let open = false;
  try { open = localStorage.getItem(`tl:guidelines-open:${pid}`) === '1'; } catch { /* ignore */ }
  toggleGuidelines(open);
  await loadNext();
}

start().catch(() => {
  el('loading').textContent = t('annotate.load_failed');
});
