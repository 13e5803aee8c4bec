// A socket filter as users state it (ls / kill flags, policy `match`), compiled into the parts the
// kernel can apply (state mask, bytecode for ports and prefixes) and the parts only we can (idle
// time, dead peer, owner). The kernel parts are checked again in JS, so a kernel without bytecode support
// (or one that rejects it) still gets the exact answer.
import { type Cidr, cidrContains, parseCidr } from "../kernel/address.js";
import { type Clauses, compileBytecode } from "../kernel/inet-diag-bytecode.js";
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import { isDeadPeer } from "../model/dead-peer.js";
import type { Owner } from "../model/tcp-socket.js";
import { matchAnyGlob } from "./glob.js";
import { DEFAULT_STATES, parseStates } from "./states.js";

export interface SocketFilterSpec {
  states?: string | readonly string[];
  /** Local or remote port. */
  ports?: readonly number[];
  sports?: readonly number[];
  dports?: readonly number[];
  src?: readonly string[];
  dst?: readonly string[];
  pids?: readonly number[];
  commands?: readonly string[];
  /** Only sockets idle at least this long (ms since the last application data either way). */
  idleOverMs?: number;
  /** Only sockets whose peer has not answered for at least this long (model/dead-peer.ts), ms. */
  deadPeerOverMs?: number;
  keepalive?: boolean;
  /** Only sockets held by more than this many descriptors (all processes together). */
  holdersOver?: number;
}

export interface SocketFilter {
  readonly statesMask: number;
  readonly bytecode: Buffer;
  /** Whether matching needs the owner walk (pid, command or holder conditions). */
  readonly needsOwners: boolean;
  /** Whether matching needs tcp_info from the kernel (idle conditions). */
  readonly needsInfo: boolean;
  /** Whether the state mask the kernel applies is the whole of matchView (no port, prefix, idle or keepalive condition). */
  readonly kernelExact: boolean;
  /** Everything but the owner. */
  matchView(view: DiagMessageView): boolean;
  /** Owner-based conditions (pid, command); true when there are none. */
  matchOwner(owner: Owner | undefined): boolean;
}

export function compileFilter(spec: SocketFilterSpec): SocketFilter {
  const statesMask = spec.states === undefined ? DEFAULT_STATES : parseStates(spec.states);
  const ports = spec.ports ?? [];
  const sports = spec.sports ?? [];
  const dports = spec.dports ?? [];
  const src = (spec.src ?? []).map(parseCidr);
  const dst = (spec.dst ?? []).map(parseCidr);
  const clauses: Clauses = [];
  if (ports.length)
    clauses.push(
      ports.flatMap((port) => [
        { kind: "sport" as const, port },
        { kind: "dport" as const, port },
      ]),
    );
  if (sports.length) clauses.push(sports.map((port) => ({ kind: "sport" as const, port })));
  if (dports.length) clauses.push(dports.map((port) => ({ kind: "dport" as const, port })));
  if (src.length) clauses.push(src.map((cidr) => ({ kind: "src" as const, cidr })));
  if (dst.length) clauses.push(dst.map((cidr) => ({ kind: "dst" as const, cidr })));

  const idleOver = spec.idleOverMs;
  const deadPeerOver = spec.deadPeerOverMs;
  const keepalive = spec.keepalive;
  const pids = spec.pids?.length ? new Set(spec.pids) : undefined;
  const commands = spec.commands?.length ? spec.commands : undefined;
  const holdersOver = spec.holdersOver;

  return {
    statesMask,
    bytecode: compileBytecode(clauses),
    needsOwners: pids !== undefined || commands !== undefined || holdersOver !== undefined,
    needsInfo: idleOver !== undefined || deadPeerOver !== undefined,
    kernelExact:
      clauses.length === 0 && idleOver === undefined && deadPeerOver === undefined && keepalive === undefined,
    matchView(v) {
      if (((1 << v.stateNumber) & statesMask) === 0) return false;
      if (ports.length && !ports.includes(v.localPort) && !ports.includes(v.remotePort)) return false;
      if (sports.length && !sports.includes(v.localPort)) return false;
      if (dports.length && !dports.includes(v.remotePort)) return false;
      if (src.length && !anyContains(src, v, v.localAddressOffset)) return false;
      if (dst.length && !anyContains(dst, v, v.remoteAddressOffset)) return false;
      if (keepalive !== undefined && v.keepaliveArmed !== keepalive) return false;
      if (idleOver !== undefined) {
        const idle = v.idleMs;
        if (idle === undefined || idle < idleOver) return false;
      }
      if (deadPeerOver !== undefined && !isDeadPeer(v, deadPeerOver)) return false;
      return true;
    },
    matchOwner(owner) {
      if (pids && (!owner || !pids.has(owner.pid))) return false;
      if (commands && (!owner || !matchAnyGlob(commands, owner.command ?? ""))) return false;
      if (holdersOver !== undefined && (owner?.holders ?? (owner ? 1 : 0)) <= holdersOver) return false;
      return true;
    },
  };
}

function anyContains(cidrs: Cidr[], v: DiagMessageView, off: number): boolean {
  const bytes = v.buf.subarray(off, off + (v.family === 4 ? 4 : 16));
  return cidrs.some((c) => cidrContains(c, bytes, v.family));
}
