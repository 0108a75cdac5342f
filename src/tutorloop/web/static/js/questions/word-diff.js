// A word-level diff for showing a rewrite live (the server computes the stored one itself). Texts are cut
// into words, white-space runs and single other characters, so the parts join back into the texts.

const TOKEN = /[\p{L}\p{N}\p{M}_]+|\s+|[^\p{L}\p{N}\p{M}_\s]/gu;
// Above this many cells the middle part is shown as one replacement rather than aligned word by word.
const MAX_CELLS = 1_000_000;

/** The diff tokens of `text`; joining them gives `text`. */
export function tokens(text) {
  return text.match(TOKEN) || [];
}

/**
 * [[op, original part, rewritten part], …] with op equal | replace | insert | delete, neighbours merged.
 * The common start and end are cut off first (a typical edit touches one place), then the rest is aligned
 * by a longest common subsequence of tokens.
 */
export function wordDiff(original, rewrite) {
  const a = tokens(original);
  const b = tokens(rewrite);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head += 1;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail += 1;
  const ops = [];
  const push = (op, x, y) => {
    const last = ops[ops.length - 1];
    if (last && last[0] === op) { last[1] += x; last[2] += y; } else ops.push([op, x, y]);
  };
  if (head) push('equal', a.slice(0, head).join(''), a.slice(0, head).join(''));
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  for (const [op, x, y] of alignMiddle(midA, midB)) push(op, x, y);
  if (tail) push('equal', a.slice(a.length - tail).join(''), a.slice(a.length - tail).join(''));
  return mergeReplacements(ops);
}

function alignMiddle(a, b) {
  if (!a.length && !b.length) return [];
  if (!a.length) return [['insert', '', b.join('')]];
  if (!b.length) return [['delete', a.join(''), '']];
  if (a.length * b.length > MAX_CELLS) return [['replace', a.join(''), b.join('')]];
  const n = a.length;
  const m = b.length;
  // lengths of the longest common subsequence of a[i:] and b[j:], one row of m+1 per i
  const table = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      const at = i * (m + 1) + j;
      table[at] = a[i] === b[j] ? table[at + m + 2] + 1 : Math.max(table[at + m + 1], table[at + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) { out.push(['equal', a[i], b[j]]); i += 1; j += 1; } else if (table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1]) {
      out.push(['delete', a[i], '']); i += 1;
    } else { out.push(['insert', '', b[j]]); j += 1; }
  }
  while (i < n) { out.push(['delete', a[i], '']); i += 1; }
  while (j < m) { out.push(['insert', '', b[j]]); j += 1; }
  return out;
}

/** Neighbouring delete + insert become one replace; same ops are joined. */
function mergeReplacements(ops) {
  const out = [];
  for (const [op, x, y] of ops) {
    const last = out[out.length - 1];
    if (last && last[0] === op) { last[1] += x; last[2] += y; continue; }
    if (last && ((last[0] === 'delete' && op === 'insert') || (last[0] === 'insert' && op === 'delete')
      || (last[0] === 'replace' && op !== 'equal'))) {
      last[0] = 'replace'; last[1] += x; last[2] += y; continue;
    }
    out.push([op, x, y]);
  }
  return out;
}
