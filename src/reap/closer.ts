// The one mechanism both `kill` and `run` use to act on a socket of another process:
// graceful (shutdown through a pidfd_getfd duplicate), abort (SOCK_DESTROY by id and cookie) and
// keepalive (setsockopt through the duplicate). Every duplicate is closed before the call returns:
// a duplicate kept open would keep the socket alive.

import { fstatSync } from "node:fs";
import {
  ERRNO,
  type ErrorCode,
  errnoName,
  IdlereapError,
  KernelError,
  NetnsNotFoundError,
  SyscallError,
} from "../errors.js";
import { writeKeepaliveOptions } from "../kernel/keepalive-options.js";
import { close, pidfdGetfd, pidfdOpen, SHUT_RDWR, shutdown, socketCookie } from "../kernel/libc.js";
import type { NetnsRef } from "../kernel/netns.js";
import { DiagSocket } from "../kernel/sock-diag.js";
import { ALL_STATES_MASK, STATE } from "../kernel/structs.js";
import { idOf, type TcpSocket } from "../model/tcp-socket.js";
import { BulkAborter } from "./bulk-abort.js";
import type { KeepaliveSettings } from "./defaults.js";
import type { Result, SkipReason } from "./outcome.js";

export type { KeepaliveSettings } from "./defaults.js";

export interface Done {
  result: Result;
  reason?: SkipReason;
  detail?: string;
  code?: ErrorCode;
  fellBack?: boolean;
}

const { ESRCH, EBADF, EPERM, ENOENT, EOPNOTSUPP, ENOTCONN } = ERRNO;

export class Closer {
  private readonly diag = new Map<string, DiagSocket>();
  private readonly pidfds = new Map<number, number>();
  private readonly netns: ReadonlyMap<string, NetnsRef>;

  /** `netns` maps each socket's `netns` name to the namespace to act in. */
  constructor(netns: ReadonlyMap<string, NetnsRef>) {
    this.netns = netns;
  }

  /** FIN to the peer, EOF to the owner; the caller escalates after the grace period. */
  graceful(s: TcpSocket, allowAbort: boolean): Done {
    const dup = this.duplicate(s);
    if ("result" in dup) {
      const fallback = dup.reason === "pidfd-refused" || dup.reason === "no-owner";
      if (fallback && allowAbort) return { ...this.abort(s), fellBack: true, detail: dup.detail ?? "" };
      return dup;
    }
    try {
      shutdown(dup.fd, SHUT_RDWR);
      return { result: "closed" };
    } catch (err) {
      if (err instanceof SyscallError && err.errno === ENOTCONN) {
        return skip("gone", "the socket is no longer connected");
      }
      return fail(err);
    } finally {
      close(dup.fd);
    }
  }

  /** SOCK_DESTROY: ECONNABORTED for the owner, RST for the peer; the cookie spares a reused 4-tuple. */
  abort(s: TcpSocket): Done {
    let diag: DiagSocket;
    try {
      diag = this.diagFor(s.netns);
    } catch (err) {
      if (err instanceof NetnsNotFoundError) {
        return skip("gone", err.message);
      }
      return fail(err);
    }
    try {
      diag.destroy(idOf(s));
      return { result: "aborted" };
    } catch (err) {
      if (err instanceof KernelError) return destroyFailure(err.errno);
      return fail(err);
    }
  }

  /** Aborts many sockets with batched requests (see BulkAborter); one answer per socket, in order. */
  abortMany(sockets: readonly TcpSocket[]): Done[] {
    const results: Done[] = new Array(sockets.length);
    const byNetns = new Map<string, number[]>();
    sockets.forEach((s, i) => {
      const list = byNetns.get(s.netns);
      if (list) list.push(i);
      else byNetns.set(s.netns, [i]);
    });
    for (const [netns, positions] of byNetns) {
      let diag: DiagSocket;
      try {
        diag = this.diagFor(netns);
      } catch (err) {
        const gone = err instanceof NetnsNotFoundError;
        const done = gone ? skip("gone", (err as Error).message) : fail(err);
        for (const i of positions) results[i] = done;
        continue;
      }
      const aborter = new BulkAborter(diag, (index, errno) => {
        results[positions[index] as number] = destroyFailure(errno);
      });
      try {
        for (const i of positions) {
          results[i] = ABORTED;
          aborter.add(idOf(sockets[i] as TcpSocket));
        }
        aborter.flush();
      } catch (err) {
        // The batch in flight has an unknown fate; the sockets not sent yet are untouched.
        const done = fail(err);
        for (const i of positions) if (results[i] === ABORTED || results[i] === undefined) results[i] = done;
      }
    }
    return results;
  }

  /** Turns keepalive on with the given timers through a short-lived duplicate of the owner's descriptor. */
  keepalive(s: TcpSocket, k: KeepaliveSettings): Done {
    const dup = this.duplicate(s);
    if ("result" in dup) return dup;
    try {
      // All five, the user timeout included (0 too): one the process set itself would replace the count.
      writeKeepaliveOptions(dup.fd, {
        enabled: true,
        idleS: Math.max(1, Math.round(k.idleMs / 1000)),
        intervalS: Math.max(1, Math.round(k.intervalMs / 1000)),
        count: Math.max(1, k.count),
        userTimeoutMs: Math.max(0, k.userTimeoutMs),
      });
      return { result: "keepalive-set" };
    } catch (err) {
      return fail(err);
    } finally {
      close(dup.fd);
    }
  }

