// The projects list, each with its progress.
import { get } from '../api.js';
import { fmtNumber, fmtPercent, t } from '../i18n.js';
import { $, h, setBar } from '../ui.js';

const ROLE_KEYS = { manager: 'role.manager', reviewer: 'role.reviewer', annotator: 'role.annotator' };

function card(project) {
  const bar = h('div', { class: 'progress', 'aria-hidden': 'true' },
    h('span', { class: 'progress-done' }), h('span', { class: 'progress-part' }));
  const stats = h('p', { class: 'muted small', testid: 'project-stats' }, t('common.loading'));
  const role = project.my_role && ROLE_KEYS[project.my_role] ? t(ROLE_KEYS[project.my_role]) : '';
  const actions = h('div', { class: 'row' });
  if (project.my_role) {
    actions.append(h('a', { class: 'btn btn-primary btn-small', href: `/projects/${project.id}/annotate`, testid: 'project-annotate' }, t('project.start')));
  }
  if (project.my_role === 'reviewer' || project.my_role === 'manager') {
    actions.append(h('a', { class: 'btn btn-small', href: `/projects/${project.id}/review` }, t('project.open_review')));
  }
  const el = h('article', { class: 'card project-card', testid: 'project-card', dataset: { projectId: String(project.id) } },
    h('div', { class: 'card-head' },
      h('h2', {}, h('a', { href: `/projects/${project.id}`, dir: 'auto', testid: 'project-link' }, project.name)),
      role ? h('span', { class: 'role-tag' }, role) : null),
    project.description ? h('p', { class: 'muted clamp-2', dir: 'auto' }, project.description) : null,
    bar, stats, actions);
  get(`/projects/${project.id}/progress`, { quiet: true }).then((p) => {
    setBar($('.progress-done', bar), $('.progress-part', bar), p.complete, p.in_progress, p.items);
    stats.textContent = t('projects.stats', {
      complete: fmtNumber(p.complete), items: fmtNumber(p.items), pct: fmtPercent(p.complete, p.items),
      annotations: fmtNumber(p.annotations),
    });
  }).catch(() => { stats.textContent = ''; });
  return el;
}

async function start() {
  const list = $('[data-role="list"]');
  const projects = await get('/projects');
  const items = Array.isArray(projects) ? projects : projects.projects || [];
  list.replaceChildren(...items.map(card));
  list.removeAttribute('aria-busy');
  $('[data-role="empty"]').hidden = items.length > 0;
}

start().catch(() => { $('[data-role="loading"]')?.remove(); });
