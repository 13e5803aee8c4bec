// Pure inet_diag codec: encode dump and destroy requests, and read replies through a reusable view
// so that counting or filtering a dump allocates nothing per socket.
import { NetlinkError } from "../errors.js";
import { dataView } from "../util/data-view.js";
import { u64Text } from "../util/u64-text.js";
import { formatIPv4, formatIPv6 } from "./address.js";
import { align4, attrLength, encodeAttr, encodeMessage } from "./netlink-codec.js";
import {
  AF_INET,
  AF_INET6,
  DIAG_MSG,
  INET_DIAG_CGROUP_ID,
  INET_DIAG_INFO,
  INET_DIAG_REQ_BYTECODE,
  INET_DIAG_SHUTDOWN,
  IPPROTO_TCP,
  NLM_F_ACK,
  NLM_F_DUMP,
  NLM_F_REQUEST,
  NLMSG_HDRLEN,
  REQ_V1,
  REQ_V2,
  SOCK_DESTROY,
  SOCK_DIAG_BY_FAMILY,
  SOCKID,
  STATE_MAX,
  STATE_MIN,
  TCP_INFO,
  TCP_STATES,
  TCPDIAG_GETSOCK,
  type TcpState,
  TIMER_MAX,
  TIMERS,
  type TimerKind,
} from "./structs.js";

/** The kernel's identity of one socket: 4-tuple, interface and cookie (raw 8 bytes). */
export interface SockId {
  family: 4 | 6;
  sport: number;
  dport: number;
  /** 4 or 16 bytes, network order. */
  src: Uint8Array;
  dst: Uint8Array;
  iface: number;
  /** 64-bit cookie as the kernel gave it. */
  cookie: bigint;
}

export interface DumpRequest {
  /** 0: both, in one walk of the kernel's tables (the TCPDIAG_GETSOCK request). */
  family: 4 | 6 | 0;
  /** Bit per kernel TCP state number. */
  states: number;
  /** Ask for struct tcp_info. */
  info: boolean;
  /** Compiled INET_DIAG_REQ_BYTECODE program, if any. */
  bytecode?: Uint8Array | undefined;
}

const EXT_INFO = 1 << (INET_DIAG_INFO - 1);
/** idiag_timer of an armed keepalive timer (TIMERS[2]). */
const TIMER_KEEPALIVE = 2;

function encodeSockIdInto(buf: Buffer, at: number, id: SockId): void {
  buf.writeUInt16BE(id.sport, at + SOCKID.sport);
  buf.writeUInt16BE(id.dport, at + SOCKID.dport);
  buf.set(id.src, at + SOCKID.src);
  buf.set(id.dst, at + SOCKID.dst);
  buf.writeUInt32LE(id.iface, at + SOCKID.if);
  buf.writeBigUInt64LE(id.cookie, at + SOCKID.cookie);
}

function encodeReqV2(family: 4 | 6, states: number, ext: number, id?: SockId): Buffer {
  const req = Buffer.alloc(REQ_V2.size);
  req.writeUInt8(family === 4 ? AF_INET : AF_INET6, REQ_V2.family);
  req.writeUInt8(IPPROTO_TCP, REQ_V2.protocol);
  req.writeUInt8(ext, REQ_V2.ext);
  req.writeUInt32LE(states >>> 0, REQ_V2.states);
  if (id) encodeSockIdInto(req, REQ_V2.id, id);
  else req.writeBigUInt64LE(0xffffffffffffffffn, REQ_V2.id + SOCKID.cookie); // INET_DIAG_NOCOOKIE
  return req;
}

/** SOCK_DIAG_BY_FAMILY dump of TCP sockets of one family; TCPDIAG_GETSOCK of both for family 0. */
export function encodeDumpRequest(req: DumpRequest, seq: number): Buffer {
  if (req.family === 0) return encodeBothFamiliesRequest(req, seq);
  const parts: Uint8Array[] = [encodeReqV2(req.family, req.states, req.info ? EXT_INFO : 0)];
  if (req.bytecode && req.bytecode.byteLength > 0)
    parts.push(encodeAttr(INET_DIAG_REQ_BYTECODE, req.bytecode));
  return encodeMessage(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST | NLM_F_DUMP, seq, parts);
}

