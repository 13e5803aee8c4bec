// The daemon's Prometheus metrics, on a registry the caller owns. Base units, `_total` counters and
// no label that is per connection: namespaces, states, rules, actions, results and reasons only.
import { Counter, Gauge, type Registry } from "prom-client";
import type { Outcome } from "../reap/outcome.js";
import { IDLE_BUCKETS_MS } from "../report/tally.js";
import { HolderMetrics } from "./holder-metrics.js";
import type { HealthState } from "./metrics-server.js";
import { ScanHealth } from "./scan-health.js";
import { SnapshotHistogram } from "./snapshot-histogram.js";
import type { HolderCandidates } from "./socket-holders.js";

/** The status report's idle buckets, in seconds (Prometheus base unit). */
export const IDLE_BUCKETS_SECONDS = IDLE_BUCKETS_MS.map((ms) => ms / 1000);

export interface NetnsCounts {
  /** Sockets by state name. */
  byState: ReadonlyMap<string, number>;
  establishedWithoutKeepalive: number;
}

export class DaemonMetrics {
  readonly registry: Registry;
  private readonly sockets: Gauge<"netns" | "state">;
  private readonly noKeepalive: Gauge<"netns">;
  private readonly idle: SnapshotHistogram;
  private readonly actions: Counter<"rule" | "action" | "result">;
  private readonly skips: Counter<"rule" | "reason">;
  private readonly scanDuration: Gauge<"netns">;
  private readonly scanErrors: Counter<"netns">;
  private readonly scans: Counter;
  private readonly lastScan: Gauge;
  private readonly partSuccess: Gauge<"part">;
  private readonly partDuration: Gauge<"part">;
  private readonly pressure: Gauge<"netns" | "resource">;
  private readonly scale: Gauge<"netns">;
  private readonly reloads: Counter<"result">;
  private readonly rules: Gauge;
  private readonly twBuckets: Gauge<"netns">;
  private readonly holders: HolderMetrics;
  private readonly health = new ScanHealth();
  /** Label values set per namespace, so that a vanished state or namespace loses its series. */
  private readonly statesOf = new Map<string, Set<string>>();
  private readonly resourcesOf = new Map<string, Set<string>>();

  constructor(registry: Registry) {
    this.registry = registry;
    const registers = [registry];
    this.sockets = new Gauge({
      name: "idlereap_sockets",
      help: "TCP sockets seen by the last scan, by network namespace and state.",
      labelNames: ["netns", "state"],
      registers,
    });
    this.noKeepalive = new Gauge({
      name: "idlereap_established_without_keepalive_sockets",
      help: "Established sockets whose keepalive timer is not armed (dead peers go unnoticed).",
      labelNames: ["netns"],
      registers,
    });
    this.idle = new SnapshotHistogram({
      name: "idlereap_established_idle_seconds",
      help: "Time since the last application data of the established sockets seen by the last scan.",
      bounds: IDLE_BUCKETS_SECONDS,
      registry,
    });
    this.actions = new Counter({
      name: "idlereap_actions_total",
      help: "Actions taken (or reported, or tried) by rule, action and result.",
      labelNames: ["rule", "action", "result"],
      registers,
    });
    this.skips = new Counter({
      name: "idlereap_skips_total",
      help: "Matched sockets left alone, by rule and reason.",
      labelNames: ["rule", "reason"],
      registers,
    });
    this.scanDuration = new Gauge({
      name: "idlereap_scan_duration_seconds",
      help: "How long the last scan of each network namespace took.",
      labelNames: ["netns"],
      registers,
    });
    this.scanErrors = new Counter({
      name: "idlereap_scan_errors_total",
      help: "Scans of a network namespace that failed.",
      labelNames: ["netns"],
      registers,
    });
    this.scans = new Counter({ name: "idlereap_scans_total", help: "Scans run.", registers });
    this.lastScan = new Gauge({
      name: "idlereap_last_scan_timestamp_seconds",
      help: "When the last scan finished (Unix time).",
      registers,
    });
    this.partSuccess = new Gauge({
      name: "idlereap_scan_part_success",
      help: "Whether each part of the last scan succeeded (1) or failed (0).",
      labelNames: ["part"],
      registers,
    });
    this.partDuration = new Gauge({
      name: "idlereap_scan_part_duration_seconds",
      help: "How long each part of the last scan took.",
      labelNames: ["part"],
      registers,
    });
    this.pressure = new Gauge({
      name: "idlereap_pressure_ratio",
      help: "Use of a limited resource against its limit (0..1), by namespace and resource.",
      labelNames: ["netns", "resource"],
      registers,
    });
    this.scale = new Gauge({
      name: "idlereap_threshold_scale",
      help: "Factor applied to idle thresholds under resource pressure (1: none).",
      labelNames: ["netns"],
      registers,
    });
    this.reloads = new Counter({
      name: "idlereap_policy_reloads_total",
      help: "Policy reloads (SIGHUP), by result: applied or refused.",
      labelNames: ["result"],
      registers,
    });
    this.rules = new Gauge({
      name: "idlereap_policy_rules",
      help: "Rules in the policy in force.",
      registers,
    });
    this.twBuckets = new Gauge({
      name: "idlereap_tcp_max_tw_buckets",
      help: "net.ipv4.tcp_max_tw_buckets of each namespace: past it new TIME_WAIT sockets are destroyed at once.",
      labelNames: ["netns"],
      registers,
    });
    this.holders = new HolderMetrics(registry);
  }

