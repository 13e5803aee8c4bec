// The `idlereap run` loop: every interval, one cycle made of parts registered in one list (namespaces,
// pressure, sockets, owners, rules, actions, escalations). Each part reports its own success and
// duration; a failing part, or a failing namespace inside one, never fails the cycle.
import type { Registry } from "prom-client";
import type { NetnsRef } from "../kernel/netns.js";
import { ALL_STATES_MASK } from "../kernel/structs.js";
import { DaemonMetrics } from "../metrics/daemon-metrics.js";
import type { Policy } from "../policy/policy-schema.js";
import { type CompiledRule, compileRule } from "../policy/rule-match.js";
import { DEFAULT_RUN_DIR, ProbeJournal } from "../probe/probe-journal.js";
import { CgroupIndex } from "../proc/cgroups.js";
import type { Outcome } from "../reap/outcome.js";
import type { ActionRequest } from "../reap/plan.js";
import { Reaper } from "../reap/reaper.js";
import { formatSummary, summarize } from "../reap/summary.js";
import { CountPublisher } from "./count-publisher.js";
import { readCyclePressure } from "./cycle-pressure.js";
import { DaemonOutputs } from "./daemon-outputs.js";
import { attachCgroupPaths, type NetnsScan, scanCycle } from "./netns-scan.js";
import { OwnerCache } from "./owner-cache.js";
import { PeerProbe } from "./peer-probe.js";
import { noNamespaceLeft, resolvePolicyNamespaces } from "./policy-namespaces.js";
import { RuleMatcher } from "./rule-matcher.js";
import { RuleSchedule } from "./rule-schedule.js";

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
  requests: ActionRequest[];
  outcomes: Outcome[];
}

interface Part {
  name: string;
  run(cycle: Cycle): void;
}

export class Daemon {
  private policy: Policy;
  private rules: CompiledRule[];
  private readonly outputs: DaemonOutputs;
  private readonly metrics: DaemonMetrics;
  private readonly dryRun: boolean;
  private readonly log: (line: string) => void;
  private readonly reaper: Reaper;
  private readonly matcher = new RuleMatcher();
  private readonly cgroups = new CgroupIndex();
  private readonly owners = new OwnerCache();
  private readonly counts: CountPublisher;
  private schedule: RuleSchedule;
  private nextFullAt = 0;
  private scanTimer: NodeJS.Timeout | undefined;
  private escalationTimer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;
  private readonly journal = new ProbeJournal(process.env.IDLEREAP_RUN_DIR ?? DEFAULT_RUN_DIR);
  private readonly peerProbe = new PeerProbe(this.journal);
  /** What the last cycle could not do: namespaces not resolved or not scanned, parts that failed. */
  private problems: string[] = [];

  /** The parts of a cycle, in order. */
  private readonly parts: Part[] = [
    { name: "namespaces", run: (c) => this.resolveNamespaces(c) },
    {
      name: "pressure",
      run: (c) =>
        Object.assign(
          c,
          readCyclePressure(c.namespaces, this.policy.pressure, this.counts, this.metrics, this.log),
        ),
    },
    { name: "sockets", run: (c) => this.scanSockets(c) },
    { name: "owners", run: (c) => this.attachOwners(c) },
    { name: "rules", run: (c) => c.requests.push(...this.matcher.match(c.scans, this.rules, c.now)) },
    { name: "actions", run: (c) => this.act(c) },
    { name: "prefetch", run: (c) => this.needOwners() && this.owners.prefetch(c.scans) },
    { name: "escalations", run: () => this.escalate() },
  ];

  constructor(policy: Policy, options: DaemonOptions) {
    this.policy = policy;
    this.rules = policy.rules.map(compileRule);
    this.schedule = new RuleSchedule(this.rules, policy.interval);
    this.metrics = new DaemonMetrics(options.registry);
    this.outputs = new DaemonOutputs(policy, this.metrics);
    this.metrics.reloaded(true, this.rules.length);
    this.counts = new CountPublisher(this.metrics);
    this.dryRun = options.dryRun ?? false;
    this.reaper = new Reaper({
      protect: policy.protect,
      dryRun: this.dryRun,
      limit: policy.limits.maxActionsPerScan,
    });
    this.log = options.log ?? ((line) => process.stderr.write(`idlereap run: ${line}\n`));
  }

