// The first `limit` of a stream in the order of a numeric key tuple, kept without building a value
// for a candidate that cannot enter: top shows a screenful of 100k sockets, so only the few that
// beat the worst kept one are decoded into objects.
export class BoundedSelection<T> {
  /** Write a candidate's key here (`width` numbers, smallest first in order), then ask `admits`. */
  readonly scratch: Float64Array;
  /** Candidates offered (every `admits` call). */
  offered = 0;
  private readonly stride: number;
  private readonly keys: Float64Array;
  private readonly values: (T | undefined)[];
  /** Slots as a max-heap by key: the worst kept at the root, the one a better candidate replaces. */
  private readonly heap: Int32Array;
  private size = 0;

  constructor(
    readonly limit: number,
    readonly width: number,
  ) {
    // One more number than the key: the arrival order, so that equal keys keep the first seen.
    this.stride = width + 1;
    this.scratch = new Float64Array(this.stride);
    this.keys = new Float64Array(Math.max(0, limit) * this.stride);
    this.values = new Array(Math.max(0, limit));
    this.heap = new Int32Array(Math.max(0, limit));
  }

  /** Whether the key in `scratch` enters the selection (then call `admit` with its value). */
  admits(): boolean {
    this.scratch[this.width] = this.offered++;
    if (this.size < this.limit) return true;
    return this.limit > 0 && this.compareScratch((this.heap[0] as number) * this.stride) < 0;
  }

  /** Keeps `value` under the key in `scratch`; only after `admits()` said yes. */
  admit(value: T): void {
    if (this.size < this.limit) {
      const slot = this.size;
      this.keys.set(this.scratch, slot * this.stride);
      this.values[slot] = value;
      this.heap[this.size] = slot;
      this.siftUp(this.size++);
      return;
    }
    const slot = this.heap[0] as number;
    this.keys.set(this.scratch, slot * this.stride);
    this.values[slot] = value;
    this.siftDown(0);
  }

  /** The kept values, best first. */
  sorted(): T[] {
    const slots = Array.from(this.heap.subarray(0, this.size));
    slots.sort((a, b) => this.compareSlots(a * this.stride, b * this.stride));
    return slots.map((s) => this.values[s] as T);
  }

  private compareScratch(at: number): number {
    for (let i = 0; i < this.stride; i++) {
      const d = (this.scratch[i] as number) - (this.keys[at + i] as number);
      if (d !== 0) return d;
    }
    return 0;
  }

  private compareSlots(a: number, b: number): number {
    for (let i = 0; i < this.stride; i++) {
      const d = (this.keys[a + i] as number) - (this.keys[b + i] as number);
      if (d !== 0) return d;
    }
    return 0;
  }

  private worse(i: number, j: number): boolean {
    return (
      this.compareSlots((this.heap[i] as number) * this.stride, (this.heap[j] as number) * this.stride) > 0
    );
  }

  private swap(i: number, j: number): void {
    const t = this.heap[i] as number;
    this.heap[i] = this.heap[j] as number;
    this.heap[j] = t;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.worse(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < this.size && this.worse(l, worst)) worst = l;
      if (r < this.size && this.worse(r, worst)) worst = r;
      if (worst === i) return;
      this.swap(i, worst);
      i = worst;
    }
  }
}
