// Your account: display name, language, API tokens.
import { del, get, patch, post } from '../api.js';
import { fmtDate, fmtRelative, t } from '../i18n.js';
import { $, busy, h, on, toast } from '../ui.js';

const root = $('#main');
const YEAR = 365 * 24 * 3600;

function row(token) {
  return h('tr', { testid: 'token-row', dataset: { tokenId: String(token.id) } },
    h('td', { dir: 'auto' }, token.name),
    h('td', {}, h('code', { dir: 'ltr' }, `${token.prefix}…`)),
    h('td', { class: 'muted small nowrap' }, fmtDate(token.created_at)),
    h('td', { class: 'muted small nowrap' }, token.last_used_at ? fmtRelative(token.last_used_at) : t('tokens.never')),
    h('td', { class: 'actions' }, h('button', {
      type: 'button', class: 'btn btn-small btn-danger-quiet', testid: 'token-revoke', dataset: { action: 'revoke', id: String(token.id), name: token.name },
    }, t('tokens.revoke'))));
}

async function loadTokens() {
  const tokens = await get('/auth/tokens');
  $('[data-role="rows"]', root).replaceChildren(...tokens.map(row));
  $('[data-role="empty"]', root).hidden = tokens.length > 0;
  $('[data-role="table"]', root).hidden = tokens.length === 0;
}

on(root, 'submit', 'form[data-form="profile"]', async (event, form) => {
  event.preventDefault();
  const locale = form.elements.locale.value;
  const changedLanguage = locale !== document.documentElement.lang;
  await busy($('button[type="submit"]', form),
    () => patch('/users/me', { locale, display_name: form.elements.display_name.value.trim() }));
  document.cookie = `tl_lang=${encodeURIComponent(locale)}; path=/; max-age=${YEAR}; samesite=lax`;
  if (changedLanguage) location.reload();
  else toast(t('account.saved'));
});

on(root, 'submit', 'form[data-form="token"]', async (event, form) => {
  event.preventDefault();
  const name = form.elements.name.value.trim();
  if (!name) { form.elements.name.focus(); return; }
  const created = await busy($('button[type="submit"]', form), () => post('/auth/tokens', { name }));
  $('[data-role="token"]', root).textContent = created.token;
  $('[data-role="new-token"]', root).hidden = false;
  form.reset();
  await loadTokens();
});

on(root, 'click', '[data-action="copy-token"]', async () => {
  try {
    await navigator.clipboard.writeText($('[data-role="token"]', root).textContent);
    toast(t('common.copied'));
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('[data-role="token"]', root));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
  }
});

on(root, 'click', '[data-action="revoke"]', async (event, button) => {
  if (!window.confirm(t('tokens.confirm_revoke', { name: button.dataset.name }))) return;
  await busy(button, () => del(`/auth/tokens/${button.dataset.id}`));
  toast(t('tokens.revoked'));
  await loadTokens();
});

loadTokens();
