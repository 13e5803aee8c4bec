// The metrics about who holds lingering sockets. The /proc walk behind them runs when Prometheus
// scrapes, at most once per full scan (metrics.refresh), over the sockets that scan found: a daemon
// that nobody scrapes never pays for it, and frequent scrapes do not pay more.
import { Gauge, type Registry } from "prom-client";
import {
  CLOSE_WAIT_TOP,
  type HolderCandidates,
  MULTI_HOLDER_IDLE_MS,
  type NetnsHolders,
  walkHolders,
} from "./socket-holders.js";

export class HolderMetrics {
  private readonly candidates = new Map<string, HolderCandidates>();
  private readonly closeWaitTop: Gauge<"netns" | "pid" | "command" | "cgroup">;
  private readonly multiHolder: Gauge<"netns" | "kind">;
  private readonly procRoot: string;
  /** Bumped when the candidates change, so that a new scan is walked at the next scrape. */
  private generation = 0;
  private walkedGeneration = -1;
  private walked = new Map<string, NetnsHolders>();

  constructor(registry: Registry, procRoot = "/proc") {
    this.procRoot = procRoot;
    const self = this;
    this.closeWaitTop = new Gauge({
      name: "idlereap_close_wait_top_sockets",
      help: `CLOSE_WAIT sockets of the ${CLOSE_WAIT_TOP} processes holding most of them, per namespace (the lowest pid of a shared socket).`,
      labelNames: ["netns", "pid", "command", "cgroup"],
      registers: [registry],
      collect() {
        self.publish();
      },
    });
    this.multiHolder = new Gauge({
      name: "idlereap_multi_holder_sockets",
      help: `Sockets in CLOSE_WAIT, or established and idle for ${MULTI_HOLDER_IDLE_MS / 1000}s or more, held by more than one descriptor: in one process (a kept dup) or across processes (inherited).`,
      labelNames: ["netns", "kind"],
      registers: [registry],
      collect() {
        self.publish();
      },
    });
  }

  /** The candidates of a namespace's latest full scan. */
  set(netns: string, c: HolderCandidates): void {
    this.candidates.set(netns, c);
    this.generation++;
  }

  forget(netns: string): void {
    this.candidates.delete(netns);
    this.generation++;
  }

  private publish(): void {
    // Both gauges collect in every scrape; the walk describes the last full scan, so once is enough.
    if (this.walkedGeneration === this.generation) return;
    this.walkedGeneration = this.generation;
    try {
      this.walked = walkHolders(this.candidates, this.procRoot);
    } catch {
      this.walked = new Map(); // a failed walk publishes nothing rather than failing the scrape
    }
    this.closeWaitTop.reset();
    this.multiHolder.reset();
    for (const [netns, h] of this.walked) {
      for (const p of h.closeWaitTop) {
        this.closeWaitTop.set({ netns, pid: String(p.pid), command: p.command, cgroup: p.cgroup }, p.count);
      }
      this.multiHolder.set({ netns, kind: "same-process" }, h.sameProcess);
      this.multiHolder.set({ netns, kind: "cross-process" }, h.crossProcess);
    }
  }
}
