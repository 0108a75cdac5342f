// Candidate responses of a chat item: the order one person sees them in, and their letters (A, B, …).
// The order is shuffled per person and item (the same on every reload), so position bias can be measured
// and removed; questions that compare responses record the order they showed.

/** A 32-bit FNV-1a hash of a string. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The response ids in the order person `userId` sees them on item `itemId` (a seeded Fisher–Yates shuffle). */
export function displayOrder(itemId, userId, ids) {
  const order = [...ids];
  let state = hash(`${itemId}:${userId}`) || 1;
  for (let i = order.length - 1; i > 0; i -= 1) {
    state ^= state << 13; state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5; state >>>= 0;
    const j = state % (i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** "A", "B", … for positions 0, 1, …. */
export const letter = (index) => String.fromCharCode(65 + index);

/** The responses of `item` in display order for `userId`: [{id, model, content, html, letter}]. */
export function shownResponses(item, fieldName, userId) {
  const list = (item && item.data && Array.isArray(item.data[fieldName])) ? item.data[fieldName] : [];
  const rendered = item && item.rendered ? item.rendered[fieldName] : null;
  const byId = new Map(list.map((r, i) => [r.id, { ...r, html: Array.isArray(rendered) ? rendered[i] : null }]));
  return displayOrder(item ? item.id : 0, userId ?? 0, list.map((r) => r.id))
    .map((id, i) => ({ ...byId.get(id), letter: letter(i) }));
}
