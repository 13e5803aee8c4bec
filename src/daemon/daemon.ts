// The `idlereap run` loop: every interval, one cycle made of parts registered in one list (namespaces,
// pressure, sockets, owners, rules, actions, escalations). Each part reports its own success and
// duration; a failing part, or a failing namespace inside one, never fails the cycle.
import type { Registry } from "prom-client";
import type { NetnsRef } from "../kernel/netns.js";
import { TCP_STATES } from "../kernel/structs.js";
import { DaemonMetrics, IDLE_BUCKETS_SECONDS } from "../metrics/daemon-metrics.js";
import { type MetricsServer, startMetricsServer } from "../metrics/metrics-server.js";
import type { Policy } from "../policy/policy-schema.js";
import { type CompiledRule, compileRule } from "../policy/rule-match.js";
import { computePressure, readNetnsSettings } from "../pressure/netns-pressure.js";
import { thresholdScale } from "../pressure/scale.js";
import { CgroupIndex } from "../proc/cgroups.js";
import { Closer } from "../reap/closer.js";
import { Escalations } from "../reap/escalations.js";
import type { Outcome } from "../reap/outcome.js";
import { type Candidate, planActions } from "../reap/plan.js";
import { Protection } from "../reap/protect.js";
import { carryOut } from "../reap/reaper.js";
import { formatSummary, summarize } from "../reap/summary.js";
import { selectNamespaces } from "../scan/namespaces.js";
import { AuditLog, auditRecord } from "./audit-log.js";
import { ALL_STATES_MASK, type DueRule, type NetnsScan, scanNetns } from "./netns-scan.js";
import { OwnerCache } from "./owner-cache.js";
import { SeenTracker } from "./seen-tracker.js";

export interface DaemonOptions {
  registry: Registry;
  /** Runs everything but the closing: actions are audited as "would-act". */
  dryRun?: boolean;
  /** Where operational messages go (one line each); default stderr. */
  log?: (line: string) => void;
}

interface Cycle {
  now: number;
  namespaces: NetnsRef[];
  ephemeral: Map<string, [number, number] | undefined>;
  scales: Map<string, number>;
  scans: NetnsScan[];
  candidates: Candidate[];
  outcomes: Outcome[];
}

interface Part {
  name: string;
  run(cycle: Cycle): void;
}

export class Daemon {
  private policy: Policy;
  private rules: CompiledRule[];
  private protection: Protection;
  private audit: AuditLog;
  private server: MetricsServer | undefined;
  private readonly metrics: DaemonMetrics;
  private readonly dryRun: boolean;
  private readonly log: (line: string) => void;
  private readonly netnsByName = new Map<string, NetnsRef>();
  private readonly closer = new Closer(this.netnsByName);
  private readonly escalations = new Escalations();
  private readonly ages = new SeenTracker();
  private readonly reported = new SeenTracker();
  private readonly cgroups = new CgroupIndex();
  private readonly owners = new OwnerCache();
  private readonly lastCounts = new Map<string, Pick<NetnsScan, "timeWait" | "busiestRemote">>();
  private knownNetns = new Set<string>();
  /** Per rule: when its idle threshold can next be reached (0: now). */
  private dueAt: number[] = [];
  private nextFullAt = 0;
  private horizonScale = 1;
  private scanTimer: NodeJS.Timeout | undefined;
  private escalationTimer: NodeJS.Timeout | undefined;
  private running = false;

  /** The parts of a cycle, in order. */
  private readonly parts: Part[] = [
    { name: "namespaces", run: (c) => this.resolveNamespaces(c) },
    { name: "pressure", run: (c) => this.readPressure(c) },
    { name: "sockets", run: (c) => this.scanSockets(c) },
    { name: "owners", run: (c) => this.attachOwners(c) },
    { name: "rules", run: (c) => this.applyRules(c) },
    { name: "actions", run: (c) => this.act(c) },
    { name: "prefetch", run: (c) => this.prefetchOwners(c) },
    { name: "escalations", run: () => this.escalate() },
  ];

  constructor(policy: Policy, options: DaemonOptions) {
    this.policy = policy;
    this.rules = policy.rules.map(compileRule);
    this.protection = new Protection(policy.protect);
    this.audit = new AuditLog(policy.audit.file);
    this.metrics = new DaemonMetrics(options.registry);
    this.metrics.reloaded(true, this.rules.length);
    this.dryRun = options.dryRun ?? false;
    this.log = options.log ?? ((line) => process.stderr.write(`idlereap run: ${line}\n`));
  }

