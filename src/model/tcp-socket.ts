// One TCP socket as idlereap reports it (`idlereap ls --json` prints these objects).
import { parseAddress } from "../kernel/address.js";
import type { DiagMessageView, SockId } from "../kernel/inet-diag-codec.js";
import { STATE, type TcpState, type TimerKind } from "../kernel/structs.js";
import type { Owner } from "../proc/owner-index.js";
import { deadPeerMs } from "./dead-peer.js";

export type { Owner } from "../proc/owner-index.js";

/** What a cgroup id resolves to. */
export interface CgroupInfo {
  path: string;
  unit: string | null;
  container: string | null;
  pod: string | null;
}

export interface TcpSocket {
  netns: string;
  family: 4 | 6;
  state: TcpState;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** Interface index the socket is bound to (0: any). */
  iface: number;
  /** Bytes received and not yet read by the application (listen: accept backlog). */
  recvQ: number;
  /** Bytes sent and not yet acknowledged, or queued (listen: backlog limit). */
  sendQ: number;
  /** Milliseconds since the last application data in either direction (null without tcp_info). */
  idleMs: number | null;
  lastSendMs: number | null;
  lastRecvMs: number | null;
  /** Milliseconds since the last ACK from the peer (keepalive probes refresh it). */
  lastAckMs: number | null;
  /** Keepalive or zero-window probes out and unanswered (tcpi_probes). */
  probes: number | null;
  /**
   * How long the peer has not answered with data or probes waiting for it (model/dead-peer.ts): the
   * one definition of a dead peer; 0 when nothing waits.
   */
  deadPeerMs: number | null;
  rttMs: number | null;
  /** Segments sent and not acknowledged. */
  unacked: number | null;
  /** Retransmissions of the current segment (0 unless the connection is stalling). */
  retransmits: number | null;
  totalRetrans: number | null;
  notsentBytes: number | null;
  bytesAcked: number | null;
  bytesReceived: number | null;
  timer: TimerKind;
  timerExpiresMs: number;
  /** Whether the keepalive timer is armed (only established sockets have one). */
  keepalive: boolean;
  inode: number;
  /** The kernel's 64-bit socket cookie, in decimal. */
  cookie: string;
  uid: number;
  cgroupId: string | null;
  /** cgroup v2 path of the socket's creator, e.g. /system.slice/nginx.service. */
  cgroup: string | null;
  /** systemd unit, container id and Kubernetes pod uid, when the cgroup path shows them. */
  unit: string | null;
  container: string | null;
  pod: string | null;
  pid: number | null;
  fd: number | null;
  /**
   * Descriptors holding the socket in all processes: 1 normally, more when a process kept a dup()
   * or a child inherited it (closing one descriptor then closes nothing); 0 when no owner was found.
   */
  holders: number;
  command: string | null;
  /** The scan's id bytes, when the socket came from a scan that kept them (see keepScanId). */
  [SCAN_ID]?: SockId;
}

/** The owner a listed socket carries, or undefined when no process was found holding it. */
export function ownerOfSocket(s: TcpSocket): Owner | undefined {
  return s.pid === null ? undefined : { pid: s.pid, fd: s.fd ?? -1, command: s.command, holders: s.holders };
}

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** Copies the current reply of `view` into a plain object. */
export function socketFromView(
  view: DiagMessageView,
  netns: string,
  owner: Owner | undefined,
  cgroup: CgroupInfo | undefined,
): TcpSocket {
  // A listener's tcp_info timestamps are all zero: it has no data of its own to be idle from.
  const timed = view.stateNumber !== STATE.LISTEN;
  return {
    netns,
    family: view.family,
    state: view.state,
    localAddress: view.localAddress,
    localPort: view.localPort,
    remoteAddress: view.remoteAddress,
    remotePort: view.remotePort,
    iface: view.iface,
    recvQ: view.recvQ,
    sendQ: view.sendQ,
    idleMs: timed ? orNull(view.idleMs) : null,
    lastSendMs: timed ? orNull(view.lastSendMs) : null,
    lastRecvMs: timed ? orNull(view.lastRecvMs) : null,
    lastAckMs: timed ? orNull(view.lastAckMs) : null,
    probes: orNull(view.probes),
    deadPeerMs: timed ? orNull(deadPeerMs(view)) : null,
    rttMs: orNull(view.rttMs),
    unacked: orNull(view.unacked),
    retransmits: orNull(view.retransmits),
    totalRetrans: orNull(view.totalRetrans),
    notsentBytes: orNull(view.notsentBytes),
    bytesAcked: orNull(view.bytesAcked),
    bytesReceived: orNull(view.bytesReceived),
    timer: view.timer,
    timerExpiresMs: view.expiresMs,
    keepalive: view.keepaliveArmed,
    inode: view.inode,
    cookie: view.cookieText,
    uid: view.uid,
    cgroupId: view.cgroupIdText ?? null,
    cgroup: cgroup?.path ?? null,
    unit: cgroup?.unit ?? null,
    container: cgroup?.container ?? null,
    pod: cgroup?.pod ?? null,
    pid: owner ? owner.pid : null,
    fd: owner ? owner.fd : null,
    holders: owner ? (owner.holders ?? 1) : 0,
    command: owner ? owner.command : null,
  };
}

/** Where a listed socket keeps the id bytes of its scan (a symbol: not part of its JSON). */
export const SCAN_ID: unique symbol = Symbol("idlereap.scanId");

/** Copies the reply's socket id into `s`, so that acting on it later needs no parsing. */
export function keepScanId(s: TcpSocket, view: DiagMessageView): TcpSocket {
  s[SCAN_ID] = view.sockId();
  return s;
}

/** The kernel identity to act on: the scan's bytes, or, for an object built elsewhere (JSON), its text. */
export function idOf(s: TcpSocket): SockId {
  return s[SCAN_ID] ?? sockIdOf(s);
}

/** The kernel identity of a socket object from its text fields (4-tuple, interface, cookie). */
export function sockIdOf(s: TcpSocket): SockId {
  return {
    family: s.family,
    sport: s.localPort,
    dport: s.remotePort,
    src: addressBytes(s.localAddress, s.family),
    dst: addressBytes(s.remoteAddress, s.family),
    iface: s.iface,
    cookie: BigInt(s.cookie),
  };
}

function addressBytes(text: string, family: 4 | 6): Uint8Array {
  const { bytes } = parseAddress(text);
  return family === 4 ? bytes.subarray(0, 4) : bytes;
}
