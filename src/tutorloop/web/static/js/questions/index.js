// The question registry: question `type` → module with render(container, question, value, onChange, ctx)
// and optionally summary(question, value) → short text for lists. A new type is one file plus one line here.
//
// ctx = { item, spec, pid, fieldSlot(name), prediction, readOnly }: a question that annotates a field
// (question.field: the text of spans, the image of boxes, the video of tracks) draws its work surface
// into fieldSlot(question.field), the place where that field is shown, and its controls into `container`.
// `prediction` is the model's pre-annotation ({value, score}) for this question, if any.
//
// The widget returned: {getValue, setValue, isEmpty, focus, hotkeys: Map(key → action),
// onKey?(event) → true when handled (runs before the page's own keys; may use Ctrl/Meta, arrows, Delete),
// destroy?() (called before the widget is replaced)}.
import { h } from '../ui.js';
import { t } from '../i18n.js';
import * as singleLabel from './single-label.js';
import * as multiLabel from './multi-label.js';
import * as rating from './rating.js';
import * as freeText from './free-text.js';
import * as spans from './spans.js';
import * as boxes from './boxes.js';
import * as polygons from './polygons.js';
import * as keypoints from './keypoints.js';
import * as masks from './masks.js';
import * as videoTracks from './video-tracks.js';
import * as videoSegments from './video-segments.js';
import * as pairwise from './pairwise.js';
import * as ranking from './ranking.js';
import * as rubric from './rubric.js';
import * as flags from './flags.js';
import * as write from './write.js';
import * as rewrite from './rewrite.js';
import * as errorSpans from './error-spans.js';

export const registry = {
  single_label: singleLabel,
  multi_label: multiLabel,
  rating,
  free_text: freeText,
  spans,
  boxes,
  polygons,
  keypoints,
  masks,
  video_tracks: videoTracks,
  video_segments: videoSegments,
  pairwise,
  ranking,
  rubric,
  flags,
  write,
  rewrite,
  error_spans: errorSpans,
};

/** A short text for an answer of a structured type ("3 spans: PER ×2, LOC"), or null for plain types. */
export function summaryOf(question, value) {
  const module = registry[question.type];
  return module && typeof module.summary === 'function' ? module.summary(question, value) : null;
}

/**
 * Render one question with its prompt and error slot into `container`.
 * Returns the widget ({getValue, setValue, hotkeys, isEmpty, focus}) plus {element, showError(msg)}.
 */
export function renderQuestion(container, question, value, onChange, index = 0, ctx = {}) {
  const module = registry[question.type];
  const required = Boolean(question.required);
  const promptId = `tl-q-${question.name}`;
  const element = h('fieldset', {
    class: 'question',
    dataset: { question: question.name, index: String(index) },
    testid: `question-${question.name}`,
    'aria-labelledby': promptId,
  });
  const legend = h('div', { class: 'question-head' },
    h('span', { class: 'question-index', 'aria-hidden': 'true' }, String(index + 1)),
    h('h3', { class: 'question-prompt', id: promptId, dir: 'auto' }, question.prompt || question.name),
    required ? h('span', { class: 'required', title: t('question.required') }, t('question.required_mark')) : null);
  element.append(legend);
  if (question.help) element.append(h('p', { class: 'question-help muted small', dir: 'auto' }, question.help));
  const body = h('div', { class: 'question-body' });
  const error = h('p', { class: 'question-error', role: 'alert', hidden: true, dir: 'auto', testid: `question-error-${question.name}` });
  element.append(body, error);
  container.append(element);

  let widget;
  if (module) {
    const context = {
      item: null, spec: null, pid: null, readOnly: false, ...ctx,
      fieldSlot: ctx.fieldSlot || (() => null),
      prediction: ctx.item && ctx.item.predictions ? ctx.item.predictions[question.name] ?? null : null,
    };
    widget = module.render(body, question, value, onChange, context);
  } else {
    body.append(h('p', { class: 'muted' }, t('question.unsupported', { type: question.type })));
    widget = { hotkeys: new Map(), getValue: () => value ?? null, setValue() {}, isEmpty: () => true, focus() {} };
  }
  return {
    ...widget,
    element,
    question,
    showError(message) {
      error.textContent = message || '';
      error.hidden = !message;
      element.classList.toggle('has-error', Boolean(message));
    },
  };
}
