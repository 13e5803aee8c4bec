// The few libc calls Node lacks, bound with koffi and wrapped in typed functions that turn a -1
// return into a SyscallError carrying errno. Nothing else in idlereap talks to koffi.
import { createRequire } from "node:module";
import { ERRNO, SyscallError } from "../errors.js";
import { u64Text } from "../util/u64-text.js";

// koffi is CommonJS: require() skips the export scan an ESM import of it costs at every start (~15 ms).
const koffi = createRequire(import.meta.url)("koffi") as typeof import("koffi");

const libc = koffi.load("libc.so.6");

const c = {
  socket: libc.func("int socket(int domain, int type, int protocol)"),
  send: libc.func("long send(int fd, const void *buf, size_t len, int flags)"),
  recv: libc.func("long recv(int fd, _Out_ void *buf, size_t len, int flags)"),
  setsockopt: libc.func("int setsockopt(int fd, int level, int name, const void *val, uint32_t len)"),
  // The length is passed as a 4-byte buffer, not a JS array: koffi hands a buffer over as it is, where
  // an _Inout_ array is copied in and out on every call (~1 µs of the ~2.5 µs a call costs).
  getsockopt: libc.func("int getsockopt(int fd, int level, int name, void *val, void *len)"),
  shutdown: libc.func("int shutdown(int fd, int how)"),
  close: libc.func("int close(int fd)"),
  setns: libc.func("int setns(int fd, int nstype)"),
  syscall2: libc.func("long syscall(long nr, ...)"),
  open: libc.func("int open(const char *path, int flags)"),
  readlinkat: libc.func("long readlinkat(int dirfd, const uint8_t *path, _Out_ uint8_t *buf, size_t len)"),
};

export { AF_INET, AF_INET6, IPPROTO_TCP } from "./structs.js";
export const AF_NETLINK = 16;
export const SOCK_DGRAM = 2;
export const SOCK_RAW = 3;
export const SOCK_CLOEXEC = 0o2000000;
export const SOL_SOCKET = 1;
export const SO_KEEPALIVE = 9;
export const SO_RCVBUF = 8;
export const SO_SNDBUF = 7;
export const SO_RCVTIMEO = 20;
export const SO_TYPE = 3;
export const SO_PROTOCOL = 38;
export const SO_DOMAIN = 39;
export const SO_COOKIE = 57;
/** getsockopt(IPPROTO_TCP, TCP_INFO): struct tcp_info, as in the sock_diag dump. */
export const TCP_INFO_OPT = 11;
export const TCP_KEEPIDLE = 4;
export const TCP_KEEPINTVL = 5;
export const TCP_KEEPCNT = 6;
export const TCP_USER_TIMEOUT = 18;
export const SOL_NETLINK = 270;
export const NETLINK_EXT_ACK = 11;
export const NETLINK_GET_STRICT_CHK = 12;
export const SHUT_RD = 0;
export const SHUT_WR = 1;
export const SHUT_RDWR = 2;
export const CLONE_NEWNET = 0x40000000;
export const SYS_PIDFD_OPEN = 434;
export const SYS_PIDFD_GETFD = 438;

function check(name: string, rc: number | bigint): number {
  const n = Number(rc);
  if (n < 0) throw new SyscallError(name, koffi.errno());
  return n;
}

export function socket(domain: number, type: number, protocol: number): number {
  return check("socket", c.socket(domain, type, protocol));
}

export function send(fd: number, buf: Uint8Array): number {
  return check("send", c.send(fd, buf, buf.byteLength, 0));
}

/** Receives into `buf`; retries on EINTR. Throws SyscallError (EAGAIN on a receive timeout). */
export function recv(fd: number, buf: Uint8Array, flags = 0): number {
  for (;;) {
    const rc = Number(c.recv(fd, buf, buf.byteLength, flags));
    if (rc >= 0) return rc;
    const errno = koffi.errno();
    if (errno !== ERRNO.EINTR) throw new SyscallError("recv", errno);
  }
}

const MSG_DONTWAIT = 0x40;