/** sock_diag lookup of exactly one socket by its full id (the cookie too), with tcp_info when `info`. */
export function encodeLookupRequest(id: SockId, seq: number, info: boolean): Buffer {
  return encodeMessage(SOCK_DIAG_BY_FAMILY, NLM_F_REQUEST, seq, [
    encodeReqV2(id.family, 0xfff, info ? EXT_INFO : 0, id),
  ]);
}

/**
 * The older TCP request (struct inet_diag_req): the kernel dumps it with family AF_UNSPEC, IPv4 and
 * IPv6 in one walk of its tables, where two SOCK_DIAG_BY_FAMILY requests walk them twice (the walk
 * visits every socket of every namespace, so the second costs about a quarter of the first even
 * when it returns nothing). Replies are the same inet_diag_msg, with this message type.
 */
function encodeBothFamiliesRequest(req: DumpRequest, seq: number): Buffer {
  const body = Buffer.alloc(REQ_V1.size);
  body.writeUInt8(req.info ? EXT_INFO : 0, REQ_V1.ext);
  body.writeBigUInt64LE(0xffffffffffffffffn, REQ_V1.id + SOCKID.cookie); // INET_DIAG_NOCOOKIE
  body.writeUInt32LE(req.states >>> 0, REQ_V1.states);
  const parts: Uint8Array[] = [body];
  if (req.bytecode && req.bytecode.byteLength > 0)
    parts.push(encodeAttr(INET_DIAG_REQ_BYTECODE, req.bytecode));
  return encodeMessage(TCPDIAG_GETSOCK, NLM_F_REQUEST | NLM_F_DUMP, seq, parts);
}

/** SOCK_DESTROY of exactly one socket: the full id including the cookie, so a reused 4-tuple is never hit. */
export function encodeDestroyRequest(id: SockId, seq: number): Buffer {
  return encodeMessage(SOCK_DESTROY, NLM_F_REQUEST | NLM_F_ACK, seq, [encodeReqV2(id.family, 0xfff, 0, id)]);
}

/**
 * A reusable view over one inet_diag_msg reply. `reset` points it at a message; getters decode on
 * demand. tcp_info fields read past the end of a short (older kernel) struct return undefined.
 */
export class DiagMessageView {
  buf: Buffer = Buffer.alloc(0);
  /** A DataView of `buf` (kept across messages of one buffer): plain loads once compiled, where readUInt32LE is a call. */
  dv = dataView(this.buf);
  /** Offset of the inet_diag_msg (after the netlink header). */
  base = 0;
  /** Length of the whole reply, netlink header included. */
  length = 0;
  infoOff = -1;
  infoLen = 0;
  cgroupOff = -1;
  shutdownOff = -1;

  reset(buf: Buffer, msgOff: number, msgLen: number): this {
    if (msgLen < NLMSG_HDRLEN + DIAG_MSG.size) {
      throw new NetlinkError(
        "IDLEREAP_ERR_NETLINK_TRUNCATED",
        `inet_diag: reply of ${msgLen} bytes is shorter than inet_diag_msg (${NLMSG_HDRLEN + DIAG_MSG.size})`,
      );
    }
    if (msgOff + msgLen > buf.length) {
      throw new NetlinkError(
        "IDLEREAP_ERR_NETLINK_TRUNCATED",
        `inet_diag: reply of ${msgLen} bytes at offset ${msgOff} runs past the ${buf.length}-byte buffer`,
      );
    }
    checkHead(buf, msgOff + NLMSG_HDRLEN);
    if (buf !== this.buf) {
      this.buf = buf;
      this.dv = dataView(buf);
    }
    this.base = msgOff + NLMSG_HDRLEN;
    this.length = msgLen;
    this.infoOff = -1;
    this.infoLen = 0;
    this.cgroupOff = -1;
    this.shutdownOff = -1;
    // The attribute walk of forEachAttr, inlined: it runs for every socket of every scan.
    const end = msgOff + msgLen;
    for (let at = this.base + DIAG_MSG.size; end - at >= 4; ) {
      const len = attrLength(buf, at, end);
      const type = buf.readUInt16LE(at + 2) & 0x3fff;
      if (type === INET_DIAG_INFO) {
        this.infoOff = at + 4;
        this.infoLen = len - 4;
      } else if (type === INET_DIAG_CGROUP_ID && len >= 12) this.cgroupOff = at + 4;
      else if (type === INET_DIAG_SHUTDOWN && len >= 5) this.shutdownOff = at + 4;
      at += align4(len);
    }
    return this;
  }

