// A small, safe Markdown preview for the guidelines editor. It builds DOM nodes (never HTML strings),
// so nothing typed can run. The server's renderer stays the source of truth once saved.
import { h } from './ui.js';

const INLINE = /(\*\*([^*]+)\*\*|__([^_]+)__|\*([^*]+)\*|_([^_]+)_|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\))/;

function inline(text) {
  const out = [];
  let rest = text;
  while (rest) {
    const m = INLINE.exec(rest);
    if (!m) { out.push(rest); break; }
    if (m.index) out.push(rest.slice(0, m.index));
    if (m[2] || m[3]) out.push(h('strong', {}, inline(m[2] || m[3])));
    else if (m[4] || m[5]) out.push(h('em', {}, inline(m[4] || m[5])));
    else if (m[6]) out.push(h('code', {}, m[6]));
    else if (m[7]) {
      const safe = /^(https?:\/\/|mailto:|\/|#)/i.test(m[8]);
      out.push(safe ? h('a', { href: m[8], target: '_blank', rel: 'noopener noreferrer' }, inline(m[7])) : m[7]);
    }
    rest = rest.slice(m.index + m[0].length);
  }
  return out;
}

/** Render `source` into `container` (replacing its children). */
export function renderPreview(container, source) {
  container.replaceChildren();
  const lines = (source || '').replace(/\r\n?/g, '\n').split('\n');
  let list = null;
  let para = [];
  let code = null;
  const flush = () => {
    if (para.length) container.append(h('p', {}, inline(para.join(' '))));
    para = [];
  };
  for (const line of lines) {
    if (code) {
      if (/^```/.test(line)) { container.append(h('pre', {}, h('code', {}, code.join('\n')))); code = null; } else code.push(line);
      continue;
    }
    if (/^```/.test(line)) { flush(); list = null; code = []; continue; }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*+]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+[.)]\s+(.*)$/.exec(line);
    if (heading) {
      flush(); list = null;
      container.append(h(`h${Math.min(heading[1].length + 2, 6)}`, {}, inline(heading[2])));
    } else if (bullet || numbered) {
      flush();
      const tag = bullet ? 'ul' : 'ol';
      if (!list || list.tagName.toLowerCase() !== tag) { list = h(tag); container.append(list); }
      list.append(h('li', {}, inline((bullet || numbered)[1])));
    } else if (/^>\s?/.test(line)) {
      flush(); list = null;
      container.append(h('blockquote', {}, inline(line.replace(/^>\s?/, ''))));
    } else if (!line.trim()) {
      flush(); list = null;
    } else {
      list = null;
      para.push(line.trim());
    }
  }
  if (code) container.append(h('pre', {}, h('code', {}, code.join('\n'))));
  flush();
}
