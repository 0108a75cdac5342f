// The answer of a spans question as data: normalising what the server or a draft holds, ids, overlap and
// relation rules, and the model's suggestions. No DOM here; spans.js draws it.
import { TextIndex } from './text-offsets.js';

const PALETTE = ['#e4572e', '#2e86ab', '#3b9b4a', '#8e5cc4', '#e0a100', '#d1477a', '#17a2a8', '#8c6d46'];

/** The question's labels as [{value, text, hotkey, color}]. */
export function spanLabels(question) {
  return (question.labels || []).map((label, i) => {
    const l = typeof label === 'object' && label !== null ? label : { value: label };
    return {
      value: String(l.value),
      text: l.text || String(l.value),
      hotkey: l.hotkey ? String(l.hotkey).toLowerCase() : '',
      color: /^#[0-9a-f]{6}$/i.test(l.color || '') ? l.color.toLowerCase() : PALETTE[i % PALETTE.length],
    };
  });
}

/** The question's relation kinds as [{value, text, from: [labels], to: [labels]}]. */
export function relationKinds(question) {
  return (question.relations || []).map((r) => ({
    value: String(r.value), text: r.text || String(r.value), from: r.from || [], to: r.to || [],
  }));
}

/** {spans, relations} from a stored answer, a draft or a bare list of spans (the shorthand). */
export function normalise(value) {
  if (Array.isArray(value)) return { spans: value, relations: [] };
  if (value && typeof value === 'object') {
    return { spans: Array.isArray(value.spans) ? value.spans : [], relations: Array.isArray(value.relations) ? value.relations : [] };
  }
  return { spans: [], relations: [] };
}

export const keyOf = (span) => `${span.start}:${span.end}:${span.label}`;
export const byPosition = (a, b) => a.start - b.start || a.end - b.end || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);

/** The editable state of one item's answer and the rules a change must keep. */
export class SpanModel {
  constructor(text, question) {
    this.text = text;
    this.index = new TextIndex(text);
    this.question = question;
    this.kinds = relationKinds(question);
    this.spans = [];
    this.relations = [];
    this.dismissed = new Set(); // suggestion ids the annotator rejected
    this.suggested = [];
    this.suggestedRelations = [];
  }

  /** Load an answer (drops spans outside the text and relations to unknown spans). */
  load(value) {
    const { spans, relations } = normalise(value);
    this.spans = spans
      .filter((s) => s && Number.isInteger(s.start) && Number.isInteger(s.end) && s.start < s.end && s.end <= this.index.length)
      .map((s) => ({
        id: typeof s.id === 'string' ? s.id : '', start: s.start, end: s.end, label: String(s.label),
        text: this.index.slice(s.start, s.end), attributes: { ...(s.attributes || {}) },
      }));
    const seen = new Set();
    const fresh = this.ids(new Set(this.spans.map((s) => s.id)));
    for (const span of this.spans) {
      if (!span.id || seen.has(span.id)) span.id = fresh.next().value;
      seen.add(span.id);
    }
    this.spans.sort(byPosition);
    this.relations = relations.filter((r) => r && seen.has(r.from) && seen.has(r.to)).map((r) => ({ from: r.from, to: r.to, label: r.label }));
    this.dismissed = new Set();
  }

  /** The model's pre-annotation ({value, score}); shown as suggestions until accepted or rejected. */
  setPrediction(prediction) {
    const { spans, relations } = normalise(prediction && prediction.value);
    this.suggested = spans
      .filter((s) => Number.isInteger(s.start) && Number.isInteger(s.end) && s.start < s.end && s.end <= this.index.length)
      .map((s, i) => ({
        id: String(s.id ?? i + 1), start: s.start, end: s.end, label: String(s.label),
        text: this.index.slice(s.start, s.end), attributes: { ...(s.attributes || {}) },
      }))
      .sort(byPosition);
    this.suggestedRelations = relations;
  }

  snapshot() {
    return { spans: this.spans, relations: this.relations, dismissed: Array.from(this.dismissed) };
  }

  restore(state) {
    this.spans = state.spans;
    this.relations = state.relations;
    this.dismissed = new Set(state.dismissed || []);
  }

  value() {
    return {
      spans: this.spans.map((s) => ({ id: s.id, start: s.start, end: s.end, label: s.label, text: s.text, attributes: s.attributes })),
      relations: this.relations.map((r) => ({ from: r.from, to: r.to, label: r.label })),
    };
  }

  span(id) {
    return this.spans.find((s) => s.id === id) || null;
  }

  newId(taken = new Set(this.spans.map((s) => s.id))) {
    return this.ids(taken).next().value;
  }

