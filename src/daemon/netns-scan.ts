// The daemon's pass over one namespace: counts for the metrics and pressure (a NetnsTally, on full
// scans) and the candidates of the rules, in one dump. Only candidates become objects; everything
// else is read from the kernel's reply in place.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import type { NetnsRef } from "../kernel/netns.js";
import { ALL_STATES_MASK, STATE } from "../kernel/structs.js";
import { MULTI_HOLDER_IDLE_MS } from "../metrics/socket-holders.js";
import { keepScanId, socketFromView, type TcpSocket } from "../model/tcp-socket.js";
import type { CompiledRule } from "../policy/rule-match.js";
import type { CgroupIndex } from "../proc/cgroups.js";
import { NetnsTally } from "../report/tally.js";
import { scanNamespaces } from "../scan/scan.js";
import { compileFilter } from "../select/socket-filter.js";

/** A socket some due rules may act on, once its owner, cgroup and age are known. */
export interface RuleCandidate {
  socket: TcpSocket;
  /** Indexes of the rules whose kernel-side conditions hold, in rule order. */
  rules: number[];
}

export interface NetnsScan {
  netns: NetnsRef;
  /** Whether every state was dumped (the counts below are complete). */
  full: boolean;
  /** Per due rule (same order as `rules`): the shortest wait until a socket meets its time conditions. */
  minWait: number[];
  /** Inodes of sockets that will meet a rule's time conditions within `soonMs` (owners looked up early). */
  soon: number[];
  /** Counts of every socket (full scans only). */
  tally: NetnsTally | undefined;
  /** Inodes of the CLOSE_WAIT sockets (full scans only), for the holder metrics. */
  closeWait: number[];
  /** Inodes of the established sockets idle MULTI_HOLDER_IDLE_MS or more (full scans only), likewise. */
  idleEstablished: number[];
  candidates: RuleCandidate[];
  durationMs: number;
  error: Error | undefined;
}

export interface DueRule {
  rule: CompiledRule;
  /** Its position in the policy (candidates name rules by it). */
  index: number;
}

export interface NetnsScanOptions {
  /** The rules to evaluate this time, in policy order. */
  rules: readonly DueRule[];
  /** Kernel states to dump (bit per state number); every state for a full scan. */
  states: number;
  /** Ask the kernel for tcp_info. */
  info: boolean;
  /** Report sockets this close to a rule's time conditions in `soon`; default 0 (none). */
  soonMs?: number;
  /** Idle-threshold factor for this namespace (pressure). */
  scale: number;
  /** Count ephemeral ports per remote endpoint (for the ports pressure reading). */
  ephemeral?: [number, number] | undefined;
}

export function scanNetns(ns: NetnsRef, options: NetnsScanOptions): NetnsScan {
  const { rules, scale, ephemeral } = options;
  const soonMs = options.soonMs ?? 0;
  const out: NetnsScan = {
    netns: ns,
    full: options.states === ALL_STATES_MASK,
    minWait: rules.map(() => Number.POSITIVE_INFINITY),
    soon: [],
    tally: undefined,
    closeWait: [],
    idleEstablished: [],
    candidates: [],
    durationMs: 0,
    error: undefined,
  };
  const tally = out.full ? new NetnsTally(ns.name, { ephemeral }) : undefined;
  out.tally = tally;
  const visit = (v: DiagMessageView): void => {
    tally?.add(v);
    if (tally) noteHolderCandidate(out, v);
    let matched: number[] | undefined;
    for (let i = 0; i < rules.length; i++) {
      const { rule, index } = rules[i] as DueRule;
      if (!rule.matchBase(v)) continue;
      if (rule.needsInfo) {
        const wait = rule.remainingMs(v, scale);
        if (wait < (out.minWait[i] as number)) out.minWait[i] = wait;
        if (wait > 0) {
          if (wait <= soonMs) out.soon.push(v.inode);
          continue;
        }
      }
      if (matched) matched.push(index);
      else matched = [index];
    }
    if (matched)
      out.candidates.push({
        socket: keepScanId(socketFromView(v, ns.name, undefined, undefined), v),
        rules: matched,
      });
  };
  const filter = { ...ALL_FILTER, statesMask: options.states };
  const [result] = scanNamespaces([ns], { filter, info: options.info }, visit);
  out.durationMs = result?.durationMs ?? 0;
  out.error = result?.error;
  return out;
}

const ALL_FILTER = compileFilter({ states: "all" });

/** Sockets whose holders the metrics describe: CLOSE_WAIT, and established ones idle for long. */
function noteHolderCandidate(out: NetnsScan, v: DiagMessageView): void {
  const n = v.stateNumber;
  if (n === STATE.CLOSE_WAIT) out.closeWait.push(v.inode);
  else if (n === STATE.ESTABLISHED && (v.idleMs ?? 0) >= MULTI_HOLDER_IDLE_MS)
    out.idleEstablished.push(v.inode);
}

export interface CycleScan {
  scans: NetnsScan[];
  /** Per due rule: the shortest wait of any socket in any namespace. */
  minWait: number[];
  /** Whether a namespace could not be scanned. */
  failed: boolean;
}

/** Scans every namespace with its own scale; `onScanned` hears each namespace's outcome. */
export function scanCycle(
  namespaces: readonly NetnsRef[],
  options: Omit<NetnsScanOptions, "scale" | "ephemeral">,
  perNetns: {
    scales: ReadonlyMap<string, number>;
    ephemeral: ReadonlyMap<string, [number, number] | undefined>;
  },
  onScanned: (scan: NetnsScan) => void,
): CycleScan {
  const out: CycleScan = {
    scans: [],
    minWait: options.rules.map(() => Number.POSITIVE_INFINITY),
    failed: false,
  };
  for (const ns of namespaces) {
    const scan = scanNetns(ns, {
      ...options,
      scale: perNetns.scales.get(ns.name) ?? 1,
      ephemeral: perNetns.ephemeral.get(ns.name),
    });
    onScanned(scan);
    if (scan.error) {
      out.failed = true;
      continue;
    }
    out.scans.push(scan);
    scan.minWait.forEach((w, k) => {
      if (w < (out.minWait[k] as number)) out.minWait[k] = w;
    });
  }
  return out;
}

/** Resolves the cgroup path of every candidate (for rules with cgroup conditions). */
export function attachCgroupPaths(scans: readonly NetnsScan[], index: CgroupIndex): void {
  index.beginScan();
  for (const scan of scans) {
    for (const { socket } of scan.candidates) {
      if (socket.cgroupId !== null) socket.cgroup = index.pathOf(BigInt(socket.cgroupId)) ?? null;
    }
  }
}
