// Every page: language switcher, sign out, dismissing the error banner.
import { clearError, patch, post } from './api.js';
import { on, page } from './ui.js';

const YEAR = 365 * 24 * 3600;

async function switchLanguage(code) {
  document.cookie = `tl_lang=${encodeURIComponent(code)}; path=/; max-age=${YEAR}; samesite=lax`;
  if (page.user) {
    try { await patch('/users/me', { locale: code }); } catch { /* the cookie still applies */ }
  }
  location.reload();
}

on(document, 'click', '[data-lang]', (event, button) => {
  event.preventDefault();
  if (button.getAttribute('aria-pressed') === 'true') return;
  switchLanguage(button.dataset.lang);
});

on(document, 'click', '[data-action="logout"]', async (event) => {
  event.preventDefault();
  try { await post('/auth/logout', {}, { noRedirect: true, quiet: true }); } catch { /* signed out anyway */ }
  location.assign('/login');
});

on(document, 'click', '[data-action="dismiss-error"]', () => clearError());

