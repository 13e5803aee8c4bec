// The walk over /proc/PID/fd shared by the owner map and its worker threads: one readlink per
// descriptor, each socket link handed to a sink. Processes that vanish or refuse access are skipped.
// Links are read with readlinkat(2) relative to the open fd directory, into bytes: Node's
// readlinkSync validated and resolved the whole path and made a string each time, and its
// JavaScript ran unoptimized for the first several thousand descriptors of every run.
import { readdirSync } from "node:fs";
import { close, openDirectory, readlinkAt } from "../kernel/libc.js";
import { fdDirSize, isProcfs } from "./fd-count.js";
import { netnsInodeOf } from "./netns-inode.js";
import { parseDecimalName, parseSocketLink } from "./parse.js";

export interface SocketSink {
  /** A process about to be walked, with its descriptor count. */
  onProcess(pid: number, fds: number): void;
  /** A wanted socket link; returns true once the sink needs nothing more (the walk stops). */
  onSocket(inode: number, pid: number, fd: number): boolean;
}

export interface FdWalkOptions {
  readonly procRoot: string;
  /** Ascending, so that the first holder seen of a shared socket is the lowest pid. */
  readonly pids: readonly number[];
  readonly wants: (inode: number) => boolean;
  /** Skips processes of other network namespaces (those whose namespace cannot be read are walked). */
  readonly netnsInode?: number | undefined;
}

export interface FdWalkStats {
  /** Processes whose descriptors were read. */
  walked: number;
  /** Processes skipped for living in another network namespace. */
  otherNetns: number;
  /** Processes that vanished or refused access mid-walk. */
  unreadable: number;
  /** Descriptor links read. */
  links: number;
  /** The sink asked to stop. */
  stopped: boolean;
}

interface Ctx {
  readonly dirPrefix: string;
  /** The open fd directory of the process being walked. */
  dirfd: number;
  readonly procfs: boolean;
  readonly wants: (inode: number) => boolean;
  readonly sink: SocketSink;
  readonly stats: FdWalkStats;
}

/** Misses tolerated beyond the links found before a descriptor table counts as sparse. */
const DENSE_SLACK = 64;
const MISSING = -1;
const NOT_SOCKET = -2;

export function walkFds(options: FdWalkOptions, sink: SocketSink): FdWalkStats {
  const { procRoot, netnsInode } = options;
  const stats = { walked: 0, otherNetns: 0, unreadable: 0, links: 0, stopped: false };
  const ctx: Ctx = {
    dirPrefix: `${procRoot}/`,
    dirfd: -1,
    procfs: isProcfs(procRoot),
    wants: options.wants,
    sink,
    stats,
  };
  for (const pid of options.pids) {
    if (stats.stopped) break;
    if (netnsInode !== undefined && inOtherNetns(procRoot, pid, netnsInode)) stats.otherNetns++;
    else walkProcess(ctx, pid);
  }
  return stats;
}

function inOtherNetns(procRoot: string, pid: number, netnsInode: number): boolean {
  const ino = netnsInodeOf(pid, procRoot);
  // Unknown namespace (access refused): walk it anyway, since socket inodes are unique host-wide.
  return ino !== undefined && ino !== netnsInode;
}

function walkProcess(ctx: Ctx, pid: number): void {
  const dir = `${ctx.dirPrefix}${pid}/fd/`;
  const count = fdDirSize(dir, ctx.procfs);
  const dirfd = count === undefined ? -1 : openDirectory(dir);
  if (count === undefined || dirfd < 0) {
    ctx.stats.unreadable++;
    return;
  }
  ctx.dirfd = dirfd;
  ctx.stats.walked++;
  try {
    // Descriptors are allocated lowest-free-first, so tables are dense: probing 0, 1, 2, ... until
    // `count` links are read skips the getdents pass (a third of the kernel's time). A sparse table,
    // or a count the kernel does not report (before 6.2, or not procfs), falls back to the listing.
    if (count > 0) {
      ctx.sink.onProcess(pid, count);
      const resume = probeDense(ctx, pid, count);
      if (resume >= 0) walkListed(ctx, pid, listFds(dir), resume);
      return;
    }
    const names = listFds(dir);
    ctx.sink.onProcess(pid, names.length);
    walkListed(ctx, pid, names, 0);
  } finally {
    close(dirfd);
  }
}

/** Reads fds 0.. in order; returns -1 when all `count` were found, else the first fd not probed. */
function probeDense(ctx: Ctx, pid: number, count: number): number {
  let found = 0;
  let misses = 0;
  for (let fd = 0; found < count && !ctx.stats.stopped; fd++) {
    if (misses > found + DENSE_SLACK) return fd;
    const inode = readSocketInode(ctx.dirfd, fd);
    if (inode === MISSING) misses++;
    else {
      found++;
      visit(ctx, inode, pid, fd);
    }
  }
  return -1;
}

function walkListed(ctx: Ctx, pid: number, names: string[], fromFd: number): void {
  for (let i = 0; i < names.length && !ctx.stats.stopped; i++) {
    const fd = parseDecimalName(names[i] as string);
    if (fd < fromFd) continue;
    const inode = readSocketInode(ctx.dirfd, fd);
    if (inode !== MISSING) visit(ctx, inode, pid, fd);
  }
}

function visit(ctx: Ctx, inode: number, pid: number, fd: number): void {
  ctx.stats.links++;
  if (inode !== NOT_SOCKET && ctx.wants(inode) && ctx.sink.onSocket(inode, pid, fd)) ctx.stats.stopped = true;
}

function listFds(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const name = Buffer.alloc(16);
const target = Buffer.alloc(64);

/** The inode of descriptor `fd`'s link when it is `socket:[INODE]`, else NOT_SOCKET or MISSING. */
function readSocketInode(dirfd: number, fd: number): number {
  let digits = 1;
  for (let x = fd; x >= 10; x = Math.floor(x / 10)) digits++;
  name[digits] = 0;
  for (let x = fd, p = digits; p > 0; x = Math.floor(x / 10)) name[--p] = 48 + (x % 10);
  const len = readlinkAt(dirfd, name, target);
  if (len < 0) return MISSING;
  return parseSocketLink(target, len) ?? NOT_SOCKET;
}
