// Keepalive probes and TCP_USER_TIMEOUT, set with setsockopt on the socket's own descriptor. Node
// offers only SO_KEEPALIVE + TCP_KEEPIDLE; a duplicated descriptor kept open would keep the socket
// alive after Node closes it, so no duplicate is ever made.
import type { Socket } from "node:net";
import {
  IPPROTO_TCP,
  SO_KEEPALIVE,
  SOL_SOCKET,
  setsockoptInt,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_USER_TIMEOUT,
} from "../kernel/libc.js";
import type { ResolvedGuardOptions } from "./options.js";

/** The descriptor behind a TCP socket, or -1 (closed, not TCP, or a TLS wrapper). */
export function socketFd(socket: Socket): number {
  const handle = (socket as unknown as { _handle?: { fd?: unknown } | null })._handle;
  const fd = handle?.fd;
  return typeof fd === "number" ? fd : -1;
}

/**
 * Applies keepAlive and userTimeout. Returns false only when the socket is not TCP (a Unix socket),
 * so that the caller stops trying. socket.remoteFamily is read only then: it caches an object on
 * the socket, heap that every connection would pay.
 */
export function applySocketOptions(socket: Socket, opts: ResolvedGuardOptions): boolean {
  if (opts.keepAlive === null && opts.userTimeout === 0) return false;
  const fd = socketFd(socket);
  if (fd < 0) return true;
  try {
    const ka = opts.keepAlive;
    if (ka !== null) {
      setsockoptInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
      setsockoptInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, ka.idle / 1000);
      setsockoptInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, ka.interval / 1000);
      setsockoptInt(fd, IPPROTO_TCP, TCP_KEEPCNT, ka.count);
    }
    if (opts.userTimeout > 0) setsockoptInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, opts.userTimeout);
    return true;
  } catch {
    // The peer may already have gone (its own error path reports that), or this is no TCP socket.
    return socket.remoteFamily !== undefined;
  }
}
