// sock_diag over netlink: dump TCP sockets with tcp_info, and destroy one socket by id and cookie.
// The receive loop reuses one buffer and one message view, so a dump allocates nothing per socket.
import { ERRNO, KernelError, NetlinkError, SyscallError } from "../errors.js";
import { dataView } from "../util/data-view.js";
import {
  DiagMessageView,
  encodeDestroyRequest,
  encodeDumpRequest,
  encodeLookupRequest,
  type SockId,
  type DiagMessageView as View,
} from "./inet-diag-codec.js";
import {
  AF_NETLINK,
  close,
  NETLINK_EXT_ACK,
  recv,
  SO_RCVBUF,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOL_NETLINK,
  SOL_SOCKET,
  send,
  setReceiveTimeout,
  setsockoptInt,
  socket,
} from "./libc.js";
import { align4, forEachMessage, messageLength, parseErrorMessage } from "./netlink-codec.js";
import { inNetns, type NetnsRef } from "./netns.js";
import {
  NETLINK_SOCK_DIAG,
  NLMSG_DONE,
  NLMSG_ERROR,
  SOCK_DIAG_BY_FAMILY,
  TCPDIAG_GETSOCK,
} from "./structs.js";

const RECV_BUFFER = 64 * 1024;
/**
 * Lookups sent in one send. The kernel answers each into the receive buffer and drops an answer
 * that does not fit (sock_diag replies with MSG_DONTWAIT), so a batch stays well within its 1 MiB.
 */
const LOOKUP_BATCH = 256;
const DEFAULT_TIMEOUT_MS = 5000;
let seqCounter = Math.floor(Math.random() * 0x7fffffff);
const nextSeq = (): number => (seqCounter = (seqCounter + 1) >>> 0);

export interface DumpOptions {
  /** Receive into this buffer (at least 64 KiB) instead of the socket's own. */
  readonly buffer?: Buffer<ArrayBuffer> | undefined;
  /**
   * Takes each received buffer first: handles the socket replies of dump `seq` among its first `n`
   * bytes, and returns the offset of the first reply it left; `visit` gets the rest.
   */
  readonly batch?: ((n: number, seq: number) => number) | undefined;
}

/** A sock_diag netlink socket, bound to the namespace it was created in. */
export class DiagSocket {
  readonly fd: number;
  readonly netns: NetnsRef;
  private readonly buf = Buffer.allocUnsafe(RECV_BUFFER);
  private readonly dv = dataView(this.buf);
  private readonly view = new DiagMessageView();

  private constructor(fd: number, netns: NetnsRef) {
    this.fd = fd;
    this.netns = netns;
  }

