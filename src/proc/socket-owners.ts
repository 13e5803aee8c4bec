// Socket inode → owning process, by walking /proc/PID/fd links `socket:[INODE]` as `ss -p` does, but
// only as far as the caller needs: other namespaces are skipped and the walk stops once every wanted
// socket is found. Each link costs one readlink system call (2-4 µs, ~80% of the walk), so the rest is
// about making fewer of them; OwnerWalkPool spreads them over threads.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { fdDirSize, isProcfs } from "./fd-count.js";
import { netnsInodeOf } from "./netns-inode.js";
import { parseComm, parseDecimalName, parseSocketLink } from "./parse.js";
import { listPids } from "./pids.js";

export interface SocketOwner {
  /** The lowest pid seen holding the socket (after fork(), parent and child share it). */
  readonly pid: number;
  /** The descriptor number in that process. */
  readonly fd: number;
  /** Processes seen holding the socket; a lower bound when the walk stopped early. */
  holders: number;
}

export interface OwnerProcess {
  readonly pid: number;
  /** /proc/PID/comm; read only for processes that own at least one wanted socket. */
  command: string | undefined;
  /** Entries in /proc/PID/fd: descriptors in use. */
  fds: number;
  /** Wanted sockets this process was found to own first. */
  sockets: number;
}

export interface SocketOwnerOptions {
  readonly procRoot?: string;
  /** Only these sockets are resolved; with a Set the walk stops once all are found. Default: all. */
  readonly wanted?: ReadonlySet<number> | ((inode: number) => boolean);
  /** Skips processes whose /proc/PID/ns/net has another inode (socket inodes are global, so this only saves time). */
  readonly netnsInode?: number;
  /** Walks only these pids instead of every process. */
  readonly pids?: Iterable<number>;
}

export interface SocketOwnerMap {
  readonly owners: Map<number, SocketOwner>;
  /** Every process walked, by pid (processes after an early stop are absent). */
  readonly processes: Map<number, OwnerProcess>;
  readonly stats: SocketOwnerStats;
}

export interface SocketOwnerStats {
  /** Processes whose descriptors were read. */
  walked: number;
  /** Processes skipped for living in another network namespace. */
  otherNetns: number;
  /** Processes that vanished or refused access mid-walk. */
  unreadable: number;
  /** Descriptor links read. */
  links: number;
  /** True when the walk stopped because every wanted socket was found. */
  complete: boolean;
  elapsedMs: number;
}

interface Walk {
  readonly dirPrefix: string;
  /** st_size of an fd directory is its descriptor count. */
  readonly procfs: boolean;
  readonly wants: (inode: number) => boolean;
  /** Wanted sockets not found yet; Infinity when the wanted set is open-ended. */
  remaining: number;
  readonly result: SocketOwnerMap;
}

/** Builds the owner map once per scan; never throws for processes that vanish or refuse access. */
export function findSocketOwners(options: SocketOwnerOptions = {}): SocketOwnerMap {
  const started = performance.now();
  const procRoot = options.procRoot ?? "/proc";
  const walk = startWalk(procRoot, options.wanted);
  const pids = options.pids ? [...options.pids].sort((a, b) => a - b) : listPids(procRoot);
  for (const pid of pids) {
    if (walk.remaining === 0) break;
    if (inOtherNetns(procRoot, pid, options.netnsInode)) {
      walk.result.stats.otherNetns++;
      continue;
    }
    walkProcess(walk, pid);
  }
  readCommands(procRoot, walk.result.processes);
  walk.result.stats.complete = walk.remaining === 0;
  walk.result.stats.elapsedMs = performance.now() - started;
  return walk.result;
}

function startWalk(procRoot: string, wanted: SocketOwnerOptions["wanted"]): Walk {
  const stats = { walked: 0, otherNetns: 0, unreadable: 0, links: 0, complete: false, elapsedMs: 0 };
  const result: SocketOwnerMap = { owners: new Map(), processes: new Map(), stats };
  const base = { dirPrefix: `${procRoot}/`, procfs: isProcfs(procRoot), result };
  if (wanted === undefined) return { ...base, wants: () => true, remaining: Infinity };
  if (typeof wanted === "function") return { ...base, wants: wanted, remaining: Infinity };
  return { ...base, wants: (inode) => wanted.has(inode), remaining: wanted.size };
}

