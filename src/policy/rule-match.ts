// Policy rules compiled for the scan loop. A rule is checked in two steps: on the kernel's reply
// (states, ports, addresses, keepalive, idle scaled by pressure, dead peer: model/dead-peer.ts) without allocating, and
// then on the candidate socket with its owner, cgroup and age.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import { deadPeerMs } from "../model/dead-peer.js";
import { ownerOfSocket, type TcpSocket } from "../model/tcp-socket.js";
import type { ActionKind, KeepaliveSettings } from "../reap/defaults.js";
import type { ActionSpec } from "../reap/plan.js";
import { matchAnyGlob } from "../select/glob.js";
import { compileFilter, type SocketFilter } from "../select/socket-filter.js";
import { resolveKeepalive } from "./keepalive-rule.js";
import type { Rule } from "./policy-schema.js";

export interface CompiledRule {
  readonly name: string;
  readonly action: ActionKind;
  readonly graceMs: number;
  readonly force: boolean;
  readonly allowAbort: boolean;
  readonly keepalive: KeepaliveSettings;
  /** The action of a socket this rule matches, as the Reaper takes it. */
  readonly spec: Readonly<ActionSpec>;
  readonly filter: SocketFilter;
  /** Idle threshold before pressure scaling, ms. */
  readonly idleMs: number | undefined;
  readonly ageMs: number | undefined;
  readonly unackedMs: number | undefined;
  readonly cgroups: readonly string[] | undefined;
  /** `peer: dead`: candidates are probed and only those whose peer does not answer are acted on. */
  readonly peer: "dead" | undefined;
  /** Whether the second step needs the owner (pid, command). */
  readonly needsOwners: boolean;
  /** Kernel states (bit per state number) the rule can match. */
  readonly statesMask: number;
  /** Whether the rule has time conditions (idle, unacked), which need tcp_info. */
  readonly needsInfo: boolean;
  /** Kernel-side check without the time conditions (idle, unacked). */
  matchBase(view: DiagMessageView): boolean;
  /**
   * How long until the time conditions can all hold for this socket (<= 0: they hold now;
   * Infinity: never, e.g. no tcp_info). Lets the daemon skip a rule until its horizon.
   */
  remainingMs(view: DiagMessageView, scale: number): number;
  /** The wait of a socket that just appeared: the longest of the time conditions. */
  longestWaitMs(scale: number): number;
  /** Kernel-side check; `scale` (0..1] shrinks the idle threshold under resource pressure. */
  matchView(view: DiagMessageView, scale: number): boolean;
  /** Owner, cgroup and age checks on a candidate; `ageMs` is how long the daemon has seen it. */
  matchSocket(s: TcpSocket, ageMs: number): boolean;
}

export function compileRule(rule: Rule): CompiledRule {
  const m = rule.match;
  const filter = compileFilter({
    ...(m.state ? { states: m.state } : {}),
    ...(m.port ? { ports: m.port } : {}),
    ...(m.sport ? { sports: m.sport } : {}),
    ...(m.dport ? { dports: m.dport } : {}),
    ...(m.src ? { src: m.src } : {}),
    ...(m.dst ? { dst: m.dst } : {}),
    ...(m.pid ? { pids: m.pid } : {}),
    ...(m.process ? { commands: m.process } : {}),
    ...(m.keepalive !== undefined ? { keepalive: m.keepalive } : {}),
  });
  const idleMs = m.idle;
  const unackedMs = m.unacked ?? m.deadPeer;
  const ageMs = m.age;
  const cgroups = m.cgroup;
  const keepalive: KeepaliveSettings = resolveKeepalive(rule.keepalive).settings;
  const spec: ActionSpec = {
    action: rule.action,
    rule: rule.name,
    force: rule.force,
    graceMs: rule.grace,
    allowAbort: rule.fallback === "abort",
    keepalive,
    ...(unackedMs !== undefined ? { deadPeerMs: unackedMs } : {}),
  };
  return {
    name: rule.name,
    action: rule.action,
    graceMs: rule.grace,
    force: rule.force,
    allowAbort: rule.fallback === "abort",
    keepalive,
    spec,
    filter,
    idleMs,
    ageMs,
    unackedMs,
    cgroups,
    peer: m.peer,
    // A probe goes through the owner's descriptor.
    needsOwners: filter.needsOwners || m.peer !== undefined,
    statesMask: filter.statesMask,
    needsInfo: filter.needsInfo || idleMs !== undefined || unackedMs !== undefined,
    matchBase: (v) => filter.matchView(v),
    remainingMs(v, scale) {
      let wait = Number.NEGATIVE_INFINITY;
      if (idleMs !== undefined) {
        const idle = v.idleMs;
        if (idle === undefined) return Number.POSITIVE_INFINITY;
        wait = idleMs * scale - idle;
      }
      if (unackedMs !== undefined) {
        const since = deadPeerMs(v);
        if (since === undefined) return Number.POSITIVE_INFINITY;
        wait = Math.max(wait, unackedMs - since);
      }
      return wait;
    },
    longestWaitMs: (scale) => Math.max((idleMs ?? 0) * scale, unackedMs ?? 0),
    matchView(v, scale) {
      return filter.matchView(v) && this.remainingMs(v, scale) <= 0;
    },
    matchSocket(s, age) {
      if (filter.needsOwners) {
        if (!filter.matchOwner(ownerOfSocket(s))) return false;
      }
      if (cgroups) {
        const path = s.cgroup;
        if (path === null || !matchAnyGlob(cgroups, path)) return false;
      }
      if (ageMs !== undefined && age < ageMs) return false;
      return true;
    },
  };
}
