// The closing pipeline behind `kill` and `run`, in one facade (as undici's client picks HTTP/1 or
// HTTP/2 itself): the safety rules and the limit (planActions), graceful closes, aborts and
// keepalive retrofits (Closer), escalation after the grace period (Escalations). An abort that no
// owner condition needs goes the streaming path: straight from the dump, no /proc walk, no object
// per socket. In a dry run nothing is touched and every action is "would-act".
import type { NetnsRef } from "../kernel/netns.js";
import { DEAD_PEER_DEFAULT_MS } from "../model/dead-peer.js";
import { collectSockets } from "../scan/collect.js";
import type { NetnsScanResult } from "../scan/scan.js";
import type { SocketFilter } from "../select/socket-filter.js";
import { Closer, type Done } from "./closer.js";
import { type ActionKind, REAP_DEFAULTS } from "./defaults.js";
import { Escalations } from "./escalations.js";
import type { Outcome } from "./outcome.js";
import { type ActionRequest, type DeadPeerRequest, planActions } from "./plan.js";
import { Protection, type ProtectSpec } from "./protect.js";
import { orphanAbortUnsafe } from "./safety.js";
import { streamAbort } from "./stream-abort.js";
import { type Summary, summarize } from "./summary.js";
import { waitForEscalations } from "./wait-escalations.js";

export interface ReaperOptions {
  protect?: ProtectSpec;
  /** Touch nothing: every action is reported as "would-act". */
  dryRun?: boolean;
  /** At most this many closing or keepalive actions per call of `act`; default unlimited. */
  limit?: number;
  /** The kernel release (uname -r) that decides whether orphans may be aborted; default this kernel's. */
  kernelRelease?: string;
}

/** What `idlereap kill` asks: the sockets a filter selects, closed one way. */
export interface KillSpec {
  filter: SocketFilter;
  mode: "graceful" | "abort";
  /** Graceful: abort sockets still held this long after FIN; 0 never. Default 5 s. */
  graceMs?: number;
  /** Close even with data queued. */
  force?: boolean;
  /** Graceful: abort when pidfd_getfd is refused or no process holds the socket. */
  allowAbort?: boolean;
  /** Attribute sockets to processes for the report when closing needs no owner; default true. */
  owners?: boolean;
  /** Only these pids are walked when the filter names pids. */
  pids?: readonly number[] | undefined;
  /** A peer silent this long with data or probes waiting counts as dead (default 30 s): aborted, queued data or not. */
  deadPeerMs?: number;
  /** Resolve cgroup ids to paths for the report; default false. */
  cgroups?: boolean;
  /** Keep at most this many outcomes of a streamed abort (the summary counts all); default all. */
  keepOutcomes?: number;
}

export interface KillResult {
  summary: Summary;
  outcomes: Outcome[];
  namespaces: NetnsScanResult[];
}

export class Reaper {
  private protection: Protection;
  private readonly dryRun: boolean;
  private limit: number | undefined;
  private readonly orphansUnsafe: boolean;
  private readonly netns = new Map<string, NetnsRef>();
  private readonly closer = new Closer(this.netns);
  private readonly escalations = new Escalations();

  constructor(options: ReaperOptions = {}) {
    this.protection = new Protection(options.protect);
    this.dryRun = options.dryRun ?? false;
    this.limit = options.limit;
    this.orphansUnsafe = orphanAbortUnsafe(options.kernelRelease);
  }

  /** Takes the protection and limit of a reloaded policy. */
  reconfigure(options: Pick<ReaperOptions, "protect" | "limit">): void {
    this.protection = new Protection(options.protect);
    this.limit = options.limit;
  }

  /** The namespaces sockets may name (TcpSocket.netns); acting in another one is "gone". */
  useNamespaces(namespaces: readonly NetnsRef[]): void {
    this.netns.clear();
    for (const n of namespaces) this.netns.set(n.name, n);
  }

  /** Whether acting needs each socket's owner: graceful closes, keepalive, protected processes. */
  needsOwners(action: ActionKind): boolean {
    return action === "close" || action === "keepalive" || this.protection.needsOwners;
  }

