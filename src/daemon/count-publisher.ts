// Publishes what a full scan counted: sockets by state, keepalive coverage and the idle histogram
// per namespace to the metrics, and the TIME_WAIT and port counts the next cycles' pressure reads.
import type { DaemonMetrics } from "../metrics/daemon-metrics.js";
import { IDLE_BUCKETS_MS } from "../report/tally.js";
import type { NetnsScan } from "./netns-scan.js";

/** What a full scan counted that the next cycles' pressure readings use. */
export interface LastCounts {
  timeWait: number;
  busiestRemote: { remote: string; count: number } | undefined;
}

export class CountPublisher {
  private readonly metrics: DaemonMetrics;
  private readonly last = new Map<string, LastCounts>();
  private known = new Set<string>();

  constructor(metrics: DaemonMetrics) {
    this.metrics = metrics;
  }

  /** The last full scan's counts of a namespace. */
  lastCounts(netns: string): LastCounts | undefined {
    return this.last.get(netns);
  }

  /** Forgets the namespaces no longer scanned (their series leave the metrics). */
  keepOnly(names: ReadonlySet<string>): void {
    for (const gone of this.known) {
      if (names.has(gone)) continue;
      this.metrics.forgetNetns(gone);
      this.last.delete(gone);
    }
    this.known = new Set(names);
  }

  publish(scans: readonly NetnsScan[]): void {
    const idle = new Float64Array(IDLE_BUCKETS_MS.length + 1);
    let idleSum = 0;
    for (const { netns, tally, closeWait, idleEstablished } of scans) {
      if (!tally) continue;
      this.metrics.holderCandidates(netns.name, {
        netnsInode: netns.inode,
        closeWait,
        idle: idleEstablished,
      });
      this.last.set(netns.name, { timeWait: tally.timeWait, busiestRemote: tally.maxPortsToOneRemote() });
      this.metrics.sawNetns(netns.name, {
        byState: tally.byState,
        establishedWithoutKeepalive: tally.withoutKeepalive,
      });
      tally.idleHistogram.forEach((n, i) => {
        idle[i] = (idle[i] ?? 0) + n;
      });
      idleSum += tally.idleSumSeconds;
    }
    this.metrics.publishIdle(idle, idleSum);
  }
}
