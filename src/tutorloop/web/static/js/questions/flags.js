// flags: a compact checklist, one row per chat message and per candidate response (in this person's order),
// one toggle per flag. Keyboard: ArrowUp/Down move between rows while the list has focus, digits toggle the
// flag with that number on the focused row, N writes a note for the row's flags, Esc leaves the list.
import { h, page } from '../ui.js';
import { t } from '../i18n.js';
import { shownResponses } from '../responses.js';
import { UndoStack } from './undo.js';

const ROLE_KEYS = { user: 'chat.user', assistant: 'chat.assistant', system: 'chat.system', tool: 'chat.tool' };
const SNIPPET = 90;

function snippet(text) {
  const flat = String(text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > SNIPPET ? `${flat.slice(0, SNIPPET)}…` : flat;
}

/** The responses field of a flags question: named in its settings, else the schema's only responses field. */
function responsesField(question, spec) {
  if (question.responses_field) return question.responses_field;
  const fields = ((spec && spec.fields) || []).filter((f) => f.type === 'responses');
  return fields.length === 1 ? fields[0].name : null;
}

export function render(container, question, value, onChange, ctx) {
  const flags = question.flags || [];
  const targetsSetting = question.targets || 'both';
  const data = (ctx.item && ctx.item.data) || {};
  const rows = [];
  if (targetsSetting !== 'responses') {
    const chat = Array.isArray(data[question.field]) ? data[question.field] : [];
    chat.forEach((message, index) => rows.push({
      target: `message:${index}`,
      title: `${index + 1} · ${ROLE_KEYS[message.role] ? t(ROLE_KEYS[message.role]) : message.role}`,
      text: snippet(message.content),
    }));
  }
  const field = targetsSetting !== 'messages' ? responsesField(question, ctx.spec) : null;
  if (field) {
    for (const response of shownResponses(ctx.item, field, page.user ? page.user.id : 0)) {
      rows.push({ target: `response:${response.id}`, title: t('flags.response', { letter: response.letter }),
        text: snippet(response.content) });
    }
  }

  let current = Array.isArray(value) ? value.map((f) => ({ ...f })) : [];
  let cursor = 0;
  const undo = new UndoStack(current, (state) => { current = state; paint(); changed(); });

  const list = h('ul', { class: 'fl-list', role: 'listbox', 'aria-label': question.prompt || question.name,
    testid: `flags-${question.name}` });
  const rowEls = rows.map((row, index) => {
    const toggles = flags.map((flag, i) => h('button', {
      type: 'button', class: 'fl-toggle', tabindex: '-1', 'aria-pressed': 'false',
      dataset: { flag: flag.value }, 'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
      testid: `flag-${question.name}-${row.target}-${flag.value}`,
    }, i < 9 ? h('kbd', { class: 'fl-key' }, String(i + 1)) : null, h('span', { dir: 'auto' }, flag.text || flag.value)));
    const note = h('input', { type: 'text', class: 'fl-note', dir: 'auto', hidden: true, maxlength: '2000',
      placeholder: t('flags.note_placeholder'), 'aria-label': t('flags.note'), testid: `flag-note-${question.name}-${row.target}` });
    return h('li', { class: 'fl-row', role: 'option', tabindex: index === 0 ? '0' : '-1', 'aria-selected': 'false',
      dataset: { index: String(index), target: row.target } },
    h('div', { class: 'fl-head' }, h('span', { class: 'fl-title' }, row.title),
      h('span', { class: 'fl-text muted small', dir: 'auto', title: row.text }, row.text)),
    h('div', { class: 'fl-toggles' }, toggles), note);
  });
  list.append(...rowEls);
  container.append(list, h('p', { class: 'fl-keys muted small' }, t('flags.keys')));
  if (!rows.length) container.append(h('p', { class: 'muted' }, t('flags.nothing')));

  const has = (target, flag) => current.some((f) => f.target === target && f.flag === flag);

  function paint() {
    rowEls.forEach((li, index) => {
      const { target } = rows[index];
      let any = false;
      for (const button of li.querySelectorAll('.fl-toggle')) {
        const on = has(target, button.dataset.flag);
        any ||= on;
        button.setAttribute('aria-pressed', String(on));
      }
      li.classList.toggle('is-flagged', any);
      li.setAttribute('aria-selected', String(index === cursor));
      li.tabIndex = index === cursor ? 0 : -1;
      const note = li.querySelector('.fl-note');
      const noted = current.find((f) => f.target === target && f.note);
      if (document.activeElement !== note) note.value = noted ? noted.note : '';
      if (!any) note.hidden = true;
      else if (noted) note.hidden = false;
    });
  }

  function changed() { onChange(current.map((f) => ({ ...f })), { advance: false }); }

  function toggle(index, flagValue) {
    if (ctx.readOnly || !rows[index]) return;
    const { target } = rows[index];
    if (has(target, flagValue)) current = current.filter((f) => !(f.target === target && f.flag === flagValue));
    else {
      const note = current.find((f) => f.target === target && f.note);
      current.push(note ? { target, flag: flagValue, note: note.note } : { target, flag: flagValue });
    }
    undo.push(current);
    paint();
    changed();
  }

  function moveTo(index) {
    cursor = Math.max(0, Math.min(index, rows.length - 1));
    paint();
    if (rowEls[cursor]) rowEls[cursor].focus();
  }

  function openNote(index) {
    const li = rowEls[index];
    if (!li || !li.classList.contains('is-flagged')) return;
    const note = li.querySelector('.fl-note');
    note.hidden = false;
    note.focus();
  }

  list.addEventListener('click', (event) => {
    const li = event.target.closest('.fl-row');
    if (!li) return;
    const index = Number(li.dataset.index);
    const button = event.target.closest('.fl-toggle');
    if (button) { cursor = index; toggle(index, button.dataset.flag); li.focus(); }
    else if (!event.target.closest('.fl-note')) moveTo(index);
  });
  list.addEventListener('focusin', (event) => {
    const li = event.target.closest('.fl-row');
    if (li && Number(li.dataset.index) !== cursor) { cursor = Number(li.dataset.index); paint(); }
  });
  // the note belongs to every flag of its row
  list.addEventListener('input', (event) => {
    const note = event.target.closest('.fl-note');
    if (!note) return;
    const { target } = rows[Number(note.closest('.fl-row').dataset.index)];
    current = current.map((f) => {
      if (f.target !== target) return f;
      const { note: _old, ...rest } = f;
      return note.value.trim() ? { ...rest, note: note.value } : rest;
    });
    changed();
  });
  list.addEventListener('change', (event) => { if (event.target.closest('.fl-note')) undo.push(current); });
  list.addEventListener('keydown', (event) => {
    if (event.target.closest('.fl-note') && (event.key === 'Escape' || event.key === 'Enter') && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      event.stopPropagation();
      event.target.closest('.fl-row').focus();
    }
  });

  function onKey(event) {
    if (undo.handleKey(event)) return true;
    if (!list.contains(document.activeElement) || event.ctrlKey || event.metaKey || event.altKey) return false;
    if (event.key === 'ArrowDown') { moveTo(cursor + 1); return true; }
    if (event.key === 'ArrowUp') { moveTo(cursor - 1); return true; }
    if (event.key === 'Home') { moveTo(0); return true; }
    if (event.key === 'End') { moveTo(rows.length - 1); return true; }
    if (event.key === 'Escape') { document.activeElement.blur(); return true; }
    if (event.key === 'n' || event.key === 'N') { openNote(cursor); return true; }
    if (/^[1-9]$/.test(event.key)) {
      const flag = flags[Number(event.key) - 1];
      if (flag) toggle(cursor, flag.value);
      return true;
    }
    return false;
  }

  const hotkeys = new Map();
  flags.slice(0, 9).forEach((flag, i) => hotkeys.set(String(i + 1), () => { moveTo(cursor); toggle(cursor, flag.value); }));

  paint();
  return {
    hotkeys,
    onKey,
    getValue: () => current.map((f) => ({ ...f })),
    setValue(v) { current = Array.isArray(v) ? v.map((f) => ({ ...f })) : []; undo.reset(current); paint(); },
    // an empty checklist is an answer: nothing is wrong with this chat
    isEmpty: () => false,
    focus() { moveTo(cursor); },
  };
}

/** "2 flags" for lists of answers. */
export function summary(question, value) {
  const n = Array.isArray(value) ? value.length : 0;
  return n ? t('flags.summary', { n }) : t('flags.none');
}
