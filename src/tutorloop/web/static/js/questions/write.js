// write: a new prompt, a better response, or the next turns of the chat. Ctrl+Enter submits (the page does
// that from text boxes); in a continuation Alt+Enter adds a turn and Alt+Backspace removes an empty one.
import { h } from '../ui.js';
import { t } from '../i18n.js';

const NEXT_ROLE = { user: 'assistant', assistant: 'user', system: 'user', tool: 'assistant' };
const ROLE_KEYS = { user: 'chat.user', assistant: 'chat.assistant' };
const PLACEHOLDERS = {
  prompt: 'write.placeholder_prompt', response: 'write.placeholder_response', continuation: 'write.placeholder_turn',
};

export function render(container, question, value, onChange, ctx) {
  const mode = question.mode || 'response';
  const maxLength = question.max_length ?? null;
  const minLength = question.min_length ?? 1;
  const chat = ctx.item && ctx.item.data && Array.isArray(ctx.item.data[question.field]) ? ctx.item.data[question.field] : [];
  const last = chat.length ? chat[chat.length - 1].role : null;
  const firstRole = NEXT_ROLE[last] || 'user';
  const maxTurns = question.max_turns ?? 10;

  const list = h('ol', { class: 'wr-turns', testid: `write-${question.name}` });
  const counter = h('p', { class: 'wr-count muted small' });
  container.append(list, counter);
  let addButton = null;
  if (mode === 'continuation') {
    addButton = h('button', { type: 'button', class: 'btn btn-small wr-add', 'aria-keyshortcuts': 'Alt+Enter',
      testid: `write-add-${question.name}` }, t('write.add_turn'), ' ', h('kbd', {}, 'Alt+Enter'));
    container.append(addButton, h('p', { class: 'wr-keys muted small' }, t('write.keys_continuation')));
  } else {
    container.append(h('p', { class: 'wr-keys muted small' }, t('write.keys')));
  }

  const roleAt = (i) => (i % 2 === 0 ? firstRole : NEXT_ROLE[firstRole]);

  function addTurn(text = '', { focus = false } = {}) {
    const index = list.children.length;
    if (mode === 'continuation' && index >= maxTurns) return null;
    const role = mode === 'continuation' ? roleAt(index) : null;
    const box = h('textarea', {
      class: 'wr-text', dir: 'auto', rows: mode === 'prompt' ? 3 : 5, maxlength: maxLength,
      placeholder: t(PLACEHOLDERS[mode] || 'write.placeholder_response'),
      'aria-label': role ? t(ROLE_KEYS[role]) : (question.prompt || question.name),
      testid: `write-text-${question.name}-${index}`,
    });
    box.value = text;
    const remove = role && index > 0
      ? h('button', { type: 'button', class: 'btn btn-small btn-ghost wr-remove', 'aria-keyshortcuts': 'Alt+Backspace',
        title: t('write.remove_turn'), dataset: { index: String(index) } }, '×')
      : null;
    list.append(h('li', { class: `wr-turn${role ? ` wr-${role}` : ''}` },
      role ? h('div', { class: 'wr-role' }, t(ROLE_KEYS[role]), remove) : null, box));
    if (focus) box.focus();
    return box;
  }

  const boxes = () => Array.from(list.querySelectorAll('.wr-text'));

  function load(v) {
    list.replaceChildren();
    if (mode === 'continuation') {
      const messages = v && Array.isArray(v.messages) ? v.messages : [];
      if (!messages.length) addTurn();
      messages.forEach((m) => addTurn(typeof m.content === 'string' ? m.content : ''));
    } else {
      addTurn(v && typeof v.content === 'string' ? v.content : '');
    }
    paint();
  }

  function paint() {
    const lengths = boxes().map((b) => b.value.length);
    const parts = [t('write.characters', { n: lengths.reduce((a, b) => a + b, 0) })];
    if (minLength > 1) parts.push(t('write.min', { n: minLength }));
    if (maxLength) parts.push(t('write.max', { n: maxLength }));
    if (mode === 'continuation') parts.push(t('write.turns', { n: lengths.length, max: maxTurns }));
    counter.textContent = parts.join(' · ');
    if (addButton) addButton.disabled = Boolean(ctx.readOnly) || lengths.length >= maxTurns;
    for (const box of boxes()) box.readOnly = Boolean(ctx.readOnly);
  }

  function getValue() {
    const texts = boxes().map((b) => b.value);
    if (mode !== 'continuation') return texts[0].trim() ? { content: texts[0] } : null;
    while (texts.length && !texts[texts.length - 1].trim()) texts.pop(); // an empty last turn is not sent
    if (!texts.length) return null;
    return { messages: texts.map((content, i) => ({ role: roleAt(i), content })) };
  }

  function changed() { paint(); onChange(getValue(), { advance: false }); }

  function removeTurn(index) {
    const items = Array.from(list.children);
    if (index <= 0 || index >= items.length) return;
    items.slice(index).forEach((li) => li.remove());
    // later turns keep their text but move up one place, so roles still alternate
    const rest = items.slice(index + 1).map((li) => li.querySelector('.wr-text').value);
    rest.forEach((text) => addTurn(text));
    boxes()[Math.min(index, boxes().length - 1)].focus();
    changed();
  }

  list.addEventListener('input', changed);
  list.addEventListener('click', (event) => {
    const remove = event.target.closest('.wr-remove');
    if (remove && !ctx.readOnly) removeTurn(Number(remove.dataset.index));
  });
  if (addButton) addButton.addEventListener('click', () => { if (addTurn('', { focus: true })) changed(); });
  list.addEventListener('keydown', (event) => {
    if (mode !== 'continuation' || !event.altKey || ctx.readOnly) return;
    const index = boxes().indexOf(event.target);
    if (index < 0) return;
    if (event.key === 'Enter') {
      event.preventDefault();
      if (addTurn('', { focus: true })) changed();
    } else if (event.key === 'Backspace' && !event.target.value && index > 0) {
      event.preventDefault();
      removeTurn(index);
    }
  });

  load(value);
  return {
    hotkeys: new Map(),
    getValue,
    setValue(v) { load(v); },
    isEmpty: () => getValue() === null,
    focus() { const all = boxes(); (all.find((b) => !b.value.trim()) || all[all.length - 1])?.focus(); },
  };
}

/** The first words of what was written. */
export function summary(question, value) {
  if (!value) return null;
  const text = typeof value.content === 'string' ? value.content
    : (Array.isArray(value.messages) ? value.messages.map((m) => m.content).join(' / ') : '');
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}
