// Streaming aggregation of one namespace's socket table for the status report: counts, an idle
// histogram, the longest-idle few, and compact inode lists for grouping by process afterwards.
// Nothing here holds one object per socket.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import { socketFromView, type TcpSocket } from "../model/tcp-socket.js";

/** Upper bounds (ms) of the established idle-time histogram; the last bucket is unbounded. */
export const IDLE_BUCKETS_MS = [1_000, 10_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];

const EST = 1;
const FIN_WAIT2 = 5;
const CLOSE_WAIT = 8;
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
  /** Remote endpoint → sockets using an ephemeral local port towards it. */
  readonly portsByRemote = new Map<number | string, number>();
  private readonly remoteNames = new Map<number | string, string>();
  private readonly options: TallyOptions;

  constructor(netns: string, options: TallyOptions) {
    this.netns = netns;
    this.options = options;
  }

  add(v: DiagMessageView): void {
    this.total++;
    const state = v.state;
    this.byState.set(state, (this.byState.get(state) ?? 0) + 1);
    const n = v.stateNumber;
    if (n === EST) this.addEstablished(v);
    else if (n === CLOSE_WAIT) this.closeWait.push(v.inode, v.idleMs ?? 0);
    else if (n === FIN_WAIT2) {
      this.finWait2++;
      if (v.inode !== 0) this.finWait2Held.push(v.inode, v.idleMs ?? 0);
    }
    if (n !== 10) this.countPort(v);
    this.checkDeadPeer(v);
  }

  private addEstablished(v: DiagMessageView): void {
    const ka = v.timerNumber === 2;
    if (ka) this.keepaliveArmed++;
    this.established.push(v.inode, ka ? 1 : 0);
    const idle = v.idleMs;
    if (idle === undefined) return;
    let b = 0;
    while (b < IDLE_BUCKETS_MS.length && idle > (IDLE_BUCKETS_MS[b] as number)) b++;
    this.idleHistogram[b] = (this.idleHistogram[b] as number) + 1;
    const top = this.longestIdle;
    if (top.length < TOP || idle > ((top[top.length - 1] as TcpSocket).idleMs ?? 0)) {
      top.push(socketFromView(v, this.netns, undefined, undefined));
      top.sort((a, b2) => (b2.idleMs ?? 0) - (a.idleMs ?? 0));
      if (top.length > TOP) top.pop();
    }
  }

  private countPort(v: DiagMessageView): void {
    const range = this.options.ephemeral;
    if (!range) return;
    const p = v.localPort;
    if (p < range[0] || p > range[1]) return;
    // Keyed without formatting the address: an IPv4 endpoint as one number, IPv6 as its bytes.
    const at = v.remoteAddressOffset;
    const key =
      v.family === 4
        ? v.buf.readUInt32BE(at) * 65536 + v.remotePort
        : `${v.buf.toString("hex", at, at + 16)}|${v.remotePort}`;
    const n = this.portsByRemote.get(key);
    if (n === undefined) {
      this.portsByRemote.set(key, 1);
      this.remoteNames.set(key, `${v.remoteAddress}|${v.remotePort}`);
    } else this.portsByRemote.set(key, n + 1);
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
    let best: { key: number | string; count: number } | undefined;
    for (const [key, count] of this.portsByRemote) if (!best || count > best.count) best = { key, count };
    return best && { remote: this.remoteNames.get(best.key) ?? "?", count: best.count };
  }
}