  /**
   * Of the given cookies in one namespace, those whose socket is still held by a process (a graceful
   * close whose owner has not closed yet). Orphaned and TIME_WAIT sockets count as closed.
   */
  stillHeld(netns: string, cookies: ReadonlySet<string>): Set<string> {
    const held = new Set<string>();
    const diag = this.diagFor(netns);
    const states = ALL_STATES_MASK & ~((1 << STATE.TIME_WAIT) | (1 << STATE.LISTEN));
    for (const family of [4, 6] as const) {
      diag.dump({ family, states, info: false }, (v) => {
        if (v.inode === 0) return;
        const cookie = v.cookie.toString();
        if (cookies.has(cookie)) held.add(cookie);
      });
    }
    return held;
  }

  /** Closes the netlink sockets and pidfds opened so far. */
  release(): void {
    for (const d of this.diag.values()) d.close();
    this.diag.clear();
    for (const fd of this.pidfds.values()) close(fd);
    this.pidfds.clear();
  }

  private diagFor(name: string): DiagSocket {
    let d = this.diag.get(name);
    if (d) return d;
    const ref = this.netns.get(name);
    if (!ref) throw new NetnsNotFoundError(`network namespace ${name} is unknown`);
    d = DiagSocket.open(ref);
    this.diag.set(name, d);
    return d;
  }

  /**
   * A duplicate of the owner's descriptor, checked to still be the scanned socket: by its cookie
   * when the caller knows it (the kernel never gives one to two sockets), else by its inode. The
   * caller closes it at once after use: a duplicate kept open keeps the connection alive.
   */
  duplicate(
    s: Pick<TcpSocket, "pid" | "fd" | "inode" | "command"> & { readonly cookie?: string },
  ): { fd: number } | Done {
    if (s.pid === null || s.fd === null) return skip("no-owner", "no process holds this socket");
    let pidfd = this.pidfds.get(s.pid);
    try {
      if (pidfd === undefined) {
        pidfd = pidfdOpen(s.pid);
        this.pidfds.set(s.pid, pidfd);
      }
    } catch (err) {
      if (err instanceof SyscallError && err.errno === ESRCH) return skip("gone", `process ${s.pid} exited`);
      return fail(err);
    }
    let fd: number;
    try {
      fd = pidfdGetfd(pidfd, s.fd);
    } catch (err) {
      if (err instanceof SyscallError && err.errno === ESRCH) return skip("gone", `process ${s.pid} exited`);
      if (err instanceof SyscallError && err.errno === EBADF) {
        return skip("gone", `process ${s.pid} closed descriptor ${s.fd}`);
      }
      if (err instanceof SyscallError && err.errno === EPERM) {
        return {
          ...skip("pidfd-refused", `pidfd_getfd on ${s.command ?? "?"}/${s.pid} fd ${s.fd}: EPERM`),
          code: "IDLEREAP_ERR_REAP_PIDFD",
        };
      }
      return fail(err);
    }
    let now: string | undefined;
    try {
      now = s.cookie !== undefined ? socketCookie(fd) : String(fstatSync(fd).ino);
    } catch (err) {
      close(fd);
      return fail(err);
    }
    const was = s.cookie ?? String(s.inode);
    if (now !== was) {
      close(fd);
      const what = s.cookie !== undefined ? "socket cookie" : "inode";
      return {
        ...skip(
          "identity-changed",
          `fd ${s.fd} of ${s.pid} is now ${now === undefined ? "not a socket" : `${what} ${now}`}, not ${what} ${was}`,
        ),
        code: "IDLEREAP_ERR_REAP_IDENTITY",
      };
    }
    return { fd };
  }
}

const ABORTED: Done = Object.freeze({ result: "aborted" });

export function destroyFailure(errno: number): Done {
  if (errno === ENOENT) return skip("gone", "the socket was closed (or its 4-tuple reused) since the scan");
  if (errno === EOPNOTSUPP) {
    return {
      result: "failed",
      code: "IDLEREAP_ERR_REAP_UNSUPPORTED",
      detail: "the kernel cannot destroy sockets: it was built without CONFIG_INET_DIAG_DESTROY",
    };
  }
  if (errno === EPERM) {
    return { result: "failed", code: "IDLEREAP_ERR_PERMISSION", detail: "SOCK_DESTROY needs CAP_NET_ADMIN" };
  }
  return {
    result: "failed",
    code: "IDLEREAP_ERR_NETLINK_KERNEL",
    detail: `SOCK_DESTROY: ${errnoName(errno)} (${errno})`,
  };
}

function skip(reason: SkipReason, detail: string): Done {
  return { result: "skipped", reason, detail };
}

function fail(err: unknown): Done {
  if (err instanceof IdlereapError) return { result: "failed", code: err.code, detail: err.message };
  return { result: "failed", detail: err instanceof Error ? err.message : String(err) };
}
