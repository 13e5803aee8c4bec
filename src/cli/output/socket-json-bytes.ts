// The hot path of `ls --json`: a socket's JSON written as bytes straight from the kernel's reply
// into an output buffer, with no string per field. Same text as socketToJson of the socket object (a
// test holds it to that); 100k sockets take a fraction of the time string building did.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import { DIAG_MSG, SOCKID, STATE, TCP_INFO, TCP_STATES, TIMERS } from "../../kernel/structs.js";
import type { CgroupInfo, SocketOwner } from "../../model/tcp-socket.js";
import { dataView } from "../../util/data-view.js";
import { asciiJson } from "./json-stream.js";

const lit = (s: string): Buffer => Buffer.from(s, "latin1");
const STATE4 = TCP_STATES.map((s) => lit(`,"family":4,"state":"${s}","localAddress":"`));
const STATE6 = TCP_STATES.map((s) => lit(`,"family":6,"state":"${s}","localAddress":"`));
const TIMER = TIMERS.map((t) => lit(`,"timer":"${t}","timerExpiresMs":`));
const K = {
  localPort: lit('","localPort":'),
  remoteAddress: lit(',"remoteAddress":"'),
  remotePort: lit('","remotePort":'),
  iface: lit(',"iface":'),
  recvQ: lit(',"recvQ":'),
  sendQ: lit(',"sendQ":'),
  idleMs: lit(',"idleMs":'),
  lastSendMs: lit(',"lastSendMs":'),
  lastRecvMs: lit(',"lastRecvMs":'),
  lastAckMs: lit(',"lastAckMs":'),
  rttMs: lit(',"rttMs":'),
  unacked: lit(',"unacked":'),
  retransmits: lit(',"retransmits":'),
  totalRetrans: lit(',"totalRetrans":'),
  notsentBytes: lit(',"notsentBytes":'),
  bytesAcked: lit(',"bytesAcked":'),
  bytesReceived: lit(',"bytesReceived":'),
  keepaliveTrue: lit(',"keepalive":true,"inode":'),
  zeroQueues: lit(',"iface":0,"recvQ":0,"sendQ":0'),
  quiet: lit(',"unacked":0,"retransmits":0,"totalRetrans":0,"notsentBytes":0'),
  noTimer: lit(',"timer":"off","timerExpiresMs":0,"keepalive":false,"inode":'),
  keepaliveFalse: lit(',"keepalive":false,"inode":'),
  cookie: lit(',"cookie":"'),
  uid: lit('","uid":'),
  null: lit("null"),
  noCgroup: lit(',"cgroupId":null,"cgroup":null,"unit":null,"container":null,"pod":null'),
  noOwner: lit(',"pid":null,"fd":null,"command":null}'),
};

/** "00" to "99" as little-endian 16-bit words. */
const PAIRS = Uint16Array.from({ length: 100 }, (_, i) => (48 + Math.floor(i / 10)) | ((48 + (i % 10)) << 8));

/** A growable byte buffer with JSON-friendly writers. */
export class ByteSink {
  buf: Buffer;
  pos = 0;
  private dv: DataView;
  constructor(size = 1 << 20) {
    this.buf = Buffer.allocUnsafe(size);
    this.dv = dataView(this.buf);
  }
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.dv = dataView(next);
  }
  /** Hands over what was written and starts again on a fresh buffer of the same size. */
  take(): Buffer {
    const written = this.buf.subarray(0, this.pos);
    this.buf = Buffer.allocUnsafe(this.buf.length);
    this.dv = dataView(this.buf);
    this.pos = 0;
    return written;
  }
  /**
   * One set() per piece: a loop of word stores copies faster once compiled, but inlined at every
   * call site it made the writer so slow to compile that a fresh process ran its first thousands of
   * sockets unoptimized for longer than it saved.
   */
  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  ascii(s: string): void {
    this.pos += this.buf.write(s, this.pos, "latin1");
  }
  /**
   * Microseconds as milliseconds, the text String(us / 1000) gives: the integer part, then up to
   * three decimals without trailing zeros (exact: us / 1000 has at most three).
   */
  millis(us: number): void {
    const whole = Math.floor(us / 1000);
    let frac = us - whole * 1000;
    this.uint(whole);
    if (frac === 0) return;
    let digits = 3;
    while (frac % 10 === 0) {
      frac /= 10;
      digits--;
    }
    this.buf[this.pos++] = 46;
    const end = this.pos + digits;
    for (let p = end; p > this.pos; frac = Math.floor(frac / 10)) this.buf[--p] = 48 + (frac % 10);
    this.pos = end;
  }

  /** A non-negative integer (exact up to 2^53), two digits per store. */
  uint(n: number): void {
    if (n < 10) {
      this.buf[this.pos++] = 48 + n;
      return;
    }
    let digits = 2;
    for (let tens = 100; tens <= n; tens *= 10) digits++;
    const dv = this.dv;
    let p = this.pos + digits;
    let x = n;
    while (x >= 100) {
      const q = Math.floor(x / 100);
      p -= 2;
      dv.setUint16(p, PAIRS[x - q * 100] as number, true);
      x = q;
    }
    if (x >= 10) dv.setUint16(p - 2, PAIRS[x] as number, true);
    else this.buf[p - 1] = 48 + x;
    this.pos += digits;
  }
}

