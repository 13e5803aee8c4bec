// Streaming aggregation of one namespace's socket table, for the status report and the daemon's
// metrics: counts by state, an idle histogram, keepalive coverage, ports per remote endpoint and,
// for the report, the longest-idle few and compact inode lists for grouping by process afterwards.
// Nothing here holds one object per socket.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import { STATE, TCP_STATES } from "../kernel/structs.js";
import { deadPeerMs } from "../model/dead-peer.js";
import { socketFromView, type TcpSocket } from "../model/tcp-socket.js";
import { RemotePortCounter } from "./remote-ports.js";

/** Upper bounds (ms) of the established idle-time histogram; the last bucket is unbounded. */
export const IDLE_BUCKETS_MS = [1_000, 10_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];

/** Index of the idle-time bucket for `ms` (IDLE_BUCKETS_MS.length: over the last bound). */
export function idleBucket(ms: number): number {
  let b = 0;
  while (b < IDLE_BUCKETS_MS.length && ms > (IDLE_BUCKETS_MS[b] as number)) b++;
  return b;
}

const TOP = 10;
const DEAD_PEER_MAX = 50;
/** Idle this long with nothing outstanding, an established socket's peer may be gone unnoticed. */
export const UNKNOWN_LIVENESS_IDLE_MS = 60_000;

export interface TallyOptions {
  /**
   * A peer silent this long with data or probes outstanding is dead (model/dead-peer.ts). Given, the tally keeps the
   * status report's detail too (leak lists, longest idle, dead peers); absent, only counts.
   */
  deadPeerMs?: number | undefined;
  /** Local ports in this range count against the port budget of their remote endpoint. */
  ephemeral: [number, number] | undefined;
}

/** A growable list of u32 (inode) and a parallel one of values, without an object per entry. */
export class InodeList {
  inodes = new Uint32Array(64);
  values = new Float64Array(64);
  length = 0;
  push(inode: number, value: number): void {
    if (this.length === this.inodes.length) {
      const n = this.length * 2;
      const i2 = new Uint32Array(n);
      i2.set(this.inodes);
      const v2 = new Float64Array(n);
      v2.set(this.values);
      this.inodes = i2;
      this.values = v2;
    }
    this.inodes[this.length] = inode;
    this.values[this.length++] = value;
  }
}

export class NetnsTally {
  readonly netns: string;
  total = 0;
  /** Sockets by kernel state number. */
  readonly stateCounts = new Uint32Array(TCP_STATES.length);
  /** Established sockets by idle-time bucket (IDLE_BUCKETS_MS). */
  readonly idleHistogram = new Float64Array(IDLE_BUCKETS_MS.length + 1);
  /** Sum of the established sockets' idle times, seconds. */
  idleSumSeconds = 0;
  establishedCount = 0;
  keepaliveArmed = 0;
  /** Established sockets: inode → keepalive armed (1/0); kept with `detail`. */
  readonly established = new InodeList();
  /** CLOSE_WAIT sockets: inode → idle ms. */
  readonly closeWait = new InodeList();
  finWait2 = 0;
  /** FIN_WAIT2 sockets still held by a process (not orphaned): that process never closed them. */
  readonly finWait2Held = new InodeList();
  readonly longestIdle: TcpSocket[] = [];
  readonly deadPeers: TcpSocket[] = [];
  deadPeerCount = 0;
  /** Established sockets idle at least UNKNOWN_LIVENESS_IDLE_MS with nothing outstanding: alive or dead, unknown. */
  unknownLiveness = 0;
  private readonly ports: RemotePortCounter | undefined;
  private readonly detail: boolean;
  private readonly deadPeerMs: number;

  constructor(netns: string, options: TallyOptions) {
    this.netns = netns;
    this.detail = options.deadPeerMs !== undefined;
    this.deadPeerMs = options.deadPeerMs ?? Number.POSITIVE_INFINITY;
    this.ports = options.ephemeral ? new RemotePortCounter(options.ephemeral) : undefined;
  }

  add(v: DiagMessageView): void {
    this.total++;
    const n = v.stateNumber;
    this.stateCounts[n] = (this.stateCounts[n] ?? 0) + 1;
    if (n === STATE.ESTABLISHED) this.addEstablished(v);
    this.ports?.add(v);
    if (!this.detail) return;
    if (n === STATE.CLOSE_WAIT) this.closeWait.push(v.inode, v.idleMs ?? 0);
    else if (n === STATE.FIN_WAIT2) {
      this.finWait2++;
      if (v.inode !== 0) this.finWait2Held.push(v.inode, v.idleMs ?? 0);
    }
    this.checkDeadPeer(v);
  }

  /** Sockets by state name (states with none left out), in kernel order. */
  get byState(): Map<string, number> {
    const out = new Map<string, number>();
    this.stateCounts.forEach((count, i) => {
      if (count > 0) out.set(TCP_STATES[i] ?? String(i), count);
    });
    return out;
  }

  get timeWait(): number {
    return this.stateCounts[STATE.TIME_WAIT] ?? 0;
  }

  get withoutKeepalive(): number {
    return this.establishedCount - this.keepaliveArmed;
  }

  private addEstablished(v: DiagMessageView): void {
    this.establishedCount++;
    const ka = v.keepaliveArmed;
    if (ka) this.keepaliveArmed++;
    if (this.detail) this.established.push(v.inode, ka ? 1 : 0);
    const idle = v.idleMs;
    if (idle === undefined) return;
    const b = idleBucket(idle);
    this.idleHistogram[b] = (this.idleHistogram[b] as number) + 1;
    this.idleSumSeconds += idle / 1000;
    if (!this.detail) return;
    const top = this.longestIdle;
    if (top.length < TOP || idle > ((top[top.length - 1] as TcpSocket).idleMs ?? 0)) {
      top.push(socketFromView(v, this.netns, undefined, undefined));
      top.sort((a, b2) => (b2.idleMs ?? 0) - (a.idleMs ?? 0));
      if (top.length > TOP) top.pop();
    }
  }

  /** A dead peer by the one definition (model/dead-peer.ts); else, if long idle, a liveness nobody knows. */
  private checkDeadPeer(v: DiagMessageView): void {
    const ms = deadPeerMs(v);
    if (ms === undefined) return;
    if (ms === 0) {
      // Nothing waits for the peer: quiet-but-alive and dead look the same until a probe asks.
      if (v.stateNumber === STATE.ESTABLISHED && (v.idleMs ?? 0) >= UNKNOWN_LIVENESS_IDLE_MS)
        this.unknownLiveness++;
      return;
    }
    if (ms < this.deadPeerMs) return;
    this.deadPeerCount++;
    if (this.deadPeers.length < DEAD_PEER_MAX)
      this.deadPeers.push(socketFromView(v, this.netns, undefined, undefined));
  }

  /** The busiest remote endpoint by ephemeral ports used. */
  maxPortsToOneRemote(): { remote: string; count: number } | undefined {
    return this.ports?.busiest();
  }
}

/** The upper bound of idle bucket `i` as people write it (30s, 5m, 1h, 1d), or +Inf for the last. */
export function idleBucketLabel(i: number): string {
  const ms = IDLE_BUCKETS_MS[i];
  if (ms === undefined) return "+Inf";
  return ms % 86_400_000 === 0
    ? `${ms / 86_400_000}d`
    : ms % 3_600_000 === 0
      ? `${ms / 3_600_000}h`
      : ms % 60_000 === 0
        ? `${ms / 60_000}m`
        : `${ms / 1000}s`;
}