  sawNetns(netns: string, counts: NetnsCounts): void {
    const before = this.statesOf.get(netns) ?? new Set<string>();
    for (const state of before) if (!counts.byState.has(state)) this.sockets.remove({ netns, state });
    for (const [state, n] of counts.byState) this.sockets.set({ netns, state }, n);
    this.statesOf.set(netns, new Set(counts.byState.keys()));
    this.noKeepalive.set({ netns }, counts.establishedWithoutKeepalive);
  }

  publishIdle(bucketCounts: ArrayLike<number>, sumSeconds: number): void {
    this.idle.publish(bucketCounts, sumSeconds);
  }

  scanned(netns: string, durationMs: number, failed: boolean): void {
    this.scanDuration.set({ netns }, durationMs / 1000);
    this.scanErrors.inc({ netns }, failed ? 1 : 0);
  }

  /** Removes the series of a namespace that no longer exists. */
  forgetNetns(netns: string): void {
    for (const state of this.statesOf.get(netns) ?? []) this.sockets.remove({ netns, state });
    for (const resource of this.resourcesOf.get(netns) ?? []) this.pressure.remove({ netns, resource });
    this.statesOf.delete(netns);
    this.resourcesOf.delete(netns);
    this.noKeepalive.remove({ netns });
    this.scanDuration.remove({ netns });
    this.scale.remove({ netns });
    this.twBuckets.remove({ netns });
    this.holders.forget(netns);
  }

  outcome(o: Outcome): void {
    const rule = o.rule ?? "";
    if (o.result === "skipped") this.skips.inc({ rule, reason: o.reason ?? "unknown" });
    else this.actions.inc({ rule, action: o.action, result: o.result });
  }

  part(name: string, ok: boolean, durationMs: number): void {
    this.partSuccess.set({ part: name }, ok ? 1 : 0);
    this.partDuration.set({ part: name }, durationMs / 1000);
    this.health.part(name, ok, durationMs);
  }

  scanDone(): void {
    const now = Date.now();
    this.scans.inc();
    this.lastScan.set(now / 1000);
    this.health.cycleDone(now);
  }

  /** What /healthz answers for a daemon that scans every `intervalMs`. */
  healthState(intervalMs: number, now = Date.now()): HealthState {
    return this.health.state(intervalMs, now);
  }

  /** The namespace's TIME_WAIT limit, when it could be read. */
  twBucketsOf(netns: string, limit: number | undefined): void {
    if (limit === undefined) this.twBuckets.remove({ netns });
    else this.twBuckets.set({ netns }, limit);
  }

  /** The sockets of a full scan whose holders the metrics describe (walked when scraped). */
  holderCandidates(netns: string, candidates: HolderCandidates): void {
    this.holders.set(netns, candidates);
  }

  pressureOf(netns: string, resource: string, ratio: number): void {
    this.pressure.set({ netns, resource }, ratio);
    const set = this.resourcesOf.get(netns) ?? new Set<string>();
    set.add(resource);
    this.resourcesOf.set(netns, set);
  }

  scaleOf(netns: string, scale: number): void {
    this.scale.set({ netns }, scale);
  }

  reloaded(applied: boolean, rules: number): void {
    this.reloads.inc({ result: applied ? "applied" : "refused" });
    if (applied) this.rules.set(rules);
  }
}
