// Shrinks idle thresholds as resources run out (like Envoy's reduce_timeouts): factor 1 below
// `scaleAt`, `minScale` from `saturateAt` on, linear in between, driven by the most used resource.
import type { PressureSettings } from "../policy/policy-schema.js";
import type { PressureReading } from "../report/pressure.js";

export interface ThresholdScale {
  /** Multiplies every idle threshold; 1 means no pressure. */
  scale: number;
  /** The reading that set it (the highest ratio among the watched resources). */
  worst: PressureReading | undefined;
}

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
  const ratio = worst?.ratio ?? 0;
  const { scaleAt, saturateAt, minScale } = settings;
  if (ratio <= scaleAt) return { scale: 1, worst };
  if (ratio >= saturateAt) return { scale: minScale, worst };
  const t = (ratio - scaleAt) / (saturateAt - scaleAt);
  return { scale: 1 - t * (1 - minScale), worst };
}
