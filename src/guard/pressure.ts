// Resource pressure: as descriptors or heap run out, idleTimeout shrinks (down to minScale of
// itself), so that idle connections make room before new ones are refused.
import { readdirSync, readFileSync } from "node:fs";
import { getHeapStatistics } from "node:v8";

export interface PressureConfig {
  readonly scaleAt: number;
  readonly saturateAt: number;
  readonly minScale: number;
}

/** The factor for idleTimeout at a usage between 0 and 1: 1 below scaleAt, minScale from saturateAt. */
export function pressureScale(usage: number, cfg: PressureConfig): number {
  if (usage <= cfg.scaleAt) return 1;
  if (usage >= cfg.saturateAt) return cfg.minScale;
  const f = (usage - cfg.scaleAt) / (cfg.saturateAt - cfg.scaleAt);
  return 1 - (1 - cfg.minScale) * f;
}

/** The soft limit on open files from /proc/self/limits, or Infinity when it cannot be read. */
export function openFileLimit(limitsText: string): number {
  const line = limitsText.split("\n").find((l) => l.startsWith("Max open files"));
  const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
  const n = Number(soft);
  return Number.isFinite(n) && n > 0 ? n : Number.POSITIVE_INFINITY;
}

/** Usage (0..1) of this process's descriptors or heap, whichever is higher. */
export function sampleUsage(): number {
  const heap = getHeapStatistics();
  const heapUsage = heap.used_heap_size / heap.heap_size_limit;
  let fdUsage = 0;
  try {
    const limit = openFileLimit(readFileSync("/proc/self/limits", "utf8"));
    fdUsage = readdirSync("/proc/self/fd").length / limit;
  } catch {}
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