  get family(): 4 | 6 {
    return this.buf[this.base + DIAG_MSG.family] === AF_INET ? 4 : 6;
  }
  get stateNumber(): number {
    return this.buf[this.base + DIAG_MSG.state] as number;
  }
  get state(): TcpState {
    return (TCP_STATES[this.stateNumber] ?? "unknown") as TcpState;
  }
  get timerNumber(): number {
    return this.buf[this.base + DIAG_MSG.timer] as number;
  }
  get timer(): TimerKind {
    return TIMERS[this.timerNumber] ?? "off";
  }
  /** Whether the keepalive timer is armed (an idle established socket with SO_KEEPALIVE). */
  get keepaliveArmed(): boolean {
    return this.buf[this.base + DIAG_MSG.timer] === TIMER_KEEPALIVE;
  }
  /** Retransmit or probe count of the pending timer. */
  get timerRetrans(): number {
    return this.buf[this.base + DIAG_MSG.retrans] as number;
  }
  get expiresMs(): number {
    return this.dv.getUint32(this.base + DIAG_MSG.expires, true);
  }
  get localPort(): number {
    return this.dv.getUint16(this.base + DIAG_MSG.id + SOCKID.sport);
  }
  get remotePort(): number {
    return this.dv.getUint16(this.base + DIAG_MSG.id + SOCKID.dport);
  }
  /** Offset of the local address bytes (4 or 16 by family). */
  get localAddressOffset(): number {
    return this.base + DIAG_MSG.id + SOCKID.src;
  }
  get remoteAddressOffset(): number {
    return this.base + DIAG_MSG.id + SOCKID.dst;
  }
  get localAddress(): string {
    return this.formatAddr(this.localAddressOffset);
  }
  get remoteAddress(): string {
    return this.formatAddr(this.remoteAddressOffset);
  }
  private formatAddr(off: number): string {
    return this.family === 4 ? formatIPv4(this.buf, off) : formatIPv6(this.buf, off);
  }
  get iface(): number {
    return this.dv.getUint32(this.base + DIAG_MSG.id + SOCKID.if, true);
  }
  get cookie(): bigint {
    return this.buf.readBigUInt64LE(this.base + DIAG_MSG.id + SOCKID.cookie);
  }
  get recvQ(): number {
    return this.dv.getUint32(this.base + DIAG_MSG.rqueue, true);
  }
  get sendQ(): number {
    return this.dv.getUint32(this.base + DIAG_MSG.wqueue, true);
  }
  get uid(): number {
    return this.dv.getUint32(this.base + DIAG_MSG.uid, true);
  }
  get inode(): number {
    return this.dv.getUint32(this.base + DIAG_MSG.inode, true);
  }
  get cgroupId(): bigint | undefined {
    return this.cgroupOff < 0 ? undefined : this.buf.readBigUInt64LE(this.cgroupOff);
  }
  /** Shutdown bits: 1 = receive side shut, 2 = send side shut. */
  get shutdown(): number {
    return this.shutdownOff < 0 ? 0 : (this.buf[this.shutdownOff] as number);
  }
  get hasInfo(): boolean {
    return this.infoOff >= 0;
  }
  /** A u32 tcp_info field, or undefined when the kernel's struct is too short to hold it. */
  infoU32(field: number): number | undefined {
    return this.infoOff >= 0 && field + 4 <= this.infoLen
      ? this.dv.getUint32(this.infoOff + field, true)
      : undefined;
  }
  infoU64(field: number): number | undefined {
    if (this.infoOff < 0 || field + 8 > this.infoLen) return undefined;
    const at = this.infoOff + field;
    return this.dv.getUint32(at, true) + this.dv.getUint32(at + 4, true) * 4294967296;
  }
  /** The cookie in decimal, without a BigInt when it fits a double exactly (it nearly always does). */
  get cookieText(): string {
    return u64Text(this.buf, this.base + DIAG_MSG.id + SOCKID.cookie);
  }
  get cgroupIdText(): string | undefined {
    return this.cgroupOff < 0 ? undefined : u64Text(this.buf, this.cgroupOff);
  }
  get lastSendMs(): number | undefined {
    return this.infoU32(TCP_INFO.lastDataSent);
  }
  get lastRecvMs(): number | undefined {
    return this.infoU32(TCP_INFO.lastDataRecv);
  }
  get lastAckMs(): number | undefined {
    return this.infoU32(TCP_INFO.lastAckRecv);
  }
  /** Time since the last application data in either direction; undefined without tcp_info. */
  get idleMs(): number | undefined {
    if (this.infoOff < 0 || this.infoLen < TCP_INFO.lastDataRecv + 4) return undefined;
    const s = this.dv.getUint32(this.infoOff + TCP_INFO.lastDataSent, true);
    const r = this.dv.getUint32(this.infoOff + TCP_INFO.lastDataRecv, true);
    return s < r ? s : r;
  }
  get unacked(): number | undefined {
    return this.infoU32(TCP_INFO.unacked);
  }
  get notsentBytes(): number | undefined {
    return this.infoU32(TCP_INFO.notsentBytes);
  }
  /** Smoothed RTT in milliseconds. */
  get rttMs(): number | undefined {
    const us = this.infoU32(TCP_INFO.rtt);
    return us === undefined ? undefined : us / 1000;
  }
  /** Variation of the smoothed RTT, ms (tcpi_rttvar). */
  get rttVarMs(): number | undefined {
    const us = this.infoU32(TCP_INFO.rttvar);
    return us === undefined ? undefined : us / 1000;
  }
  get totalRetrans(): number | undefined {
    return this.infoU32(TCP_INFO.totalRetrans);
  }
  /** Consecutive retransmissions of the current segment (tcpi_retransmits). */
  get retransmits(): number | undefined {
    return this.infoOff >= 0 && this.infoLen > TCP_INFO.retransmits
      ? (this.buf[this.infoOff + TCP_INFO.retransmits] as number)
      : undefined;
  }
  /** Keepalive or zero-window probes sent and not answered (tcpi_probes); an ACK resets it. */
  get probes(): number | undefined {
    return this.infoOff >= 0 && this.infoLen > TCP_INFO.probes
      ? (this.buf[this.infoOff + TCP_INFO.probes] as number)
      : undefined;
  }
  get bytesAcked(): number | undefined {
    return this.infoU64(TCP_INFO.bytesAcked);
  }
  get bytesReceived(): number | undefined {
    return this.infoU64(TCP_INFO.bytesReceived);
  }
  get bytesSent(): number | undefined {
    return this.infoU64(TCP_INFO.bytesSent);
  }
  /** The socket's identity, for acting on exactly this socket later. */
  sockId(): SockId {
    const n = this.family === 4 ? 4 : 16;
    const src = this.localAddressOffset;
    const dst = this.remoteAddressOffset;
    return {
      family: this.family,
      sport: this.localPort,
      dport: this.remotePort,
      src: Uint8Array.prototype.slice.call(this.buf, src, src + n),
      dst: Uint8Array.prototype.slice.call(this.buf, dst, dst + n),
      iface: this.iface,
      cookie: this.cookie,
    };
  }
}

