// The five options that decide when the kernel probes an idle connection and when it gives up, read
// and written as one record on a descriptor (the caller's own, or a pidfd_getfd duplicate).
import {
  getsockoptInt,
  IPPROTO_TCP,
  SO_KEEPALIVE,
  SOL_SOCKET,
  setsockoptInt,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_USER_TIMEOUT,
} from "./libc.js";

/** As getsockopt(2) reports them: seconds for idle and interval, milliseconds for the user timeout. */
export interface KeepaliveOptions {
  /** SO_KEEPALIVE: whether the kernel probes the connection at all. */
  readonly enabled: boolean;
  /** TCP_KEEPIDLE, s: quiet time before the first probe (the namespace's sysctl unless set). */
  readonly idleS: number;
  /** TCP_KEEPINTVL, s: time between probes. */
  readonly intervalS: number;
  /** TCP_KEEPCNT: unanswered probes before the kernel gives up (when no user timeout is set). */
  readonly count: number;
  /** TCP_USER_TIMEOUT, ms: 0 for none; otherwise it replaces the count (see kernel-facts). */
  readonly userTimeoutMs: number;
}

/** The kernel's ceiling for TCP_KEEPCNT (MAX_TCP_KEEPCNT in include/net/tcp.h). */
export const MAX_KEEPCNT = 127;

export function readKeepaliveOptions(fd: number): KeepaliveOptions {
  return {
    enabled: getsockoptInt(fd, SOL_SOCKET, SO_KEEPALIVE) !== 0,
    idleS: getsockoptInt(fd, IPPROTO_TCP, TCP_KEEPIDLE),
    intervalS: getsockoptInt(fd, IPPROTO_TCP, TCP_KEEPINTVL),
    count: getsockoptInt(fd, IPPROTO_TCP, TCP_KEEPCNT),
    userTimeoutMs: getsockoptInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT),
  };
}

/**
 * Writes the five options: all of them, or with `current` (what the descriptor holds now) only those
 * that differ, which is what a probe of 10k sockets can afford. Timers first and SO_KEEPALIVE last:
 * switching keepalive off deletes the timer. TCP_KEEPIDLE on a socket that has keepalive re-arms its
 * timer at once, so with keepalive on it is written even when unchanged.
 */
export function writeKeepaliveOptions(fd: number, o: KeepaliveOptions, current?: KeepaliveOptions): void {
  const set = (level: number, name: number, value: number, now: number | undefined) => {
    if (value !== now) setsockoptInt(fd, level, name, value);
  };
  set(IPPROTO_TCP, TCP_USER_TIMEOUT, o.userTimeoutMs, current?.userTimeoutMs);
  set(IPPROTO_TCP, TCP_KEEPCNT, o.count, current?.count);
  set(IPPROTO_TCP, TCP_KEEPINTVL, o.intervalS, current?.intervalS);
  const was = current === undefined ? undefined : Number(current.enabled);
  if (o.enabled) {
    set(SOL_SOCKET, SO_KEEPALIVE, 1, was);
    setsockoptInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, o.idleS);
  } else {
    set(IPPROTO_TCP, TCP_KEEPIDLE, o.idleS, current?.idleS);
    set(SOL_SOCKET, SO_KEEPALIVE, 0, was);
  }
}

export function sameKeepaliveOptions(a: KeepaliveOptions, b: KeepaliveOptions): boolean {
  return (
    a.enabled === b.enabled &&
    a.idleS === b.idleS &&
    a.intervalS === b.intervalS &&
    a.count === b.count &&
    a.userTimeoutMs === b.userTimeoutMs
  );
}
