// New project: paste or load a YAML/JSON schema and create the project; show where it is wrong.
import { post } from '../api.js';
import { t } from '../i18n.js';
import { $, busy, on, showErrorBox } from '../ui.js';

const form = $('form[data-form="new-project"]');
const textarea = form.elements.spec_text;
const errorBox = $('[data-role="error"]', form);

on(form, 'change', 'input[type="file"]', (event, input) => {
  const file = input.files && input.files[0];
  if (!file) return;
  $('[data-role="file-name"]', form).textContent = file.name;
  file.text().then((text) => { textarea.value = text; textarea.focus(); });
});

on(document, 'click', '[data-action="use-sample"]', () => {
  textarea.value = $('.code-sample').textContent;
  textarea.focus();
});

on(document, 'submit', 'form[data-form="new-project"]', async (event) => {
  event.preventDefault();
  showErrorBox(errorBox, null);
  if (!textarea.value.trim()) {
    showErrorBox(errorBox, { detail: t('newproject.empty') });
    textarea.focus();
    return;
  }
  try {
    const project = await busy($('button[type="submit"]', form),
      () => post('/projects', { spec_text: textarea.value }, { quiet: true }));
    location.assign(`/projects/${project.id}`);
  } catch (err) {
    showErrorBox(errorBox, err);
    errorBox.scrollIntoView({ block: 'nearest' });
    highlightLine(err);
  }
});

// "line 12" in the error: select that line in the editor
function highlightLine(err) {
  const match = /line (\d+)/i.exec(`${err.where || ''} ${err.detail || ''}`);
  if (!match) return;
  const lines = textarea.value.split('\n');
  const n = Math.min(Number(match[1]), lines.length) - 1;
  if (n < 0) return;
  const start = lines.slice(0, n).reduce((sum, line) => sum + line.length + 1, 0);
  textarea.focus();
  textarea.setSelectionRange(start, start + lines[n].length);
}

on(textarea, 'keydown', 'textarea', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); form.requestSubmit(); }
  if (event.key === 'Escape') textarea.blur();
});
