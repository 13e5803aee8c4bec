// What /healthz answers: whether a cycle whose scan parts all succeeded finished recently. A
// process that still serves HTTP while every scan fails (no descriptors, no privilege, every
// namespace gone) is not healthy, and a probe must be able to tell.
import type { HealthState } from "./metrics-server.js";

/** The parts of a cycle that read the kernel's socket tables: without them nothing is seen. */
export const SCAN_PARTS: readonly string[] = ["namespaces", "sockets"];

/** A cycle counts as late after this many intervals (or cycle durations, when cycles run longer). */
export const HEALTH_INTERVALS = 3;

export class ScanHealth {
  private failedParts: string[] = [];
  private cycleMs = 0;
  private lastCycleMs = 0;
  private lastGoodAt: number | undefined;
  private lastFailure: string | undefined;

  /** Records one part of the running cycle. */
  part(name: string, ok: boolean, durationMs: number): void {
    this.cycleMs += durationMs;
    if (!ok && SCAN_PARTS.includes(name)) this.failedParts.push(name);
  }

  /** Ends the running cycle. */
  cycleDone(now: number): void {
    if (this.failedParts.length === 0) {
      this.lastGoodAt = now;
      this.lastFailure = undefined;
    } else this.lastFailure = `part ${this.failedParts.join(", ")} failed`;
    this.lastCycleMs = this.cycleMs;
    this.cycleMs = 0;
    this.failedParts = [];
  }

  /** Healthy when a good cycle ended within HEALTH_INTERVALS × max(interval, last cycle's duration). */
  state(intervalMs: number, now: number): HealthState {
    const windowMs = HEALTH_INTERVALS * Math.max(intervalMs, this.lastCycleMs);
    const window = `${(windowMs / 1000).toFixed(1)}s`;
    if (this.lastGoodAt === undefined) {
      return {
        ok: false,
        reason: `no scan has succeeded yet${this.lastFailure ? ` (${this.lastFailure})` : ""}`,
      };
    }
    const age = now - this.lastGoodAt;
    const ago = `${(age / 1000).toFixed(1)}s ago`;
    if (age <= windowMs) return { ok: true, reason: `ok: last successful scan ${ago}` };
    const why = this.lastFailure ? `; last cycle: ${this.lastFailure}` : "; no cycle has finished since";
    return { ok: false, reason: `last successful scan ${ago}, more than ${window}${why}` };
  }
}