  /** The metrics address actually bound, once started. */
  get metricsAddress(): string | undefined {
    return this.server?.address;
  }

  /** Starts the metrics endpoint and the scan loop (the first scan runs at once). */
  async start(): Promise<void> {
    if (this.policy.metrics.enabled) {
      this.server = await startMetricsServer(this.metrics.registry, this.policy.metrics.listen);
    }
    this.running = true;
    const where = this.server ? `, metrics on http://${this.server.address}/metrics` : "";
    this.log(
      `started: ${this.rules.length} rules, interval ${this.policy.interval}ms${this.dryRun ? ", dry run" : ""}${where}`,
    );
    this.loop();
  }

  /** Switches to a new, already validated policy; the metrics endpoint moves if its address changed. */
  async reload(policy: Policy): Promise<void> {
    const old = this.policy;
    if (policy.metrics.enabled !== old.metrics.enabled || policy.metrics.listen !== old.metrics.listen) {
      const next = policy.metrics.enabled
        ? await startMetricsServer(this.metrics.registry, policy.metrics.listen)
        : undefined;
      await this.server?.close();
      this.server = next;
    }
    if (policy.audit.file !== old.audit.file) {
      const next = new AuditLog(policy.audit.file);
      this.audit.close();
      this.audit = next;
    } else this.audit.reopen();
    this.policy = policy;
    this.rules = policy.rules.map(compileRule);
    this.dueAt = [];
    this.nextFullAt = 0;
    this.protection = new Protection(policy.protect);
    this.metrics.reloaded(true, this.rules.length);
    this.log(`policy reloaded: ${this.rules.length} rules, interval ${policy.interval}ms`);
    if (this.running) {
      clearTimeout(this.scanTimer);
      this.loop();
    }
  }

