// The `peer: dead` condition: candidates of such rules are probed (src/probe/liveness.ts: keepalive
// probes through a duplicate of the owner's descriptor, options put back) and only those whose peer
// does not answer are acted on. Probing takes seconds, so it runs beside the scan loop: one probe at
// a time, at most PEER_PROBES_PER_CYCLE sockets each, candidates of later cycles wait for the next.
import type { NetnsRef } from "../kernel/netns.js";
import { probeLiveness } from "../probe/liveness.js";
import type { ProbeJournal } from "../probe/probe-journal.js";
import type { ActionRequest } from "../reap/plan.js";

/** Sockets probed at most per cycle: the probe's cost (one duplicate and a few setsockopt each) stays bounded. */
export const PEER_PROBES_PER_CYCLE = 256;

export interface PeerProbeResult {
  /** Requests whose peer did not answer: to act on. */
  dead: ActionRequest[];
  /** Probed and answered, or unknown (no owner, data in flight, closed meanwhile). */
  spared: number;
  /** Left for a later cycle: a probe was running, or past the per-cycle bound. */
  deferred: number;
}

export class PeerProbe {
  private running = false;
  private current: Promise<void> = Promise.resolve();

  constructor(private readonly journal: ProbeJournal | undefined) {}

  /**
   * Probes the first PEER_PROBES_PER_CYCLE requests unless a probe is running, then calls `done`
   * with those whose peer is dead. Returns how many were deferred now.
   */
  start(
    requests: readonly ActionRequest[],
    namespaces: readonly NetnsRef[],
    done: (r: PeerProbeResult) => void,
    fail: (err: unknown) => void,
  ): number {
    if (requests.length === 0) return 0;
    if (this.running) return requests.length;
    this.running = true;
    const batch = requests.slice(0, PEER_PROBES_PER_CYCLE);
    const deferred = requests.length - batch.length;
    const byName = new Map(namespaces.map((n) => [n.name, n]));
    this.current = probeLiveness(
      batch.map((r) => r.socket),
      byName,
      this.journal ? { journal: this.journal } : {},
    )
      .then((results) => {
        const deadSockets = new Set(results.filter((r) => r.liveness === "dead").map((r) => r.socket));
        const dead = batch.filter((r) => deadSockets.has(r.socket));
        done({ dead, spared: batch.length - dead.length, deferred });
      }, fail)
      .finally(() => {
        this.running = false;
      });
    return deferred;
  }

  /** Resolves once the probe in flight (if any) has put every option back. */
  idle(): Promise<void> {
    return this.current;
  }
}