  /** The metrics address actually bound, once started. */
  get metricsAddress(): string | undefined {
    return this.outputs.address;
  }

  /** Starts the metrics endpoint and the scan loop (the first scan runs at once). */
  async start(): Promise<void> {
    this.recoverProbes();
    await this.outputs.listen(this.policy);
    this.running = true;
    const where = this.outputs.address ? `, metrics on http://${this.outputs.address}/metrics` : "";
    this.log(
      `started: ${this.rules.length} rule${this.rules.length === 1 ? "" : "s"}, interval ${this.policy.interval}ms${this.dryRun ? ", dry run" : ""}${where}`,
    );
    this.loop();
  }

  /**
   * Puts back the keepalive options that a probe of an earlier run left changed: a daemon killed
   * mid-probe (SIGKILL, the OOM killer) leaves its journal, and systemd starts the next one.
   */
  recoverProbes(): void {
    const r = this.journal.recover();
    if (r.restored + r.gone + r.failed.length === 0) return;
    this.log(
      `an interrupted probe had changed ${r.restored + r.gone + r.failed.length} connection(s): ${r.restored} put back, ${r.gone} gone, ${r.failed.length} failed${r.failed.map((f) => `; pid ${f.pid} fd ${f.fd}: ${f.reason}`).join("")}`,
    );
  }

  /** Switches to a new, already validated policy; the metrics endpoint moves if its address changed. */
  async reload(policy: Policy): Promise<void> {
    // Everything that can fail is prepared before anything switches: a refused reload changes nothing.
    const rules = policy.rules.map(compileRule);
    const schedule = new RuleSchedule(rules, policy.interval);
    await this.outputs.reload(this.policy, policy);
    this.policy = policy;
    this.rules = rules;
    this.schedule = schedule;
    this.nextFullAt = 0;
    this.reaper.reconfigure({ protect: policy.protect, limit: policy.limits.maxActionsPerScan });
    this.metrics.reloaded(true, this.rules.length);
    this.log(
      `policy reloaded: ${this.rules.length} rule${this.rules.length === 1 ? "" : "s"}, interval ${policy.interval}ms`,
    );
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
    this.stopped = true;
    await this.peerProbe.idle();
    clearTimeout(this.scanTimer);
    clearTimeout(this.escalationTimer);
    this.reaper.release();
    await this.outputs.close();
    this.log("stopped");
  }

  /** What the last cycle could not do (empty when it did all): `run --once` exits non-zero on any. */
  get lastProblems(): readonly string[] {
    return this.problems;
  }