/** Cached `,"cgroupId":...,"pod":...` segments by cgroup id. */
export type CgroupSegments = (view: DiagMessageView) => Buffer;

export function cgroupSegments(resolve: (id: string) => CgroupInfo | undefined): CgroupSegments {
  const cache = new Map<number, Buffer>();
  return (v) => {
    if (v.cgroupOff < 0) return K.noCgroup;
    const d = v.dv;
    const key = d.getUint32(v.cgroupOff, true) + d.getUint32(v.cgroupOff + 4, true) * 4294967296;
    let seg = cache.get(key);
    if (!seg) {
      const id = v.cgroupIdText as string;
      const cg = resolve(id);
      const s = (x: string | null | undefined) => (x === null || x === undefined ? "null" : asciiJson(x));
      seg = lit(
        `,"cgroupId":"${id}","cgroup":${s(cg?.path)},"unit":${s(cg?.unit)},"container":${s(cg?.container)},"pod":${s(cg?.pod)}`,
      );
      cache.set(key, seg);
    }
    return seg;
  };
}

const MAX_HEAD = 1024;

/** Writes everything but the owner fields and closing brace (what socketToJson writes up to "pid"). */
export function writeViewHead(
  out: ByteSink,
  v: DiagMessageView,
  netnsHead: Buffer,
  cgroups: CgroupSegments,
): void {
  const cg = cgroups(v);
  out.reserve(MAX_HEAD + cg.length + netnsHead.length);
  const b = v.buf;
  const d = v.dv;
  const base = v.base;
  const state = b[base + DIAG_MSG.state] as number;
  const v4 = v.family === 4;
  out.bytes(netnsHead);
  out.bytes((v4 ? STATE4 : STATE6)[state] ?? (STATE4[0] as Buffer));
  writeAddress(out, v, v4, base + DIAG_MSG.id + SOCKID.src);
  out.bytes(K.localPort);
  out.uint(d.getUint16(base + DIAG_MSG.id + SOCKID.sport));
  out.bytes(K.remoteAddress);
  writeAddress(out, v, v4, base + DIAG_MSG.id + SOCKID.dst);
  out.bytes(K.remotePort);
  out.uint(d.getUint16(base + DIAG_MSG.id + SOCKID.dport));
  const iface = d.getUint32(base + DIAG_MSG.id + SOCKID.if, true);
  const recvQ = d.getUint32(base + DIAG_MSG.rqueue, true);
  const sendQ = d.getUint32(base + DIAG_MSG.wqueue, true);
  // Most sockets are unbound, with empty queues and no timer: those runs are one literal each.
  if ((iface | recvQ | sendQ) === 0) out.bytes(K.zeroQueues);
  else {
    out.bytes(K.iface);
    out.uint(iface);
    out.bytes(K.recvQ);
    out.uint(recvQ);
    out.bytes(K.sendQ);
    out.uint(sendQ);
  }
  writeInfo(out, v, d, state !== STATE.LISTEN);
  const timer = b[base + DIAG_MSG.timer] as number;
  const expires = d.getUint32(base + DIAG_MSG.expires, true);
  if ((timer | expires) === 0) out.bytes(K.noTimer);
  else {
    out.bytes(TIMER[timer] ?? (TIMER[0] as Buffer));
    out.uint(expires);
    out.bytes(timer === 2 ? K.keepaliveTrue : K.keepaliveFalse);
  }
  out.uint(d.getUint32(base + DIAG_MSG.inode, true));
  out.bytes(K.cookie);
  const cookieAt = base + DIAG_MSG.id + SOCKID.cookie;
  const cookieHi = d.getUint32(cookieAt + 4, true);
  if (cookieHi < 0x200000) out.uint(d.getUint32(cookieAt, true) + cookieHi * 4294967296);
  else out.ascii(v.cookieText);
  out.bytes(K.uid);
  out.uint(d.getUint32(base + DIAG_MSG.uid, true));
  out.bytes(cg);
}

