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

  constructor(policy: Policy, metrics: DaemonMetrics) {
    this.audit = new AuditLog(policy.audit.file);
    this.metrics = metrics;
  }

  /** The metrics address actually bound, once listening. */
  get address(): string | undefined {
    return this.server?.address;
  }

  /** Starts the metrics endpoint when the policy enables it. */
  async listen(policy: Policy): Promise<void> {
    if (policy.metrics.enabled)
      this.server = await startMetricsServer(this.metrics.registry, policy.metrics.listen);
  }

  /**
   * Follows a new policy, all or nothing: the new endpoint is bound and the audit log (re)opened
   * first; only when both succeeded are the old ones closed. If either fails nothing has changed.
   */
  async reload(old: Policy, policy: Policy): Promise<void> {
    const moves =
      policy.metrics.enabled !== old.metrics.enabled || policy.metrics.listen !== old.metrics.listen;
    const server =
      moves && policy.metrics.enabled
        ? await startMetricsServer(this.metrics.registry, policy.metrics.listen)
        : undefined;
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
