// Sign in: post the form as JSON, then go where the person was heading.
import { post } from '../api.js';
import { t } from '../i18n.js';
import { $, busy, on, page } from '../ui.js';

function safeNext(target) {
  if (!target || !target.startsWith('/') || target.startsWith('//') || target.includes('\\')) return '/';
  return target;
}

on(document, 'submit', 'form[data-form="login"]', async (event, form) => {
  event.preventDefault();
  const error = $('[data-role="error"]', form);
  error.hidden = true;
  const username = form.elements.username.value.trim();
  const password = form.elements.password.value;
  if (!username || !password) {
    error.textContent = t('login.missing');
    error.hidden = false;
    (username ? form.elements.password : form.elements.username).focus();
    return;
  }
  try {
    await busy($('button[type="submit"]', form), () => post('/auth/login', { username, password }, { quiet: true, noRedirect: true }));
    location.assign(safeNext(page.next));
  } catch (err) {
    error.textContent = err.status === 401 || err.status === 403 ? t('login.failed') : `${err.title}: ${err.detail}`;
    error.hidden = false;
    form.elements.password.select();
  }
});