/**
 * Refuses a reply whose family, state or timer no kernel sends, rather than decoding it with a
 * made-up meaning. Dumps ask only for states 1-11 (the kernel filters on `1 << sk_state` against
 * the request's mask, and reports request and time-wait sockets under states of that range), and
 * inet_diag sets idiag_timer to 0-4 only. Anything else means the bytes are not the inet_diag_msg
 * this code reads (another protocol's reply, a changed struct, corruption): a guessed family would
 * print IPv4 bytes as IPv6, a guessed state would reach `1 << state` masks (which wrap at 32) and
 * the filters that choose sockets to close. Refused like any malformed reply: the dump of that
 * namespace stops with IDLEREAP_ERR_NETLINK_MALFORMED, which the scan reports and moves past.
 */
function checkHead(buf: Buffer, base: number): void {
  const family = buf[base + DIAG_MSG.family] as number;
  const state = buf[base + DIAG_MSG.state] as number;
  const timer = buf[base + DIAG_MSG.timer] as number;
  if (
    (family === AF_INET || family === AF_INET6) &&
    state >= STATE_MIN &&
    state <= STATE_MAX &&
    timer <= TIMER_MAX
  )
    return;
  throw new NetlinkError(
    "IDLEREAP_ERR_NETLINK_MALFORMED",
    `inet_diag: reply with family ${family}, state ${state}, timer ${timer}: not a TCP socket reply`,
  );
}
