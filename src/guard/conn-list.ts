// Every connection a guard tracks, least recently active first: drain walks it, and saturation takes
// its victim from the head. Links live in the connection state, so the list allocates nothing.
import type { ConnState } from "./conn-state.js";

export class ConnList {
  #head: ConnState | null = null;
  #tail: ConnState | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  /** The least recently active connection, or null. */
  get head(): ConnState | null {
    return this.#head;
  }

  push(s: ConnState): void {
    s.listPrev = this.#tail;
    s.listNext = null;
    if (this.#tail) this.#tail.listNext = s;
    else this.#head = s;
    this.#tail = s;
    this.#size++;
  }

  /** Returns false when the connection was not in the list. */
  remove(s: ConnState): boolean {
    if (s.listPrev) s.listPrev.listNext = s.listNext;
    else if (this.#head === s) this.#head = s.listNext;
    else return false;
    if (s.listNext) s.listNext.listPrev = s.listPrev;
    else this.#tail = s.listPrev;
    s.listNext = null;
    s.listPrev = null;
    this.#size--;
    return true;
  }

  /** Moves a connection to the most-recently-active end. */
  touch(s: ConnState): void {
    if (this.#tail === s) return;
    this.remove(s);
    this.push(s);
  }

  toArray(): ConnState[] {
    const out: ConnState[] = [];
    for (let s = this.#head; s; s = s.listNext) out.push(s);
    return out;
  }
}