  /** Runs one cycle now and returns its outcomes (escalations of earlier cycles included). */
  scanOnce(): Outcome[] {
    this.problems = [];
    const cycle: Cycle = {
      now: Date.now(),
      namespaces: [],
      ephemeral: new Map(),
      scales: new Map(),
      scans: [],
      requests: [],
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
        this.problems.push(`${part.name} failed`);
      }
      this.metrics.part(part.name, ok, performance.now() - started);
    }
    this.reaper.release();
    this.metrics.scanDone();
    const acted = cycle.outcomes.filter((o) => o.result !== "reported");
    if (acted.length > 0) this.log(`scan: ${formatSummary(summarize(acted), this.dryRun)}`);
    return cycle.outcomes;
  }

  /** Waits out the grace periods of pending graceful closes, escalating as they end (for --once). */
  async settle(): Promise<void> {
    await this.reaper.settle((changed) => this.outputs.record(changed, false));
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
    const deadline = this.reaper.nextDeadline();
    if (deadline === undefined || !this.running) return;
    this.escalationTimer = setTimeout(
      () => {
        this.escalate();
        this.scheduleEscalations();
      },
      Math.max(0, deadline - Date.now()),
    );
  }

  private resolveNamespaces(c: Cycle): void {
    const r = resolvePolicyNamespaces(this.policy.namespaces, (spec, err) => {
      this.metrics.scanned(spec, 0, true);
      this.log(`netns ${spec}: ${err.message}`);
      this.problems.push(`netns ${spec} not scanned`);
    });
    c.namespaces = r.namespaces;
    this.reaper.useNamespaces(c.namespaces);
    this.counts.keepOnly(new Set(c.namespaces.map((n) => n.name)));
    const fatal = noNamespaceLeft(r);
    if (fatal) throw fatal;
  }

  /** Dumps only what can matter now (see RuleSchedule); a full scan every `metrics.refresh` counts all. */
  private scanSockets(c: Cycle): void {
    const full = c.now >= this.nextFullAt;
    const scale = Math.min(1, ...c.scales.values());
    const due = this.schedule.due(c.now, full, scale);
    if (!full && due.length === 0) return;
    const states = full ? ALL_STATES_MASK : due.reduce((m, d) => m | d.rule.statesMask, 0);
    const info = full || due.some((d) => d.rule.needsInfo);
    const soonMs = this.needOwners() ? 2 * this.policy.interval : 0;
    const r = scanCycle(c.namespaces, { rules: due, states, info, soonMs }, c, (scan) => {
      this.metrics.scanned(scan.netns.name, scan.durationMs, scan.error !== undefined);
      if (scan.error) {
        this.log(`netns ${scan.netns.name} not scanned: ${scan.error.message}`);
        this.problems.push(`netns ${scan.netns.name} not scanned`);
      }
    });
    c.scans = r.scans;
    this.schedule.scanned(due, r.minWait, r.failed, c.now, scale);
    if (full) {
      const refresh = this.policy.metrics.refresh;
      this.nextFullAt = refresh === 0 ? 0 : c.now + Math.max(this.policy.interval, refresh) - 1;
      this.counts.publish(c.scans);
    }
    // The part failed when it failed in every namespace (its success metric says 0).
    if (r.failed && r.scans.length === 0) throw new Error("no namespace could be scanned");
  }

  private needOwners(): boolean {
    return this.rules.some((r) => r.needsOwners || this.reaper.needsOwners(r.action));
  }

  private attachOwners(c: Cycle): void {
    if (this.needOwners()) for (const scan of c.scans) this.owners.attach(scan);
    if (this.rules.some((r) => r.cgroups !== undefined)) attachCgroupPaths(c.scans, this.cgroups);
  }

  private act(c: Cycle): void {
    const probeFirst = new Set(this.rules.filter((r) => r.peer === "dead").map((r) => r.name));
    const direct = probeFirst.size ? c.requests.filter((r) => !probeFirst.has(r.rule ?? "")) : c.requests;
    c.outcomes.push(...this.reaper.act(direct));
    this.outputs.record(c.outcomes, this.dryRun);
    if (direct.length < c.requests.length) {
      const probed = c.requests.filter((r) => probeFirst.has(r.rule ?? ""));
      this.peerProbe.start(
        probed,
        c.namespaces,
        (r) => this.actOnDeadPeers(r.dead),
        (err) => {
          this.log(`peer probe: ${err instanceof Error ? err.message : String(err)}`);
        },
      );
    }
  }

  /** The candidates of `peer: dead` rules whose peer did not answer the probe. */
  private actOnDeadPeers(dead: ActionRequest[]): void {
    if (this.stopped || dead.length === 0) return;
    const outcomes = this.reaper.act(dead);
    this.reaper.release();
    this.outputs.record(outcomes, this.dryRun);
    this.log(`peer probe: ${formatSummary(summarize(outcomes), this.dryRun)}`);
    this.scheduleEscalations();
  }

  private escalate(): Outcome[] {
    const changed = this.reaper.escalate();
    if (changed.length > 0) this.outputs.record(changed, false);
    return changed;
  }
}
