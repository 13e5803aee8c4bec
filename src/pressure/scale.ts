// Shrinks idle thresholds as resources run out (like Envoy's reduce_timeouts): factor 1 below
// `scaleAt`, `minScale` from `saturateAt` on, linear in between. The one formula the daemon (driven
// by the most used watched resource of a namespace) and guard() (by its process's usage) both use.
import { type PressureReading, RESOURCES, type Resource } from "./netns-pressure.js";

export interface PressureScaleConfig {
  /** Usage (0..1) from which thresholds shrink. */
  readonly scaleAt: number;
  /** Usage at which thresholds reach `minScale`. */
  readonly saturateAt: number;
  /** The smallest factor, (0..1]. */
  readonly minScale: number;
}

export interface PressureSettings extends PressureScaleConfig {
  /** The resources whose readings drive the scale. */
  readonly resources: readonly Resource[];
}

/** The defaults the policy schema and guard() read. */
export const PRESSURE_DEFAULTS = Object.freeze({
  scaleAt: 0.8,
  saturateAt: 0.95,
  minScale: 0.1,
  resources: RESOURCES,
});

/** The factor for a threshold at a usage between 0 and 1: 1 below scaleAt, minScale from saturateAt. */
export function pressureScale(usage: number, cfg: PressureScaleConfig): number {
  if (usage <= cfg.scaleAt) return 1;
  if (usage >= cfg.saturateAt) return cfg.minScale;
  const f = (usage - cfg.scaleAt) / (cfg.saturateAt - cfg.scaleAt);
  return 1 - (1 - cfg.minScale) * f;
}

export interface ThresholdScale {
  /** Multiplies every idle threshold; 1 means no pressure. */
  scale: number;
  /** The reading that set it (the highest ratio among the watched resources). */
  worst: PressureReading | undefined;
}

/** The scale of a namespace's readings: the most used watched resource drives it. */
export function thresholdScale(
  readings: readonly PressureReading[],
  settings: PressureSettings | undefined,
): ThresholdScale {
  if (!settings) return { scale: 1, worst: undefined };
  let worst: PressureReading | undefined;
  for (const r of readings) {
    if (!settings.resources.includes(r.resource)) continue;
    if (!worst || r.ratio > worst.ratio) worst = r;
  }
  return { scale: pressureScale(worst?.ratio ?? 0, settings), worst };
}