  /** Fresh ids "s<n>" after the highest one in use; each one given is added to `taken`. */
  *ids(taken) {
    let n = 1;
    for (const id of taken) {
      const m = /^s(\d+)$/.exec(id);
      if (m) n = Math.max(n, Number(m[1]) + 1);
    }
    for (;;) {
      while (taken.has(`s${n}`)) n += 1;
      taken.add(`s${n}`);
      yield `s${n}`;
    }
  }

  /** Suggestions not yet accepted (no span with the same start, end and label) nor rejected. */
  suggestions() {
    const memo = this.memo;
    if (memo && memo.spans === this.spans && memo.dismissed === this.dismissed && memo.size === this.dismissed.size) return memo.list;
    const have = new Set(this.spans.map(keyOf));
    const list = this.suggested.filter((s) => !this.dismissed.has(s.id) && !have.has(keyOf(s)));
    this.memo = { spans: this.spans, dismissed: this.dismissed, size: this.dismissed.size, list };
    return list;
  }

  suggestion(id) {
    return this.suggested.find((s) => s.id === id) || null;
  }

  /** Why a span [start, end) labelled `label` cannot be added (a reason key and the span in the way), or null. */
  conflict(start, end, label, ignore = null) {
    let hit = null;
    for (const s of this.spans) {
      if (s.id === ignore) continue;
      if (s.start === start && s.end === end && s.label === label) return { reason: 'spans.exists', span: s };
      if (!hit && s.start < end && start < s.end) hit = s;
    }
    if (hit && !this.question.allow_overlap) return { reason: 'spans.overlaps', span: hit };
    if (!ignore && this.question.max && this.spans.length >= this.question.max) return { reason: 'spans.too_many', span: null };
    return null;
  }

  /** Add a span (no checks; see conflict()); returns it. */
  add(start, end, label, attributes = {}) {
    const span = { id: this.newId(), start, end, label, text: this.index.slice(start, end), attributes: { ...attributes } };
    this.spans = [...this.spans, span].sort(byPosition);
    return span;
  }

  remove(id) {
    this.spans = this.spans.filter((s) => s.id !== id);
    this.relations = this.relations.filter((r) => r.from !== id && r.to !== id);
  }

  /** Change a span's label or boundaries; relations its new label no longer allows are dropped. */
  update(id, changes) {
    this.spans = this.spans.map((s) => {
      if (s.id !== id) return s;
      const next = { ...s, ...changes };
      next.text = this.index.slice(next.start, next.end);
      if (changes.label && changes.label !== s.label) {
        const kept = (this.question.attributes || [])
          .filter((a) => !a.labels || !a.labels.length || a.labels.includes(changes.label)).map((a) => a.name);
        next.attributes = Object.fromEntries(Object.entries(s.attributes).filter(([name]) => kept.includes(name)));
      }
      return next;
    }).sort(byPosition);
    this.relations = this.relations.filter((r) => this.kindAllows(r.label, this.span(r.from), this.span(r.to)));
  }

  kindAllows(kindValue, from, to) {
    const kind = this.kinds.find((k) => k.value === kindValue);
    return Boolean(kind && from && to && (!kind.from.length || kind.from.includes(from.label))
      && (!kind.to.length || kind.to.includes(to.label)));
  }

  /** Relation kinds that may go from span `from` to span `to` and are not drawn yet. */
  kindsBetween(from, to) {
    if (!from || !to || from.id === to.id) return [];
    return this.kinds.filter((k) => this.kindAllows(k.value, from, to)
      && !this.relations.some((r) => r.from === from.id && r.to === to.id && r.label === k.value));
  }

  addRelation(from, to, label) {
    this.relations = [...this.relations, { from, to, label }];
  }

  removeRelation(index) {
    this.relations = this.relations.filter((_, i) => i !== index);
  }

  /**
   * Turn suggestions into spans (those that fit: no overlap where it is not allowed), then add the
   * suggested relations whose two ends are now spans. Returns {added: [spans], skipped: n}.
   */
  accept(suggestions) {
    const added = [];
    let skipped = 0;
    const ids = this.ids(new Set(this.spans.map((s) => s.id)));
    this.spans = [...this.spans];
    for (const s of suggestions) {
      if (this.conflict(s.start, s.end, s.label)) { skipped += 1; continue; }
      const span = { id: ids.next().value, start: s.start, end: s.end, label: s.label, text: s.text, attributes: { ...s.attributes } };
      this.spans.push(span); // sorted once below; conflict() does not need the order
      added.push(span);
    }
    this.spans.sort(byPosition);
    const real = new Map(this.spans.map((s) => [keyOf(s), s.id]));
    const idOf = new Map(this.suggested.map((s) => [s.id, real.get(keyOf(s))]));
    for (const r of this.suggestedRelations) {
      const from = idOf.get(r.from);
      const to = idOf.get(r.to);
      if (from && to && this.kindsBetween(this.span(from), this.span(to)).some((k) => k.value === r.label)) {
        this.addRelation(from, to, r.label);
      }
    }
    return { added, skipped };
  }
}