  /** Records a refused reload (the old policy stays in force). */
  reloadRefused(message: string): void {
    this.metrics.reloaded(false, this.rules.length);
    this.log(`policy reload refused, the old policy stays in force: ${message}`);
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.scanTimer);
    clearTimeout(this.escalationTimer);
    await this.server?.close();
    this.closer.release();
    this.audit.close();
    this.log("stopped");
  }

  /** Runs one cycle now and returns its outcomes (escalations of earlier cycles included). */
  scanOnce(): Outcome[] {
    const cycle: Cycle = {
      now: Date.now(),
      namespaces: [],
      ephemeral: new Map(),
      scales: new Map(),
      scans: [],
      candidates: [],
      outcomes: [],
    };
    for (const part of this.parts) {
      const started = performance.now();
      let ok = true;
      try {
        part.run(cycle);
      } catch (err) {
        ok = false;
        this.log(`${part.name}: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.metrics.part(part.name, ok, performance.now() - started);
    }
    this.closer.release();
    this.metrics.scanDone();
    const acted = cycle.outcomes.filter((o) => o.result !== "reported");
    if (acted.length > 0) this.log(`scan: ${formatSummary(summarize(acted), this.dryRun)}`);
    return cycle.outcomes;
  }

  /** Waits out the grace periods of pending graceful closes, escalating as they end (for --once). */
  async settle(): Promise<void> {
    for (;;) {
      const deadline = this.escalations.nextDeadline();
      if (deadline === undefined) return;
      await new Promise((r) => setTimeout(r, Math.min(100, Math.max(0, deadline - Date.now()))));
      if (Date.now() >= deadline) this.escalate();
      else this.escalations.dropReleased(this.closer);
      this.closer.release();
    }
  }

  private loop(): void {
    if (!this.running) return;
    const started = Date.now();
    this.scanOnce();
    this.scheduleEscalations();
    const wait = Math.max(0, started + this.policy.interval - Date.now());
    this.scanTimer = setTimeout(() => this.loop(), wait);
  }

  private scheduleEscalations(): void {
    clearTimeout(this.escalationTimer);
    const deadline = this.escalations.nextDeadline();
    if (deadline === undefined || !this.running) return;
    this.escalationTimer = setTimeout(
      () => {
        this.escalate();
        this.closer.release();
        this.scheduleEscalations();
      },
      Math.max(0, deadline - Date.now()),
    );
  }

  private resolveNamespaces(c: Cycle): void {
    const failed: string[] = [];
    for (const spec of this.policy.namespaces) {
      try {
        c.namespaces.push(...selectNamespaces([spec]));
      } catch (err) {
        failed.push(spec);
        this.metrics.scanned(spec, 0, true);
        this.log(`netns ${spec}: ${(err as Error).message}`);
      }
    }
    const unique = new Map(c.namespaces.map((n) => [n.inode, n]));
    c.namespaces = [...unique.values()];
    this.netnsByName.clear();
    for (const n of c.namespaces) this.netnsByName.set(n.name, n);
    const names = new Set(c.namespaces.map((n) => n.name));
    for (const gone of this.knownNetns) {
      if (!names.has(gone)) {
        this.metrics.forgetNetns(gone);
        this.lastCounts.delete(gone);
      }
    }
    this.knownNetns = names;
    if (failed.length > 0 && c.namespaces.length === 0)
      throw new Error(`no namespace to scan (${failed.join(", ")})`);
  }

  private readPressure(c: Cycle): void {
    const settings = this.policy.pressure;
    for (const ns of c.namespaces) {
      try {
        const s = readNetnsSettings(ns);
        c.ephemeral.set(ns.name, settings?.resources.includes("ports") ? s.ephemeral : undefined);
        if (!settings) continue;
        const last = this.lastCounts.get(ns.name);
        const readings = computePressure({
          settings: s,
          ...(last ? { timeWait: last.timeWait, busiestRemote: last.busiestRemote } : {}),
        });
        for (const r of readings) this.metrics.pressureOf(ns.name, r.resource, r.ratio);
        const { scale } = thresholdScale(readings, settings);
        c.scales.set(ns.name, scale);
        this.metrics.scaleOf(ns.name, scale);
      } catch (err) {
        this.log(`pressure in netns ${ns.name}: ${(err as Error).message}`);
      }
    }
  }

  /**
   * Dumps only what can matter now. A rule with time conditions (idle, unacked) cannot match before
   * the socket closest to them gets there, so it is skipped until two intervals before that (its
   * horizon); the counts for the metrics come from a full scan every `metrics.refresh`.
   */
  private scanSockets(c: Cycle): void {
    const full = c.now >= this.nextFullAt;
    const scale = Math.min(1, ...c.scales.values());
    if (scale < this.horizonScale) this.dueAt.fill(0); // thresholds shrank: horizons are stale
    const due: DueRule[] = [];
    this.rules.forEach((rule, index) => {
      if (full || !rule.needsInfo || c.now >= (this.dueAt[index] ?? 0)) due.push({ rule, index });
    });
    if (!full && due.length === 0) return;
    const states = full ? ALL_STATES_MASK : due.reduce((m, d) => m | d.rule.statesMask, 0);
    const info = full || due.some((d) => d.rule.needsInfo);
    const minWait = due.map(() => Number.POSITIVE_INFINITY);
    let failed = false;
    for (const ns of c.namespaces) {
      const scan = scanNetns(ns, {
        rules: due,
        states,
        info,
        scale: c.scales.get(ns.name) ?? 1,
        ephemeral: c.ephemeral.get(ns.name),
        soonMs: this.needOwners() ? 2 * this.policy.interval : 0,
      });
      this.metrics.scanned(ns.name, scan.durationMs, scan.error !== undefined);
      if (scan.error) {
        failed = true;
        this.log(`netns ${ns.name} not scanned: ${scan.error.message}`);
        continue;
      }
      c.scans.push(scan);
      scan.minWait.forEach((w, k) => {
        if (w < (minWait[k] as number)) minWait[k] = w;
      });
    }
    due.forEach(({ rule, index }, k) => {
      if (!rule.needsInfo) return;
      // No socket can meet the time conditions before this; new sockets wait the longest.
      const earliest = c.now + Math.min(minWait[k] as number, rule.longestWaitMs(scale));
      this.dueAt[index] = failed ? 0 : earliest - 2 * this.policy.interval;
    });
    this.horizonScale = scale;
    if (full) {
      const refresh = this.policy.metrics.refresh;
      this.nextFullAt = refresh === 0 ? 0 : c.now + Math.max(this.policy.interval, refresh) - 1;
      this.publishCounts(c.scans);
    }
  }

  private publishCounts(scans: readonly NetnsScan[]): void {
    const idle = new Float64Array(IDLE_BUCKETS_SECONDS.length + 1);
    let idleSum = 0;
    for (const scan of scans) {
      const name = scan.netns.name;
      this.lastCounts.set(name, { timeWait: scan.timeWait, busiestRemote: scan.busiestRemote });
      const byState = new Map<string, number>();
      scan.byState.forEach((n, i) => {
        if (n > 0) byState.set(TCP_STATES[i] ?? String(i), n);
      });
      this.metrics.sawNetns(name, { byState, establishedWithoutKeepalive: scan.withoutKeepalive });
      scan.idleBuckets.forEach((n, i) => {
        idle[i] = (idle[i] ?? 0) + n;
      });
      idleSum += scan.idleSumSeconds;
    }
    this.metrics.publishIdle(idle, idleSum);
  }

  private needOwners(): boolean {
    return (
      this.protection.needsOwners ||
      this.rules.some((r) => r.needsOwners || r.action === "close" || r.action === "keepalive")
    );
  }

  private attachOwners(c: Cycle): void {
    const needCgroups = this.rules.some((r) => r.cgroups !== undefined);
    if (needCgroups) this.cgroups.beginScan();
    for (const scan of c.scans) {
      if (scan.candidates.length === 0) continue;
      if (this.needOwners()) {
        const missing = scan.candidates.filter(({ socket }) => !this.owners.lookup(socket.inode));
        // One walk for these and the sockets due soon, rather than a second one after the actions.
        if (missing.length > 0) {
          this.owners.fill(scan.netns.inode, [...missing.map(({ socket }) => socket.inode), ...scan.soon]);
        }
        for (const { socket } of scan.candidates) {
          const o = this.owners.lookup(socket.inode);
          if (!o) continue;
          socket.pid = o.pid;
          socket.fd = o.fd;
          socket.command = o.command;
        }
      }
      if (needCgroups) {
        for (const { socket } of scan.candidates) {
          if (socket.cgroupId !== null) socket.cgroup = this.cgroups.pathOf(BigInt(socket.cgroupId)) ?? null;
        }
      }
    }
  }

  /** After the actions: owners of the sockets due soon, so that their cycle need not walk /proc. */
  private prefetchOwners(c: Cycle): void {
    if (!this.needOwners()) return;
    const keep = new Set<number>();
    for (const scan of c.scans) {
      for (const inode of scan.soon) keep.add(inode);
      this.owners.fill(scan.netns.inode, scan.soon);
    }
    if (c.scans.length > 0) this.owners.retain(keep);
  }

  private applyRules(c: Cycle): void {
    const usesAge = this.rules.some((r) => r.ageMs !== undefined);
    if (usesAge) this.ages.beginScan();
    this.reported.beginScan();
    for (const scan of c.scans) {
      for (const cand of scan.candidates) {
        const s = cand.socket;
        const age = usesAge ? this.ages.touch(s.cookie, c.now) : 0;
        const rule = cand.rules.map((i) => this.rules[i] as CompiledRule).find((r) => r.matchSocket(s, age));
        if (!rule) continue;
        if (rule.action === "report") {
          // Reported once per socket and rule, not on every scan.
          const key = `${rule.name}\0${s.cookie}`;
          const known = this.reported.has(key);
          this.reported.touch(key, c.now);
          if (known) continue;
        }
        c.candidates.push({
          socket: s,
          action: rule.action,
          rule: rule.name,
          force: rule.force,
          graceMs: rule.graceMs,
          allowAbort: rule.allowAbort,
          keepalive: rule.keepalive,
        });
      }
    }
    if (usesAge) this.ages.endScan();
    this.reported.endScan();
  }

  private act(c: Cycle): void {
    this.protection.refreshOwn();
    const plan = planActions(c.candidates, {
      protection: this.protection,
      limit: this.policy.limits.maxActionsPerScan,
    });
    const done = carryOut(plan.act, {
      closer: this.closer,
      escalations: this.escalations,
      dryRun: this.dryRun,
    });
    c.outcomes.push(...done, ...plan.skipped);
    this.record(c.outcomes, this.dryRun);
  }

  private escalate(): Outcome[] {
    const changed = this.escalations.run(this.closer);
    if (changed.length > 0) this.record(changed, false);
    return changed;
  }

  private record(outcomes: readonly Outcome[], dryRun: boolean): void {
    if (outcomes.length === 0) return;
    const now = new Date();
    this.audit.write(outcomes.map((o) => auditRecord(o, dryRun, now)));
    for (const o of outcomes) this.metrics.outcome(o);
  }
}
