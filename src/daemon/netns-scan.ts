// The daemon's pass over one namespace: counts for the metrics and pressure, and the candidates of
// the rules, in one dump. Only candidates become objects; everything else is read from the
// kernel's reply in place.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import type { NetnsRef } from "../kernel/netns.js";
import { TCP_STATES } from "../kernel/structs.js";
import { IDLE_BUCKETS_SECONDS } from "../metrics/daemon-metrics.js";
import { socketFromView, type TcpSocket } from "../model/tcp-socket.js";
import type { CompiledRule } from "../policy/rule-match.js";
import { compileFilter } from "../policy/socket-filter.js";
import { scanNamespaces } from "../scan/scan.js";

export const ALL_STATES_MASK = compileFilter({ states: "all" }).statesMask;
const ESTABLISHED = 1;
const TIME_WAIT = 6;
const LISTEN = 10;
const IDLE_BOUNDS_MS = IDLE_BUCKETS_SECONDS.map((s) => s * 1000);

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
    idleBuckets: new Float64Array(IDLE_BOUNDS_MS.length + 1),
    idleSumSeconds: 0,
    withoutKeepalive: 0,
    timeWait: 0,
    busiestRemote: undefined,
    candidates: [],
    durationMs: 0,
    error: undefined,
  };
  const ports = ephemeral && out.full ? new Map<number | string, number>() : undefined;
  const visit = (v: DiagMessageView): void => {
    const state = v.stateNumber;
    out.byState[state] = (out.byState[state] ?? 0) + 1;
    if (state === ESTABLISHED) countEstablished(out, v);
    else if (state === TIME_WAIT) out.timeWait++;
    if (
      ports &&
      ephemeral &&
      state !== LISTEN &&
      v.localPort >= ephemeral[0] &&
      v.localPort <= ephemeral[1]
    ) {
      const key = remoteKey(v);
      ports.set(key, (ports.get(key) ?? 0) + 1);
    }
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
  if (ports) out.busiestRemote = busiest(ports);
  return out;
}

const ALL_FILTER = compileFilter({ states: "all" });

function countEstablished(out: NetnsScan, v: DiagMessageView): void {
  if (v.timerNumber !== 2) out.withoutKeepalive++;
  const idle = v.idleMs;
  if (idle === undefined) return;
  let b = 0;
  while (b < IDLE_BOUNDS_MS.length && idle > (IDLE_BOUNDS_MS[b] as number)) b++;
  out.idleBuckets[b] = (out.idleBuckets[b] ?? 0) + 1;
  out.idleSumSeconds += idle / 1000;
}

/** A number for IPv4 endpoints (no string per socket), a string for IPv6. */
function remoteKey(v: DiagMessageView): number | string {
  if (v.family === 4) return v.buf.readUInt32BE(v.remoteAddressOffset) * 65536 + v.remotePort;
  return `${v.remoteAddress}|${v.remotePort}`;
}

function busiest(ports: Map<number | string, number>): { remote: string; count: number } | undefined {
  let best: { key: number | string; count: number } | undefined;
  for (const [key, count] of ports) if (!best || count > best.count) best = { key, count };
  if (!best) return undefined;
  const k = best.key;
  if (typeof k === "string") return { remote: k, count: best.count };
  const ip = Math.floor(k / 65536);
  const addr = [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join(".");
  return { remote: `${addr}|${k % 65536}`, count: best.count };
}
