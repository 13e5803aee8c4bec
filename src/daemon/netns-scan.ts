// The daemon's pass over one namespace: counts for the metrics and pressure, and the candidates of
// the rules, in one dump. Only candidates become objects; everything else is read from the
// kernel's reply in place.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import type { NetnsRef } from "../kernel/netns.js";
import { STATE, TCP_STATES } from "../kernel/structs.js";
import { socketFromView, type TcpSocket } from "../model/tcp-socket.js";
import type { CompiledRule } from "../policy/rule-match.js";
import { RemotePortCounter } from "../report/remote-ports.js";
import { IDLE_BUCKETS_MS, idleBucket } from "../report/tally.js";
import { scanNamespaces } from "../scan/scan.js";
import { compileFilter } from "../select/socket-filter.js";

export const ALL_STATES_MASK = compileFilter({ states: "all" }).statesMask;

export interface Candidate {
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
  /** Sockets by kernel state number. */
  byState: Uint32Array;
  idleBuckets: Float64Array;
  idleSumSeconds: number;
  withoutKeepalive: number;
  timeWait: number;
  busiestRemote: { remote: string; count: number } | undefined;
  candidates: Candidate[];
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
    byState: new Uint32Array(TCP_STATES.length),
    idleBuckets: new Float64Array(IDLE_BUCKETS_MS.length + 1),
    idleSumSeconds: 0,
    withoutKeepalive: 0,
    timeWait: 0,
    busiestRemote: undefined,
    candidates: [],
    durationMs: 0,
    error: undefined,
  };
  const ports = ephemeral && out.full ? new RemotePortCounter(ephemeral) : undefined;
  const visit = (v: DiagMessageView): void => {
    const state = v.stateNumber;
    out.byState[state] = (out.byState[state] ?? 0) + 1;
    if (state === STATE.ESTABLISHED) countEstablished(out, v);
    else if (state === STATE.TIME_WAIT) out.timeWait++;
    ports?.add(v);
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
      out.candidates.push({ socket: socketFromView(v, ns.name, undefined, undefined), rules: matched });
  };
  const filter = { ...ALL_FILTER, statesMask: options.states };
  const [result] = scanNamespaces([ns], { filter, info: options.info }, visit);
  out.durationMs = result?.durationMs ?? 0;
  out.error = result?.error;
  if (ports) out.busiestRemote = ports.busiest();
  return out;
}

const ALL_FILTER = compileFilter({ states: "all" });

function countEstablished(out: NetnsScan, v: DiagMessageView): void {
  if (v.timerNumber !== 2) out.withoutKeepalive++;
  const idle = v.idleMs;
  if (idle === undefined) return;
  const b = idleBucket(idle);
  out.idleBuckets[b] = (out.idleBuckets[b] ?? 0) + 1;
  out.idleSumSeconds += idle / 1000;
}
