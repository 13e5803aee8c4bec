// The pressure part of a daemon cycle: each namespace's readings (with the last full scan's counts)
// go to the metrics and become the factor its idle thresholds shrink by; the ephemeral port range
// is kept for counting ports per remote endpoint in the scan.
import type { NetnsRef } from "../kernel/netns.js";
import type { DaemonMetrics } from "../metrics/daemon-metrics.js";
import { computePressure, readNetnsSettings } from "../pressure/netns-pressure.js";
import { type PressureSettings, thresholdScale } from "../pressure/scale.js";
import type { CountPublisher } from "./count-publisher.js";

export interface CyclePressure {
  ephemeral: Map<string, [number, number] | undefined>;
  scales: Map<string, number>;
}

export function readCyclePressure(
  namespaces: readonly NetnsRef[],
  settings: PressureSettings | undefined,
  counts: CountPublisher,
  metrics: DaemonMetrics,
  log: (line: string) => void,
): CyclePressure {
  const out: CyclePressure = { ephemeral: new Map(), scales: new Map() };
  let failed = 0;
  for (const ns of namespaces) {
    try {
      const s = readNetnsSettings(ns);
      metrics.twBucketsOf(ns.name, s.maxTwBuckets);
      out.ephemeral.set(ns.name, settings?.resources.includes("ports") ? s.ephemeral : undefined);
      if (!settings) continue;
      const last = counts.lastCounts(ns.name);
      const readings = computePressure({
        settings: s,
        ...(last ? { timeWait: last.timeWait, busiestRemote: last.busiestRemote } : {}),
      });
      for (const r of readings) metrics.pressureOf(ns.name, r.resource, r.ratio);
      const { scale } = thresholdScale(readings, settings);
      out.scales.set(ns.name, scale);
      metrics.scaleOf(ns.name, scale);
    } catch (err) {
      failed++;
      log(`pressure in netns ${ns.name}: ${(err as Error).message}`);
    }
  }
  // The part failed when it failed in every namespace (its success metric says 0).
  if (failed > 0 && failed === namespaces.length) throw new Error("failed in every namespace");
  return out;
}
