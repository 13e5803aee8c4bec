// Streaming aggregation of one namespace's socket table for the status report: counts, an idle
// histogram, the longest-idle few, and compact inode lists for grouping by process afterwards.
// Nothing here holds one object per socket.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import { STATE } from "../kernel/structs.js";
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

export interface TallyOptions {
  /** Data outstanding and no ACK for this long marks a dead-peer suspect. */
  deadPeerMs: number;
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
  readonly byState = new Map<string, number>();
  readonly idleHistogram = new Array<number>(IDLE_BUCKETS_MS.length + 1).fill(0);
  /** Established sockets: inode → keepalive armed (1/0). */
  readonly established = new InodeList();
  keepaliveArmed = 0;
  /** CLOSE_WAIT sockets: inode → idle ms. */
  readonly closeWait = new InodeList();
  finWait2 = 0;
  /** FIN_WAIT2 sockets still held by a process (not orphaned): that process never closed them. */
  readonly finWait2Held = new InodeList();
  readonly longestIdle: TcpSocket[] = [];
  readonly deadPeers: TcpSocket[] = [];
  deadPeerCount = 0;
  private readonly ports: RemotePortCounter | undefined;
  private readonly options: TallyOptions;

  constructor(netns: string, options: TallyOptions) {
    this.netns = netns;
    this.options = options;
    this.ports = options.ephemeral ? new RemotePortCounter(options.ephemeral) : undefined;
  }

  add(v: DiagMessageView): void {
    this.total++;
    const state = v.state;
    this.byState.set(state, (this.byState.get(state) ?? 0) + 1);
    const n = v.stateNumber;
    if (n === STATE.ESTABLISHED) this.addEstablished(v);
    else if (n === STATE.CLOSE_WAIT) this.closeWait.push(v.inode, v.idleMs ?? 0);
    else if (n === STATE.FIN_WAIT2) {
      this.finWait2++;
      if (v.inode !== 0) this.finWait2Held.push(v.inode, v.idleMs ?? 0);
    }
    this.ports?.add(v);
    this.checkDeadPeer(v);
  }

  private addEstablished(v: DiagMessageView): void {
    const ka = v.timerNumber === 2;
    if (ka) this.keepaliveArmed++;
    this.established.push(v.inode, ka ? 1 : 0);
    const idle = v.idleMs;
    if (idle === undefined) return;
    const b = idleBucket(idle);
    this.idleHistogram[b] = (this.idleHistogram[b] as number) + 1;
    const top = this.longestIdle;
    if (top.length < TOP || idle > ((top[top.length - 1] as TcpSocket).idleMs ?? 0)) {
      top.push(socketFromView(v, this.netns, undefined, undefined));
      top.sort((a, b2) => (b2.idleMs ?? 0) - (a.idleMs ?? 0));
      if (top.length > TOP) top.pop();
    }
  }

  /** Data in flight that the peer has not acknowledged for long, or a stalled retransmission. */
  private checkDeadPeer(v: DiagMessageView): void {
    const unacked = v.unacked;
    if (!unacked) return;
    const lastAck = v.lastAckMs ?? 0;
    if (lastAck < this.options.deadPeerMs && (v.retransmits ?? 0) < 3) return;
    this.deadPeerCount++;
    if (this.deadPeers.length < DEAD_PEER_MAX)
      this.deadPeers.push(socketFromView(v, this.netns, undefined, undefined));
  }

  /** The busiest remote endpoint by ephemeral ports used. */
  maxPortsToOneRemote(): { remote: string; count: number } | undefined {
    return this.ports?.busiest();
  }
}