  /** Opens a sock_diag socket inside `netns` (the socket keeps that namespace after we switch back). */
  static open(netns: NetnsRef, timeoutMs = DEFAULT_TIMEOUT_MS): DiagSocket {
    const fd = inNetns(netns, () => socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG));
    try {
      setReceiveTimeout(fd, timeoutMs);
      setsockoptInt(fd, SOL_SOCKET, SO_RCVBUF, 1 << 20);
      try {
        setsockoptInt(fd, SOL_NETLINK, NETLINK_EXT_ACK, 1);
      } catch {}
    } catch (err) {
      close(fd);
      throw err;
    }
    return new DiagSocket(fd, netns);
  }

  close(): void {
    close(this.fd);
  }

  /**
   * Dumps TCP sockets matching `req`, calling `visit` with a view valid only during the call.
   * Throws KernelError when the kernel refuses the request (EINVAL for a bytecode it rejects).
   */
  dump(
    req: Parameters<typeof encodeDumpRequest>[0],
    visit: (view: View) => void,
    options: DumpOptions = {},
  ): void {
    const seq = nextSeq();
    send(this.fd, encodeDumpRequest(req, seq));
    const buf = options.buffer ?? this.buf;
    const dv = buf === this.buf ? this.dv : dataView(buf);
    const { view } = this;
    const batch = options.batch;
    for (;;) {
      const n = this.receive(buf);
      if (n === 0)
        throw new NetlinkError(
          "IDLEREAP_ERR_NETLINK_TRUNCATED",
          "sock_diag: the kernel closed the dump early",
        );
      // The message walk of forEachMessage, inlined: it runs for every socket of every scan.
      for (let off = batch ? batch(n, seq) : 0; off < n; ) {
        const len = messageLength(buf, off, n);
        if (dv.getUint32(off + 8, true) === seq) {
          const type = dv.getUint16(off + 4, true);
          if (type === SOCK_DIAG_BY_FAMILY || type === TCPDIAG_GETSOCK) visit(view.reset(buf, off, len));
          else if (type === NLMSG_DONE) return;
          else if (type === NLMSG_ERROR) {
            const e = parseErrorMessage(buf, off, len);
            throw new KernelError(
              e.errno,
              `sock_diag dump in netns ${this.netns.name}${e.message ? ` (${e.message})` : ""}`,
            );
          }
        }
        off += align4(len);
      }
    }
  }

  /**
   * Looks sockets up by their full id (4-tuple, interface, cookie) and calls `visit` with a view of
   * each one still there, valid only during the call. One request a socket, a batch of them in one
   * send: a few thousand cost a few milliseconds where a dump walks the namespace's whole table.
   */
  lookup(ids: readonly SockId[], info: boolean, visit: (view: View) => void): void {
    const { buf, dv, view } = this;
    for (let at = 0; at < ids.length; at += LOOKUP_BATCH) {
      const batch = ids.slice(at, at + LOOKUP_BATCH);
      const first = nextSeq();
      const requests = batch.map((id, i) => encodeLookupRequest(id, i === 0 ? first : nextSeq(), info));
      send(this.fd, Buffer.concat(requests));
      // Each request is answered once: the socket, or an error (ENOENT: closed, or its 4-tuple reused).
      for (let left = batch.length; left > 0; ) {
        const n = this.receive();
        for (let off = 0; off < n; ) {
          const len = messageLength(buf, off, n);
          if ((dv.getUint32(off + 8, true) - first) >>> 0 < batch.length) {
            left--;
            const type = dv.getUint16(off + 4, true);
            if (type === SOCK_DIAG_BY_FAMILY) visit(view.reset(buf, off, len));
            else if (type === NLMSG_ERROR) {
              const e = parseErrorMessage(buf, off, len);
              if (e.errno !== 0 && e.errno !== ERRNO.ENOENT) {
                throw new KernelError(e.errno, `sock_diag lookup in netns ${this.netns.name}`);
              }
            }
          }
          off += align4(len);
        }
      }
    }
  }

  /**
   * Aborts one socket with SOCK_DESTROY: the owner gets ECONNABORTED, the peer an RST. The cookie in
   * `id` makes the kernel refuse (ENOENT) a different socket that reuses the same 4-tuple.
   */
  destroy(id: SockId): void {
    const seq = nextSeq();
    send(this.fd, encodeDestroyRequest(id, seq));
    for (;;) {
      const n = this.receive();
      let result: { errno: number; message: string | undefined } | undefined;
      forEachMessage(this.buf, n, (type, _f, msgSeq, off, len) => {
        if (msgSeq === seq && type === NLMSG_ERROR) {
          result = parseErrorMessage(this.buf, off, len);
          return true;
        }
        return false;
      });
      if (result) {
        if (result.errno !== 0)
          throw new KernelError(result.errno, `SOCK_DESTROY in netns ${this.netns.name}`);
        return;
      }
    }
  }

  private receive(buf = this.buf): number {
    try {
      return recv(this.fd, buf);
    } catch (err) {
      if (err instanceof SyscallError && err.errno === ERRNO.EAGAIN) {
        throw new NetlinkError(
          "IDLEREAP_ERR_NETLINK_TIMEOUT",
          `sock_diag: no answer from the kernel in netns ${this.netns.name}`,
        );
      }
      throw err;
    }
  }
}
