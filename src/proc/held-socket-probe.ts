// What a descriptor the TCP dump does not list really is: a duplicate of it (pidfd_getfd) answers
// SO_PROTOCOL and, for TCP, tcp_info's state. A TCP socket in TCP_CLOSE that has received segments
// is a closed connection the process still holds (a descriptor leak); one that never received any
// was never connected (a socket() not yet used). The duplicate is closed at once, never shut down.
import {
  close,
  getsockoptBytes,
  getsockoptInt,
  IPPROTO_TCP,
  pidfdGetfd,
  pidfdOpen,
  SO_PROTOCOL,
  SOL_SOCKET,
  TCP_INFO_OPT,
} from "../kernel/libc.js";
import { TCP_INFO } from "../kernel/structs.js";

export type HeldSocketKind = "tcp-closed" | "tcp-unconnected" | "tcp-open" | "other" | "unknown";

/** TCP_CLOSE (include/net/tcp_states.h). */
const TCP_CLOSE = 7;
/** tcpi_segs_in (u32): segments received; 0 on a socket that never connected. */
const SEGS_IN = 140;

export class HeldSocketProbe {
  readonly #pidfds = new Map<number, number>();
  readonly #info = Buffer.alloc(512);

  /** What descriptor `fd` of `pid` is; "unknown" when it cannot be duplicated (gone, not permitted). */
  probe(pid: number, fd: number): HeldSocketKind {
    const pidfd = this.#pidfd(pid);
    if (pidfd < 0) return "unknown";
    let dup: number;
    try {
      dup = pidfdGetfd(pidfd, fd);
    } catch {
      return "unknown";
    }
    try {
      if (getsockoptInt(dup, SOL_SOCKET, SO_PROTOCOL) !== IPPROTO_TCP) return "other";
      const len = getsockoptBytes(dup, IPPROTO_TCP, TCP_INFO_OPT, this.#info);
      if (len <= TCP_INFO.state) return "unknown";
      if (this.#info[TCP_INFO.state] !== TCP_CLOSE) return "tcp-open";
      // A kernel whose tcp_info ends before segs_in cannot tell: count the socket as closed.
      if (len < SEGS_IN + 4) return "tcp-closed";
      return this.#info.readUInt32LE(SEGS_IN) > 0 ? "tcp-closed" : "tcp-unconnected";
    } catch {
      return "unknown";
    } finally {
      close(dup);
    }
  }

  close(): void {
    for (const fd of this.#pidfds.values()) if (fd >= 0) close(fd);
    this.#pidfds.clear();
  }

  #pidfd(pid: number): number {
    let fd = this.#pidfds.get(pid);
    if (fd === undefined) {
      try {
        fd = pidfdOpen(pid);
      } catch {
        fd = -1;
      }
      this.#pidfds.set(pid, fd);
    }
    return fd;
  }
}