  /** Selects and closes, then waits out the grace periods; streams when no owner is needed. */
  async kill(namespaces: readonly NetnsRef[], spec: KillSpec): Promise<KillResult> {
    this.useNamespaces(namespaces);
    const action: ActionKind = spec.mode === "abort" ? "abort" : "close";
    const force = spec.force ?? REAP_DEFAULTS.force;
    if (!this.needsOwners(action) && !spec.filter.needsOwners) {
      this.protection.refreshOwn();
      return streamAbort(namespaces, {
        filter: spec.filter,
        // Without force, tcp_info tells a dead peer's undeliverable queue from deliverable data.
        info: spec.filter.needsInfo || !force,
        protection: this.protection,
        force,
        deadPeerMs: spec.deadPeerMs ?? DEAD_PEER_DEFAULT_MS,
        orphansUnsafe: this.orphansUnsafe,
        dryRun: this.dryRun,
        keepOutcomes: spec.keepOutcomes ?? Number.POSITIVE_INFINITY,
      });
    }
    const { sockets, namespaces: results } = collectSockets(namespaces, {
      filter: spec.filter,
      owners: this.needsOwners(action) || spec.owners !== false,
      pids: spec.pids,
      cgroups: spec.cgroups ?? false,
      ids: true,
    });
    const requests: ActionRequest[] = sockets.map((socket) => ({
      socket,
      action,
      force,
      graceMs: spec.graceMs ?? REAP_DEFAULTS.graceMs,
      allowAbort: spec.allowAbort ?? REAP_DEFAULTS.allowAbort,
      ...(spec.deadPeerMs !== undefined ? { deadPeerMs: spec.deadPeerMs } : {}),
    }));
    try {
      const outcomes = this.act(requests);
      await this.settle();
      return { summary: summarize(outcomes), outcomes, namespaces: results };
    } finally {
      this.release();
    }
  }

  /** Plans and carries out: one outcome per request, graceful closes left to escalate. */
  act(requests: readonly ActionRequest[]): Outcome[] {
    this.protection.refreshOwn();
    const plan = planActions(requests, {
      protection: this.protection,
      orphansUnsafe: this.orphansUnsafe,
      ...(this.limit !== undefined ? { limit: this.limit } : {}),
    });
    const done = carryOut(plan.act, {
      closer: this.closer,
      escalations: this.escalations,
      dryRun: this.dryRun,
    });
    return [...done, ...plan.skipped];
  }

  /** The earliest end of a grace period, or undefined when nothing waits. */
  nextDeadline(): number | undefined {
    return this.escalations.nextDeadline();
  }

  /** Aborts the gracefully closed sockets whose grace has run out and a process still holds. */
  escalate(): Outcome[] {
    try {
      return this.escalations.run(this.closer);
    } finally {
      this.closer.release();
    }
  }

  /** Waits out every pending grace period, ending early once the owners have closed. */
  async settle(onEscalated?: (changed: Outcome[]) => void): Promise<void> {
    await waitForEscalations(this.escalations, this.closer, onEscalated);
  }

  /** Closes the netlink sockets and pidfds opened so far. */
  release(): void {
    this.closer.release();
  }
}

export interface ReapOptions {
  closer: Closer;
  escalations: Escalations;
  dryRun: boolean;
}

/** Carries out a plan with the closer: aborts in batches, graceful closes handed to the escalations. */
export function carryOut(act: readonly ActionRequest[], options: ReapOptions): Outcome[] {
  const outcomes = act.map((c) => carryOutOne(c, options));
  if (options.dryRun) return outcomes;
  const aborts: number[] = [];
  act.forEach((c, i) => {
    if (c.action === "abort") aborts.push(i);
  });
  const done = options.closer.abortMany(aborts.map((i) => (act[i] as ActionRequest).socket));
  aborts.forEach((i, k) => {
    outcomes[i] = { ...(outcomes[i] as Outcome), ...(done[k] as Done) };
  });
  return outcomes;
}

function carryOutOne(c: ActionRequest, { closer, escalations, dryRun }: ReapOptions): Outcome {
  const dead = (c as Partial<DeadPeerRequest>).deadPeer;
  const base: Outcome = {
    socket: c.socket,
    action: c.action,
    ...(c.rule !== undefined ? { rule: c.rule } : {}),
    result: "reported",
    ...(dead ? { deadPeerMs: dead.ms, detail: dead.detail } : {}),
  };
  if (c.action === "report") return base;
  if (dryRun) return { ...base, result: "would-act" };
  if (c.action === "abort") return { ...base, result: "aborted" }; // filled in by the batch
  const done =
    c.action === "close"
      ? closer.graceful(c.socket, c.allowAbort)
      : closer.keepalive(c.socket, c.keepalive ?? REAP_DEFAULTS.keepalive);
  const outcome: Outcome = { ...base, ...done };
  if (outcome.result === "closed") escalations.add(outcome, c.graceMs);
  return outcome;
}
