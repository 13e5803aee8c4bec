// Resource pressure: as descriptors or heap run out, idleTimeout shrinks (down to minScale of
// itself), so that idle connections make room before new ones are refused.
import { getHeapStatistics } from "node:v8";
import { type PressureScaleConfig, pressureScale } from "../pressure/scale.js";
import { countOpenFds } from "../proc/fd-count.js";
import { readOpenFilesLimit } from "../proc/limits.js";
import { parseOpenFilesLimit } from "../proc/parse.js";

export { pressureScale } from "../pressure/scale.js";
export type PressureConfig = PressureScaleConfig;

/** The soft limit on open files from /proc/self/limits text, or Infinity when unknown or unlimited. */
export function openFileLimit(limitsText: string): number {
  return softLimit(parseOpenFilesLimit(limitsText)?.soft);
}

const softLimit = (n: number | undefined): number =>
  n !== undefined && n > 0 ? n : Number.POSITIVE_INFINITY;

/** Usage (0..1) of this process's descriptors or heap, whichever is higher. */
export function sampleUsage(): number {
  const heap = getHeapStatistics();
  const heapUsage = heap.used_heap_size / heap.heap_size_limit;
  const limit = softLimit(readOpenFilesLimit("self")?.soft);
  const fdUsage = (countOpenFds("self") ?? 0) / limit;
  return Math.max(heapUsage, fdUsage);
}

/** Samples at most once per `everyMs` and keeps the current scale. */
export class PressureGauge {
  scale = 1;
  usage = 0;
  #sampledAt = Number.NEGATIVE_INFINITY;
  readonly #cfg: PressureConfig;
  readonly #sample: () => number;
  readonly #everyMs: number;

  constructor(cfg: PressureConfig, sample: () => number = sampleUsage, everyMs = 1000) {
    this.#cfg = cfg;
    this.#sample = sample;
    this.#everyMs = everyMs;
  }

  /** Returns true when the scale changed. */
  update(now: number): boolean {
    if (now - this.#sampledAt < this.#everyMs) return false;
    this.#sampledAt = now;
    this.usage = this.#sample();
    const next = pressureScale(this.usage, this.#cfg);
    const changed = next !== this.scale;
    this.scale = next;
    return changed;
  }
}
