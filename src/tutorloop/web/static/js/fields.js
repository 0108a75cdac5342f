// What an item shows: one renderer per field type. Plain text is set with textContent; Markdown fields
// use the HTML the server rendered and sanitised (item.rendered[name]); nothing else becomes HTML.
import { h } from './ui.js';
import { t } from './i18n.js';
import { shownResponses } from './responses.js';
import { page } from './ui.js';

const ROLE_KEYS = { user: 'chat.user', assistant: 'chat.assistant', system: 'chat.system', tool: 'chat.tool' };

function textField(field, value, item) {
  const rendered = item.rendered ? item.rendered[field.name] : undefined;
  if (field.format === 'markdown' && typeof rendered === 'string') {
    const box = h('div', { class: 'field-text prose', dir: 'auto' });
    box.innerHTML = rendered; // server-rendered, raw HTML disabled, links sanitised
    return box;
  }
  return h('div', { class: 'field-text field-plain', dir: 'auto' }, value === null || value === undefined ? '' : String(value));
}

/** Only web, same-site and inline-image addresses; anything else (javascript:, file:) is dropped. */
export function safeImageUrl(url) {
  if (typeof url !== 'string' || url === '') return null;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  if (/^data:image\/(png|jpe?g|gif|webp|avif);/i.test(url)) return url;
  try {
    const parsed = new URL(url, location.origin);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function imageField(field, value, item) {
  const rendered = item.rendered ? item.rendered[field.name] : undefined;
  const src = safeImageUrl(typeof rendered === 'string' ? rendered : value);
  if (!src) return h('p', { class: 'muted' }, t('field.no_image'));
  const img = h('img', { class: 'field-image', alt: field.alt || field.label || field.name, loading: 'lazy', decoding: 'async' });
  img.src = src;
  img.addEventListener('error', () => img.replaceWith(h('p', { class: 'muted' }, t('field.image_failed'))), { once: true });
  return h('a', { href: src, target: '_blank', rel: 'noopener noreferrer', class: 'image-link' }, img);
}

function chatField(field, value, item) {
  const messages = Array.isArray(value) ? value : [];
  const rendered = item && item.rendered ? item.rendered[field.name] : undefined;
  const list = h('ol', { class: 'chat', 'aria-label': field.label || field.name });
  messages.forEach((message, index) => {
    const role = message && typeof message === 'object' ? String(message.role ?? '') : '';
    const content = message && typeof message === 'object' ? message.content : message;
    const roleText = ROLE_KEYS[role] ? t(ROLE_KEYS[role]) : role;
    const body = h('div', { class: 'chat-content', dir: 'auto' });
    if (Array.isArray(rendered) && typeof rendered[index] === 'string') {
      body.classList.add('markdown');
      body.innerHTML = rendered[index]; // server-rendered Markdown, raw HTML disabled, links sanitised
    } else {
      body.textContent = typeof content === 'string' ? content : JSON.stringify(content, null, 2);
    }
    list.append(h('li', { class: `chat-msg chat-${/^[a-z]+$/.test(role) ? role : 'other'}` },
      h('div', { class: 'chat-role' }, roleText), body));
  });
  if (!messages.length) list.append(h('li', { class: 'muted' }, t('field.empty')));
  return list;
}

function otherField(field, value) {
  return h('pre', { class: 'field-json', dir: 'auto' }, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
}

function videoField(field, value, item) {
  const rendered = item.rendered ? item.rendered[field.name] : undefined;
  const src = safeImageUrl(typeof rendered === 'string' ? rendered : value);
  if (!src) return h('p', { class: 'muted' }, t('field.no_video'));
  const video = h('video', { class: 'field-video', controls: true, preload: 'metadata', playsinline: true });
  video.src = src;
  return video;
}

/** Candidate responses side by side, in this person's shuffled order, each with its letter and model. */
function responsesField(field, value, item) {
  const shown = shownResponses(item, field.name, page.user ? page.user.id : 0);
  const grid = h('div', { class: `responses responses-${Math.min(shown.length, 3)}`, testid: `responses-${field.name}` });
  for (const response of shown) {
    const body = h('div', { class: 'response-content', dir: 'auto' });
    if (typeof response.html === 'string') {
      body.classList.add('markdown');
      body.innerHTML = response.html; // server-rendered Markdown, raw HTML disabled, links sanitised
    } else {
      body.textContent = response.content ?? '';
    }
    grid.append(h('article', { class: 'response-card', dataset: { responseId: response.id, letter: response.letter } },
      h('header', { class: 'response-head' }, h('span', { class: 'response-letter' }, response.letter),
        h('span', { class: 'muted small', dir: 'auto' }, response.model || '')),
      body));
  }
  if (!shown.length) grid.append(h('p', { class: 'muted' }, t('field.empty')));
  return grid;
}

export const fieldRenderers = {
  text: textField, image: imageField, video: videoField, chat: chatField, responses: responsesField,
};

/**
 * Render every field of `spec.fields` for `item` into `container` (replacing what was there).
 * Fields named in `annotated` (those a question draws its work surface on) get an empty slot instead;
 * returns Map(field name → slot element).
 */
export function renderFields(container, fields, item, annotated = new Set()) {
  container.replaceChildren();
  const slots = new Map();
  const list = fields && fields.length ? fields : Object.keys(item.data || {}).map((name) => ({ name, type: 'text' }));
  for (const field of list) {
    const value = item.data ? item.data[field.name] : undefined;
    const render = fieldRenderers[field.type] || otherField;
    const section = h('section', { class: `item-field item-field-${field.type || 'other'}`, testid: `field-${field.name}` });
    if (list.length > 1 || field.label) {
      section.append(h('h3', { class: 'field-name', dir: 'auto' }, field.label || field.name));
    }
    if (annotated.has(field.name)) {
      const slot = h('div', { class: 'field-slot', dataset: { fieldSlot: field.name } });
      section.classList.add('item-field-annotated');
      section.append(slot);
      slots.set(field.name, slot);
    } else {
      section.append(render(field, value, item));
    }
    container.append(section);
  }
  return slots;
}

/**
 * The fields that some question draws its surface on (question.field, for types whose module says
 * `surface = true`), so renderFields leaves them a slot. `registry` maps question types to modules.
 */
export function annotatedFields(spec, registry = {}) {
  return new Set(((spec && spec.questions) || [])
    .filter((q) => q.field && registry[q.type] && registry[q.type].surface)
    .map((q) => q.field));
}
