// One coarse hashed timer wheel for every deadline of a guard: one interval timer however many
// connections, O(1) schedule and cancel through links kept in the entries themselves.

/** The links an entry carries so that the wheel needs no allocation per entry. */
export interface WheelEntry {
  wheelNext: WheelEntry | null;
  wheelPrev: WheelEntry | null;
  /** Milliseconds on the wheel's clock (see nowMs) at which the entry is due. */
  due: number;
}

const SLOTS = 512;
const MASK = SLOTS - 1;

/** Monotonic milliseconds, small integers so that V8 keeps them unboxed. */
export function nowMs(): number {
  return Math.floor(performance.now());
}

function sentinel(): WheelEntry {
  const s: WheelEntry = { wheelNext: null, wheelPrev: null, due: 0 };
  s.wheelNext = s;
  s.wheelPrev = s;
  return s;
}

function unlink(e: WheelEntry): void {
  const prev = e.wheelPrev as WheelEntry;
  const next = e.wheelNext as WheelEntry;
  prev.wheelNext = next;
  next.wheelPrev = prev;
  e.wheelNext = null;
  e.wheelPrev = null;
}

function linkBefore(anchor: WheelEntry, e: WheelEntry): void {
  const prev = anchor.wheelPrev as WheelEntry;
  e.wheelPrev = prev;
  e.wheelNext = anchor;
  prev.wheelNext = e;
  anchor.wheelPrev = e;
}

export class TimerWheel<T extends WheelEntry> {
  readonly tickMs: number;
  #slots: WheelEntry[] = Array.from({ length: SLOTS }, sentinel);
  #pending: WheelEntry = sentinel();
  #cursor: number;
  #size = 0;
  #timer: NodeJS.Timeout | null = null;
  readonly #onDue: (entry: T, now: number) => void;
  readonly #onTick: ((now: number) => void) | null;

  /** onDue runs for each entry whose deadline passed; onTick, if given, once per tick before them. */
  constructor(tickMs: number, onDue: (entry: T, now: number) => void, onTick?: (now: number) => void) {
    this.tickMs = tickMs;
    this.#onDue = onDue;
    this.#onTick = onTick ?? null;
    this.#cursor = Math.floor(nowMs() / tickMs);
  }

  get size(): number {
    return this.#size;
  }

  /** Schedules (or moves) an entry; it fires on the first tick at or after `due`, never before. */
  schedule(entry: T, due: number): void {
    if (this.#timer === null) this.#start();
    if (entry.wheelNext !== null) unlink(entry);
    else this.#size++;
    entry.due = due;
    const tick = Math.max(Math.ceil(due / this.tickMs), this.#cursor + 1);
    linkBefore(this.#slots[tick & MASK] as WheelEntry, entry);
  }

  cancel(entry: T): void {
    if (entry.wheelNext === null) return;
    unlink(entry);
    this.#size--;
    if (this.#size === 0) this.stop();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  #start(): void {
    this.#cursor = Math.max(this.#cursor, Math.floor(nowMs() / this.tickMs) - 1);
    this.#timer = setInterval(() => this.#tick(), this.tickMs);
    this.#timer.unref();
  }

  #tick(): void {
    const now = nowMs();
    this.#onTick?.(now);
    const target = Math.floor(now / this.tickMs);
    // A blocked event loop skips ticks; a whole turn of the wheel covers every slot once.
    if (target - this.#cursor > SLOTS) this.#cursor = target - SLOTS;
    while (this.#cursor < target) {
      this.#cursor++;
      this.#runSlot(this.#slots[this.#cursor & MASK] as WheelEntry, now);
    }
  }

  #runSlot(slot: WheelEntry, now: number): void {
    if (slot.wheelNext === slot) return;
    // Detach the slot's list first: callbacks may reschedule or cancel any entry, this one included.
    const pending = this.#pending;
    pending.wheelNext = slot.wheelNext;
    pending.wheelPrev = slot.wheelPrev;
    (slot.wheelNext as WheelEntry).wheelPrev = pending;
    (slot.wheelPrev as WheelEntry).wheelNext = pending;
    slot.wheelNext = slot;
    slot.wheelPrev = slot;
    while (pending.wheelNext !== pending) {
      const entry = pending.wheelNext as WheelEntry;
      unlink(entry);
      if (entry.due > now) {
        linkBefore(slot, entry);
        continue;
      }
      this.#size--;
      this.#onDue(entry as T, now);
    }
    if (this.#size === 0) this.stop();
  }
}
