// Aborts many sockets with few syscalls. SOCK_DESTROY requests go without NLM_F_ACK, many to one
// sendmsg: the kernel handles them one by one during that call and answers only the failures
// (ENOENT for a socket already gone, ...), each naming its request by sequence number.
import { type DiagMessageView, encodeDestroyRequest, type SockId } from "../kernel/inet-diag-codec.js";
import { recvQueued, send } from "../kernel/libc.js";
import { forEachMessage } from "../kernel/netlink-codec.js";
import type { DiagSocket } from "../kernel/sock-diag.js";
import { DIAG_MSG, NLM_F_REQUEST, NLMSG_ERROR, NLMSG_HDRLEN, REQ_V2, SOCKID } from "../kernel/structs.js";
import { dataView } from "../util/data-view.js";

/** Requests per sendmsg: their failure answers must fit the socket's 1 MiB receive buffer. */
export const BATCH = 256;

export type FailureSink = (index: number, errno: number) => void;

export class BulkAborter {
  private readonly diag: DiagSocket;
  private readonly onFailure: FailureSink;
  private readonly out: Buffer;
  private readonly outView: DataView;
  private readonly reply = Buffer.allocUnsafe(64 * 1024);
  private readonly size: number;
  private readonly template: Buffer;
  private readonly seqBase = Math.floor(Math.random() * 0x3fffffff);
  private queued = 0;
  private firstIndex = 0;
  private nextIndex = 0;

  /** Sends through `diag` (a sock_diag socket in the sockets' namespace) and reports failures to `onFailure`. */
  constructor(diag: DiagSocket, onFailure: FailureSink) {
    this.diag = diag;
    this.onFailure = onFailure;
    this.template = encodeDestroyRequest(PLACEHOLDER, 0);
    this.template.writeUInt16LE(NLM_F_REQUEST, 6);
    this.size = this.template.length;
    // Every slot starts as the template; a request then only needs its sequence number, family and id.
    this.out = Buffer.alloc(this.size * BATCH);
    for (let at = 0; at < this.out.length; at += this.size) this.template.copy(this.out, at);
    this.outView = dataView(this.out);
  }

  /** Queues one socket; returns its index (0, 1, 2, ... in queueing order). Sends when a batch is full. */
  add(id: SockId): number {
    const req = encodeDestroyRequest(id, (this.seqBase + this.nextIndex) >>> 0);
    req.writeUInt16LE(NLM_F_REQUEST, 6); // no ACK: only failures are answered
    req.copy(this.out, this.queued * this.size);
    this.queued++;
    const index = this.nextIndex++;
    if (this.queued === BATCH) this.flush();
    return index;
  }

  /** Queues the socket a dump reply points at, copying its id (4-tuple, interface, cookie) as is. */
  addView(view: DiagMessageView): number {
    const at = this.queued * this.size;
    const out = this.outView;
    out.setUint32(at + 8, (this.seqBase + this.nextIndex) >>> 0, true);
    this.out[at + NLMSG_HDRLEN + REQ_V2.family] = view.buf[view.base + DIAG_MSG.family] as number;
    const from = view.dv;
    const src = view.base + DIAG_MSG.id;
    const dst = at + NLMSG_HDRLEN + REQ_V2.id;
    for (let i = 0; i < SOCKID.size; i += 4) out.setUint32(dst + i, from.getUint32(src + i, true), true);
    this.queued++;
    const index = this.nextIndex++;
    if (this.queued === BATCH) this.flush();
    return index;
  }

  /** Sends what is queued and reports its failures before returning. */
  flush(): void {
    if (this.queued === 0) return;
    send(this.diag.fd, this.out.subarray(0, this.queued * this.size));
    this.queued = 0;
    this.drain();
    this.firstIndex = this.nextIndex;
  }

  private drain(): void {
    const { reply } = this;
    for (;;) {
      const n = recvQueued(this.diag.fd, reply);
      if (n < 0) return;
      forEachMessage(reply, n, (type, _flags, _seq, off) => {
        if (type !== NLMSG_ERROR) return false;
        const errno = -reply.readInt32LE(off + NLMSG_HDRLEN);
        const seq = reply.readUInt32LE(off + NLMSG_HDRLEN + 4 + 8);
        const index = (seq - this.seqBase) >>> 0;
        if (errno !== 0 && index >= this.firstIndex && index < this.nextIndex) this.onFailure(index, errno);
        return false;
      });
    }
  }
}

const PLACEHOLDER: SockId = {
  family: 4,
  sport: 0,
  dport: 0,
  src: new Uint8Array(4),
  dst: new Uint8Array(4),
  iface: 0,
  cookie: 0n,
};