/** Receives what is already queued, without waiting: -1 when nothing is (no error object on that path). */
export function recvQueued(fd: number, buf: Uint8Array): number {
  for (;;) {
    const rc = Number(c.recv(fd, buf, buf.byteLength, MSG_DONTWAIT));
    if (rc >= 0) return rc;
    const errno = koffi.errno();
    if (errno === ERRNO.EAGAIN) return -1;
    if (errno !== ERRNO.EINTR) throw new SyscallError("recv", errno);
  }
}

// One int and one length for every socket option call: a probe of 10k sockets makes 100k of them.
const optInt = Buffer.alloc(4);
const optLen = Buffer.alloc(4);

export function setsockoptInt(fd: number, level: number, name: number, value: number): void {
  optInt.writeInt32LE(value, 0);
  check("setsockopt", c.setsockopt(fd, level, name, optInt, 4));
}

export function getsockoptInt(fd: number, level: number, name: number): number {
  optLen.writeUInt32LE(4, 0);
  check("getsockopt", c.getsockopt(fd, level, name, optInt, optLen));
  return optInt.readInt32LE(0);
}

const cookie = Buffer.alloc(8);

/**
 * The kernel's cookie of socket `fd`, in decimal as sock_diag reports it (both come from
 * sock_gen_cookie), or undefined when `fd` is not a socket. One call where fstat(2) costs a Stats
 * object: a probe of 10k sockets checks 20k duplicates.
 */
export function socketCookie(fd: number): string | undefined {
  optLen.writeUInt32LE(8, 0);
  if (Number(c.getsockopt(fd, SOL_SOCKET, SO_COOKIE, cookie, optLen)) < 0) return undefined;
  return u64Text(cookie, 0);
}

/** getsockopt(2) of a struct into `out`: the length the kernel wrote (tcp_info is shorter on older kernels). */
export function getsockoptBytes(fd: number, level: number, name: number, out: Uint8Array): number {
  optLen.writeUInt32LE(out.byteLength, 0);
  check("getsockopt", c.getsockopt(fd, level, name, out, optLen));
  return optLen.readUInt32LE(0);
}

/** Sets a receive timeout so that a stuck kernel dump ends in EAGAIN instead of a hang. */
export function setReceiveTimeout(fd: number, ms: number): void {
  const tv = Buffer.alloc(16);
  tv.writeBigInt64LE(BigInt(Math.floor(ms / 1000)), 0);
  tv.writeBigInt64LE(BigInt((ms % 1000) * 1000), 8);
  check("setsockopt", c.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, tv, 16));
}

export function shutdown(fd: number, how: number): void {
  check("shutdown", c.shutdown(fd, how));
}

export function close(fd: number): void {
  check("close", c.close(fd));
}

const O_DIRECTORY = 0o200000;
const O_CLOEXEC = 0o2000000;

/** Opens a directory for the *at calls: its descriptor, or -1 (gone, not permitted, not a directory). */
export function openDirectory(path: string): number {
  return Number(c.open(path, O_DIRECTORY | O_CLOEXEC));
}

/**
 * readlinkat(2) of `name` (NUL-terminated bytes) in the directory `dirfd` into `out`: the target's
 * length, or -1 (no such entry, or any other failure), with no error object on that path. The owner
 * walk reads one link per descriptor with it: relative to an open /proc/PID/fd, the kernel resolves
 * one name instead of a whole path, and no JavaScript runs between the call and the syscall.
 */
export function readlinkAt(dirfd: number, name: Uint8Array, out: Uint8Array): number {
  return Number(c.readlinkat(dirfd, name, out, out.byteLength));
}

/** Moves the calling thread into the namespace `fd` refers to. */
export function setns(fd: number, nstype: number): void {
  check("setns", c.setns(fd, nstype));
}

export function pidfdOpen(pid: number): number {
  return check("pidfd_open", c.syscall2(SYS_PIDFD_OPEN, "long", pid, "uint", 0));
}

/** Duplicates descriptor `targetFd` of the process behind `pidfd` into this process. */
export function pidfdGetfd(pidfd: number, targetFd: number): number {
  return check("pidfd_getfd", c.syscall2(SYS_PIDFD_GETFD, "int", pidfd, "int", targetFd, "uint", 0));
}