function inOtherNetns(procRoot: string, pid: number, netnsInode: number | undefined): boolean {
  if (netnsInode === undefined) return false;
  const ino = netnsInodeOf(pid, procRoot);
  // Unknown namespace (e.g. access refused): walk it anyway, since inodes are unique host-wide.
  return ino !== undefined && ino !== netnsInode;
}

function walkProcess(walk: Walk, pid: number): void {
  const dir = `${walk.dirPrefix}${pid}/fd/`;
  const count = fdDirSize(dir, walk.procfs);
  if (count === undefined) {
    walk.result.stats.unreadable++;
    return;
  }
  walk.result.stats.walked++;
  const proc: OwnerProcess = { pid, command: undefined, fds: count, sockets: 0 };
  walk.result.processes.set(pid, proc);
  // Descriptors are allocated lowest-free-first, so tables are dense: probing 0, 1, 2, ... until
  // `count` links are read skips the getdents pass (a third of the kernel's time). A sparse table,
  // or a count the kernel does not report (before 6.2), falls back to listing the directory.
  const resume = count > 0 ? probeDense(walk, proc, dir, count) : 0;
  if (resume >= 0) walkListed(walk, proc, dir, resume);
}

/** Reads fds 0.. in order; returns -1 when all `count` were found, else the first fd not probed. */
function probeDense(walk: Walk, proc: OwnerProcess, dir: string, count: number): number {
  const stats = walk.result.stats;
  let found = 0;
  let misses = 0;
  for (let fd = 0; found < count && walk.remaining > 0; fd++) {
    if (misses > found + DENSE_SLACK) return fd;
    const inode = readSocketInode(dir + fd);
    if (inode === MISSING) {
      misses++;
      continue;
    }
    found++;
    stats.links++;
    if (inode !== NOT_SOCKET && walk.wants(inode)) record(walk, proc, inode, fd);
  }
  return -1;
}

function walkListed(walk: Walk, proc: OwnerProcess, dir: string, fromFd: number): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  if (fromFd === 0) proc.fds = names.length;
  for (let i = 0; i < names.length && walk.remaining > 0; i++) {
    const fd = parseDecimalName(names[i] as string);
    if (fd < fromFd) continue;
    const inode = readSocketInode(dir + fd);
    if (inode === MISSING) continue;
    walk.result.stats.links++;
    if (inode !== NOT_SOCKET && walk.wants(inode)) record(walk, proc, inode, fd);
  }
}

const MISSING = -1;
const NOT_SOCKET = -2;
/** Misses tolerated beyond the links found before a table counts as sparse. */
const DENSE_SLACK = 64;

function readSocketInode(path: string): number {
  let target: string;
  try {
    target = readlinkSync(path);
  } catch {
    return MISSING;
  }
  return parseSocketLink(target) ?? NOT_SOCKET;
}

function record(walk: Walk, proc: OwnerProcess, inode: number, fd: number): void {
  const seen = walk.result.owners.get(inode);
  if (seen !== undefined) {
    seen.holders++;
    return;
  }
  walk.result.owners.set(inode, { pid: proc.pid, fd, holders: 1 });
  proc.sockets++;
  walk.remaining--;
}

function readCommands(procRoot: string, processes: Map<number, OwnerProcess>): void {
  for (const proc of processes.values()) {
    if (proc.sockets > 0) proc.command = readComm(proc.pid, procRoot);
  }
}

/** /proc/PID/comm, or undefined when the process is gone. */
export function readComm(pid: number, procRoot = "/proc"): string | undefined {
  try {
    return parseComm(readFileSync(`${procRoot}/${pid}/comm`, "utf8"));
  } catch {
    return undefined;
  }
}
