// Code-point offsets (what the server stores: Python str indices) ⇄ UTF-16 indices (what JavaScript strings
// and DOM ranges use), and snapping a selection to whole words or whole characters with Intl.Segmenter.
// An emoji outside the BMP is one code point but two UTF-16 units; everything else is one of each.

const ASTRAL = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;
const PAD = 96; // UTF-16 units segmented around a boundary; grown when a word reaches the window's edge

/** The number of code points in `text`. */
export function codePointLength(text) {
  let n = text.length;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) { n -= 1; i += 1; }
    }
  }
  return n;
}

/** Converts between the two offset kinds of one text in O(log k) (k = astral characters in it). */
export class TextIndex {
  constructor(text) {
    this.text = text;
    // UTF-16 positions of the astral characters, in order; most texts have none and convert for free
    this.astral = [];
    for (const m of text.matchAll(ASTRAL)) this.astral.push(m.index);
    this.length = text.length - this.astral.length;
  }

  /** UTF-16 index of code-point offset `cp` (clamped to the text). */
  toUtf16(cp) {
    const c = Math.max(0, Math.min(cp, this.length));
    if (!this.astral.length) return c;
    // astral[i] sits at code point astral[i] - i; count those before `c`
    let lo = 0;
    let hi = this.astral.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.astral[mid] - mid < c) lo = mid + 1; else hi = mid;
    }
    return c + lo;
  }

  /** Code-point offset of UTF-16 index `u` (an index inside a surrogate pair counts as before it). */
  toCodePoint(u) {
    const v = Math.max(0, Math.min(u, this.text.length));
    if (!this.astral.length) return v;
    let lo = 0;
    let hi = this.astral.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.astral[mid] < v) lo = mid + 1; else hi = mid;
    }
    return v - lo;
  }

  /** The text between two code-point offsets. */
  slice(start, end) {
    return this.text.slice(this.toUtf16(start), this.toUtf16(end));
  }
}

const segmenters = new Map();
function segmenter(granularity) {
  if (!segmenters.has(granularity)) segmenters.set(granularity, new Intl.Segmenter(undefined, { granularity }));
  return segmenters.get(granularity);
}

/** Segments of text[from−pad, to+pad) as [{start, end, word}] in UTF-16 indices of the whole text. */
function segmentsAround(text, from, to, granularity, pad = PAD) {
  let a = Math.max(0, from - pad);
  const b = Math.min(text.length, to + pad);
  if (a > 0 && /[\uDC00-\uDFFF]/.test(text[a])) a -= 1;
  const out = [];
  for (const s of segmenter(granularity).segment(text.slice(a, b))) {
    out.push({ start: a + s.index, end: a + s.index + s.segment.length, word: s.isWordLike !== false });
  }
  // a segment touching a cut edge may be a piece of a longer one: look again with a wider window
  const cut = (out.length && out[0].start === a && a > 0 && out[0].end > from)
    || (out.length && out[out.length - 1].end === b && b < text.length && out[out.length - 1].start < to);
  return cut && pad < text.length ? segmentsAround(text, from, to, granularity, pad * 4) : out;
}

function containing(segments, pos) {
  return segments.find((s) => s.start <= pos && pos < s.end) || null;
}

/**
 * Snap a selection [start, end) of `text` (UTF-16 indices) and trim the white space around it.
 * mode 'token' grows it to whole words; 'char' only to whole characters (a letter with its marks, an emoji
 * with its modifiers). Returns [start, end] or null when nothing but white space was selected.
 */
export function snapSelection(text, start, end, mode = 'token') {
  let a = Math.max(0, Math.min(start, end));
  let b = Math.min(text.length, Math.max(start, end));
  while (a < b && /\s/.test(text[a])) a += 1;
  while (b > a && /\s/.test(text[b - 1])) b -= 1;
  if (a >= b) return null;
  const segments = segmentsAround(text, a, b, mode === 'char' ? 'grapheme' : 'word');
  const first = containing(segments, a);
  const last = containing(segments, b - 1);
  if (first && (mode === 'char' || first.word)) a = first.start;
  if (last && (mode === 'char' || last.word)) b = last.end;
  while (a < b && /\s/.test(text[a])) a += 1;
  while (b > a && /\s/.test(text[b - 1])) b -= 1;
  return a < b ? [a, b] : null;
}

/**
 * The next place to move a span's edge to, one word (token mode) or one character further in `direction`
 * (+1 towards the end of the text, −1 towards its start). `edge` is 'start' or 'end': a start lands on the
 * start of a word, an end on the end of one. Returns `pos` itself when there is nowhere to go.
 */
export function stepBoundary(text, pos, direction, edge, mode = 'token') {
  const granularity = mode === 'char' ? 'grapheme' : 'word';
  const from = direction > 0 ? pos : Math.max(0, pos - 1);
  const segments = segmentsAround(text, from, from + 1, granularity);
  const usable = segments.filter((s) => mode === 'char' || (s.word && /\S/.test(text.slice(s.start, s.end))));
  const edges = usable.map((s) => (edge === 'start' ? s.start : s.end));
  if (direction > 0) {
    const next = edges.find((e) => e > pos);
    return next === undefined ? pos : next;
  }
  const before = edges.filter((e) => e < pos);
  return before.length ? before[before.length - 1] : pos;
}
