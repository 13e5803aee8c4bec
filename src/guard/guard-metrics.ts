// Optional prom-client metrics on a registry the user passes in: counters end in _total, times are
// in seconds, and no label carries anything per connection.
import { Counter, Gauge, type Registry } from "prom-client";
import type { CloseReason } from "./conn-state.js";

export interface MetricsSource {
  connectionsByState(): Record<string, number>;
  idleTimeoutMs(): number;
}

export class GuardMetrics {
  readonly #accepted: Counter;
  readonly #rejected: Counter;
  readonly #closed: Counter<"reason">;

  constructor(registry: Registry, prefix: string, source: MetricsSource) {
    const registers = [registry];
    this.#accepted = new Counter({
      name: `${prefix}connections_accepted_total`,
      help: "Connections guard started tracking.",
      registers,
    });
    this.#rejected = new Counter({
      name: `${prefix}connections_rejected_total`,
      help: "Connections refused at maxConnections.",
      registers,
    });
    this.#closed = new Counter({
      name: `${prefix}connections_closed_total`,
      help: "Connections guard closed or found dead, by reason.",
      labelNames: ["reason"],
      registers,
    });
    new Gauge({
      name: `${prefix}connections`,
      help: "Connections tracked now, by state.",
      labelNames: ["state"],
      registers,
      collect() {
        for (const [state, n] of Object.entries(source.connectionsByState())) this.set({ state }, n);
      },
    });
    new Gauge({
      name: `${prefix}idle_timeout_seconds`,
      help: "The idle timeout in force, after scaling for resource pressure.",
      registers,
      collect() {
        this.set(source.idleTimeoutMs() / 1000);
      },
    });
  }

  accepted(): void {
    this.#accepted.inc();
  }

  rejected(): void {
    this.#rejected.inc();
  }

  closed(reason: CloseReason): void {
    this.#closed.inc({ reason });
  }
}
