// Showing answers compactly (history, review, item pages): label values become their label text.
import { h } from './ui.js';
import { t } from './i18n.js';
import { summaryOf } from './questions/index.js';

function labelText(question, value) {
  if (Array.isArray(question.labels)) {
    const label = question.labels.find((l) => (typeof l === 'object' && l !== null ? l.value : l) === value);
    if (label && typeof label === 'object') return label.text ?? String(value);
  }
  if (question.type === 'rating' && question.labels && !Array.isArray(question.labels)) {
    const name = question.labels[String(value)];
    if (name) return `${value} (${name})`;
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** One answer as text. */
export function answerText(question, value) {
  if (value === null || value === undefined) return '–';
  const summary = summaryOf(question, value);
  if (summary !== null) return summary;
  if (Array.isArray(value)) return value.length ? value.map((v) => labelText(question, v)).join(', ') : t('answers.none');
  return labelText(question, value);
}

/** A short one-line summary: "Sentiment: Positive · Quality: 4". */
export function summarise(spec, answers) {
  const questions = (spec && spec.questions) || [];
  return questions
    .filter((q) => answers && answers[q.name] !== undefined && answers[q.name] !== null)
    .map((q) => `${q.prompt || q.name}: ${answerText(q, answers[q.name])}`)
    .join(' · ');
}

/** A definition list of every question and its answer. */
export function answersList(spec, answers, testid) {
  const dl = h('dl', { class: 'answers', testid });
  for (const q of (spec && spec.questions) || []) {
    dl.append(h('dt', { dir: 'auto' }, q.prompt || q.name),
      h('dd', { dir: 'auto', dataset: { answer: q.name } }, answerText(q, answers ? answers[q.name] : null)));
  }
  return dl;
}

export function statusBadge(status) {
  const keys = {
    submitted: 'status.submitted', accepted: 'status.accepted', rejected: 'status.rejected', corrected: 'status.corrected',
  };
  return h('span', { class: `badge badge-${status}`, testid: 'status-badge', dataset: { status } }, keys[status] ? t(keys[status]) : status);
}

const METHOD_KEYS = {
  auto: 'method.auto', majority: 'method.majority', wawa: 'method.wawa', dawid_skene: 'method.dawid_skene',
  one_coin: 'method.one_coin', glad: 'method.glad', mace: 'method.mace', gold: 'method.gold', none: 'method.none',
};

/** How a consensus was reached, in words ("Dawid–Skene", "Gold answer", …); unknown names as they are. */
export function methodName(method) {
  if (!method) return '–';
  return METHOD_KEYS[method] ? t(METHOD_KEYS[method]) : method;
}
