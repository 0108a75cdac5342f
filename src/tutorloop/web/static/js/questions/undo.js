// Undo/redo for editors whose state is one JSON-able value (spans, shapes, tracks).
// Ctrl/⌘+Z undoes, Ctrl/⌘+Shift+Z or Ctrl+Y redoes; each editor calls push() after every change it makes.

const LIMIT = 200;

export class UndoStack {
  /** `apply(state)` puts a remembered state back into the editor. */
  constructor(initial, apply) {
    this.past = [];
    this.future = [];
    this.current = clone(initial);
    this.apply = apply;
  }

  /** Remember `state` as the newest; clears what could be redone. */
  push(state) {
    this.past.push(this.current);
    if (this.past.length > LIMIT) this.past.shift();
    this.current = clone(state);
    this.future = [];
  }

  /** Forget history (a new item, or a value set from outside). */
  reset(state) {
    this.past = [];
    this.future = [];
    this.current = clone(state);
  }

  undo() {
    if (!this.past.length) return false;
    this.future.push(this.current);
    this.current = this.past.pop();
    this.apply(clone(this.current));
    return true;
  }

  redo() {
    if (!this.future.length) return false;
    this.past.push(this.current);
    this.current = this.future.pop();
    this.apply(clone(this.current));
    return true;
  }

  /** Handle the undo/redo keys; true when the event was one of them. */
  handleKey(event) {
    if (!(event.ctrlKey || event.metaKey) || event.altKey) return false;
    const key = event.key.toLowerCase();
    if (key === 'z' && !event.shiftKey) { this.undo(); return true; }
    if ((key === 'z' && event.shiftKey) || key === 'y') { this.redo(); return true; }
    return false;
  }
}

function clone(value) {
  return value === undefined ? null : JSON.parse(JSON.stringify(value));
}
