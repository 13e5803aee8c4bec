// Where the daemon's results go: the audit log (one JSON line per outcome), the metrics of each
// outcome, and the metrics endpoint, each following the policy across reloads.
import type { DaemonMetrics } from "../metrics/daemon-metrics.js";
import { type MetricsServer, startMetricsServer } from "../metrics/metrics-server.js";
import type { Policy } from "../policy/policy-schema.js";
import type { Outcome } from "../reap/outcome.js";
import { AuditLog, auditRecord } from "./audit-log.js";

export class DaemonOutputs {
  private audit: AuditLog;
  private server: MetricsServer | undefined;
  private readonly metrics: DaemonMetrics;
  /** The policy's interval, for /healthz. */
  private intervalMs: number;

  constructor(policy: Policy, metrics: DaemonMetrics) {
    this.audit = new AuditLog(policy.audit.file);
    this.metrics = metrics;
    this.intervalMs = policy.interval;
  }

  /** The metrics address actually bound, once listening. */
  get address(): string | undefined {
    return this.server?.address;
  }

  /** Starts the metrics endpoint when the policy enables it. */
  async listen(policy: Policy): Promise<void> {
    if (policy.metrics.enabled) this.server = await this.startServer(policy);
  }

  private startServer(policy: Policy): Promise<MetricsServer> {
    return startMetricsServer(this.metrics.registry, policy.metrics.listen, {
      maxConnections: policy.metrics.maxConnections,
      health: () => this.metrics.healthState(this.intervalMs),
    });
  }

  /**
   * Follows a new policy, all or nothing: the new endpoint is bound and the audit log (re)opened
   * first; only when both succeeded are the old ones closed. If either fails nothing has changed.
   */
  async reload(old: Policy, policy: Policy): Promise<void> {
    const m = policy.metrics;
    const moves =
      m.enabled !== old.metrics.enabled ||
      m.listen !== old.metrics.listen ||
      m.maxConnections !== old.metrics.maxConnections;
    const server = moves && m.enabled ? await this.startServer(policy) : undefined;
    let audit: AuditLog;
    try {
      // Reopened even when the path is the same, for log rotation.
      audit = new AuditLog(policy.audit.file);
    } catch (err) {
      await server?.close();
      throw err;
    }
    if (moves) {
      await this.server?.close();
      this.server = server;
    }
    this.intervalMs = policy.interval;
    this.audit.close();
    this.audit = audit;
  }

  record(outcomes: readonly Outcome[], dryRun: boolean): void {
    if (outcomes.length === 0) return;
    const now = new Date();
    this.audit.write(outcomes.map((o) => auditRecord(o, dryRun, now)));
    for (const o of outcomes) this.metrics.outcome(o);
  }

  async close(): Promise<void> {
    await this.server?.close();
    this.audit.close();
  }
}
