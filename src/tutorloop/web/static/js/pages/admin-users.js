// Admin: everyone's accounts; add, deactivate, reactivate.
import { get, post } from '../api.js';
import { fmtDate, t } from '../i18n.js';
import { $, busy, h, on, page, toast } from '../ui.js';

const root = $('#main');
const ROLE_KEYS = { admin: 'role.admin', manager: 'role.manager', reviewer: 'role.reviewer', annotator: 'role.annotator' };

function row(user) {
  const self = page.user && page.user.id === user.id;
  return h('tr', { testid: 'user-row', dataset: { username: user.username }, class: user.is_active ? '' : 'row-inactive' },
    h('td', { dir: 'auto' }, user.username),
    h('td', { dir: 'auto' }, user.display_name || ''),
    h('td', {}, t(ROLE_KEYS[user.role] || user.role)),
    h('td', {}, h('span', { class: `badge ${user.is_active ? 'badge-accepted' : 'badge-rejected'}`, testid: 'user-status' },
      user.is_active ? t('users.active') : t('users.inactive'))),
    h('td', { class: 'muted small nowrap' }, fmtDate(user.created_at)),
    h('td', { class: 'actions' }, self ? h('span', { class: 'muted small' }, t('users.you')) : user.is_active
      ? h('button', { type: 'button', class: 'btn btn-small btn-danger-quiet', testid: 'user-deactivate', dataset: { action: 'deactivate', id: String(user.id), username: user.username } }, t('users.deactivate'))
      : h('button', { type: 'button', class: 'btn btn-small', testid: 'user-reactivate', dataset: { action: 'reactivate', id: String(user.id), username: user.username } }, t('users.reactivate'))));
}

async function load() {
  const users = await get('/users');
  $('[data-role="rows"]', root).replaceChildren(...users.map(row));
}

on(root, 'submit', 'form[data-form="add-user"]', async (event, form) => {
  event.preventDefault();
  const body = {
    username: form.elements.username.value.trim(),
    password: form.elements.password.value,
    display_name: form.elements.display_name.value.trim() || undefined,
    role: form.elements.role.value,
  };
  if (!body.username || !body.password) { (body.username ? form.elements.password : form.elements.username).focus(); return; }
  await busy($('button[type="submit"]', form), () => post('/users', body));
  toast(t('users.added', { username: body.username }));
  form.reset();
  form.elements.username.focus();
  await load();
});

on(root, 'click', '[data-action="deactivate"], [data-action="reactivate"]', async (event, button) => {
  const { action, id, username } = button.dataset;
  if (action === 'deactivate' && !window.confirm(t('users.confirm_deactivate', { username }))) return;
  await busy(button, () => post(`/users/${id}/${action}`, {}));
  toast(t(action === 'deactivate' ? 'users.deactivated' : 'users.reactivated', { username }));
  await load();
});

load();
