// "Back": the list of one's own submissions in a project, to open one and edit it.
import { get } from './api.js';
import { statusBadge, summarise } from './answers.js';
import { fmtRelative, t } from './i18n.js';
import { $, h, on } from './ui.js';

const PAGE = 20;
const FINAL = new Set(['accepted', 'corrected']); // reviewed for good: no longer editable

export class History {
  constructor(root, { pid, spec, onOpen, onClose }) {
    this.root = root;
    this.pid = pid;
    this.spec = spec;
    this.onOpen = onOpen;
    this.onClose = onClose;
    this.panel = $('[data-role="history"]', root);
    this.rows = $('[data-role="history-rows"]', root);
    this.more = $('[data-action="history-more"]', root);
    this.after = null;
    this.annotations = new Map();
    this.refs = new Map(); // item id → Promise of its external id
    on(this.panel, 'click', '[data-annotation-id]', (event, row) => this.open_(Number(row.dataset.annotationId)));
    on(this.panel, 'click', '[data-action="return"]', () => this.close());
    on(this.panel, 'click', '[data-action="history-more"]', () => this.load(false));
  }

  get isOpen() { return !this.panel.hidden; }

  async open() {
    this.panel.hidden = false;
    await this.load(true);
    (this.rows.querySelector('button') || $('[data-action="return"]', this.panel)).focus();
  }

  close() {
    if (this.panel.hidden) return;
    this.panel.hidden = true;
    this.onClose();
  }

  async load(reset) {
    if (reset) {
      this.after = null;
      this.annotations.clear();
      this.rows.replaceChildren(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, t('common.loading'))));
    }
    const data = await get(`/projects/${this.pid}/annotations`, { query: { mine: 'true', limit: PAGE, after: this.after } });
    if (reset) this.rows.replaceChildren();
    for (const annotation of data.annotations || []) {
      this.annotations.set(annotation.id, annotation);
      this.rows.append(this.row(annotation));
    }
    this.after = data.next_after ?? null;
    this.more.hidden = this.after === null;
    $('[data-role="history-empty"]', this.root).hidden = this.annotations.size > 0;
  }

  row(annotation) {
    const spec = this.spec();
    const reason = annotation.review && annotation.review.decision === 'reject' && annotation.review.reason;
    const ref = h('td', { dir: 'auto', class: 'nowrap' }, `#${annotation.item_id}`);
    this.itemRef(annotation.item_id).then((text) => { if (text) ref.textContent = text; });
    return h('tr', { testid: 'history-row', dataset: { itemId: String(annotation.item_id) } },
      ref,
      h('td', { class: 'cell-answers', dir: 'auto', title: summarise(spec, annotation.answers) },
        summarise(spec, annotation.answers),
        reason ? h('div', { class: 'reject-reason small', dir: 'auto' }, t('annotate.rejected_note', { reason })) : null),
      h('td', {}, statusBadge(annotation.status)),
      h('td', { class: 'nowrap muted small' }, fmtRelative(annotation.updated_at || annotation.created_at)),
      h('td', { class: 'actions' }, FINAL.has(annotation.status)
        ? h('span', { class: 'muted small', testid: 'history-final' }, t('history.final'))
        : h('button', {
          type: 'button', class: 'btn btn-small', testid: 'history-edit', dataset: { annotationId: String(annotation.id) },
        }, t('history.edit'))));
  }

  /** The item's external id (fetched once per item, quietly: the number is a fine fallback). */
  itemRef(itemId) {
    if (!this.refs.has(itemId)) {
      this.refs.set(itemId, get(`/projects/${this.pid}/items/${itemId}`, { quiet: true })
        .then((item) => item.external_id).catch(() => null));
    }
    return this.refs.get(itemId);
  }

  async open_(id) {
    const annotation = this.annotations.get(id);
    if (annotation) await this.onOpen(annotation);
  }
}