function writeAddress(out: ByteSink, v: DiagMessageView, v4: boolean, off: number): void {
  if (!v4) {
    out.ascii(off === v.localAddressOffset ? v.localAddress : v.remoteAddress);
    return;
  }
  const b = v.buf;
  out.uint(b[off] as number);
  out.buf[out.pos++] = 46;
  out.uint(b[off + 1] as number);
  out.buf[out.pos++] = 46;
  out.uint(b[off + 2] as number);
  out.buf[out.pos++] = 46;
  out.uint(b[off + 3] as number);
}

function infoU32(out: ByteSink, d: DataView, at: number, len: number, field: number): void {
  if (field + 4 <= len) out.uint(d.getUint32(at + field, true));
  else out.bytes(K.null);
}

function infoU64(out: ByteSink, d: DataView, at: number, len: number, field: number): void {
  if (field + 8 <= len)
    out.uint(d.getUint32(at + field, true) + d.getUint32(at + field + 4, true) * 4294967296);
  else out.bytes(K.null);
}

function writeInfo(out: ByteSink, v: DiagMessageView, d: DataView, timed: boolean): void {
  const b = v.buf;
  const o = v.infoOff;
  const len = o < 0 ? 0 : v.infoLen;
  // Listeners have all-zero timestamps: their idle fields are null, as in socketFromView.
  const tlen = timed ? len : 0;
  out.bytes(K.idleMs);
  if (TCP_INFO.lastDataRecv + 4 <= tlen) {
    const s = d.getUint32(o + TCP_INFO.lastDataSent, true);
    const r = d.getUint32(o + TCP_INFO.lastDataRecv, true);
    out.uint(s < r ? s : r);
  } else out.bytes(K.null);
  out.bytes(K.lastSendMs);
  infoU32(out, d, o, tlen, TCP_INFO.lastDataSent);
  out.bytes(K.lastRecvMs);
  infoU32(out, d, o, tlen, TCP_INFO.lastDataRecv);
  out.bytes(K.lastAckMs);
  infoU32(out, d, o, tlen, TCP_INFO.lastAckRecv);
  out.bytes(K.rttMs);
  if (TCP_INFO.rtt + 4 <= len) out.millis(d.getUint32(o + TCP_INFO.rtt, true));
  else out.bytes(K.null);
  if (
    TCP_INFO.notsentBytes + 4 <= len &&
    (d.getUint32(o + TCP_INFO.unacked, true) |
      (b[o + TCP_INFO.retransmits] as number) |
      d.getUint32(o + TCP_INFO.totalRetrans, true) |
      d.getUint32(o + TCP_INFO.notsentBytes, true)) ===
      0
  ) {
    out.bytes(K.quiet);
  } else {
    out.bytes(K.unacked);
    infoU32(out, d, o, len, TCP_INFO.unacked);
    out.bytes(K.retransmits);
    if (len > TCP_INFO.retransmits) out.uint(b[o + TCP_INFO.retransmits] as number);
    else out.bytes(K.null);
    out.bytes(K.totalRetrans);
    infoU32(out, d, o, len, TCP_INFO.totalRetrans);
    out.bytes(K.notsentBytes);
    infoU32(out, d, o, len, TCP_INFO.notsentBytes);
  }
  out.bytes(K.bytesAcked);
  infoU64(out, d, o, len, TCP_INFO.bytesAcked);
  out.bytes(K.bytesReceived);
  infoU64(out, d, o, len, TCP_INFO.bytesReceived);
}

/** The owner fields and the closing brace. */
export function writeOwnerTail(out: ByteSink, owner: SocketOwner | undefined): void {
  out.reserve(64 + (owner ? owner.command.length * 6 : 0));
  if (!owner) out.bytes(K.noOwner);
  else out.ascii(`,"pid":${owner.pid},"fd":${owner.fd},"command":${asciiJson(owner.command)}}`);
}

/** The bytes that open a socket object of namespace `name`. */
export function netnsHead(name: string): Buffer {
  return lit(`{"netns":${asciiJson(name)}`);
}
