// Socket inode → owning process, by walking /proc/PID/fd links `socket:[INODE]` as `ss -p` does, but
// only as far as the caller needs: other namespaces are skipped and the walk stops once every wanted
// socket is found. Each link costs one readlink system call (2-4 µs, ~80% of the walk), so the rest is
// about making fewer of them; OwnerWalkPool spreads them over threads.
import { readFileSync } from "node:fs";
import { type FdWalkStats, type SocketSink, walkFds } from "./fd-walk.js";
import { parseComm } from "./parse.js";
import { listPids } from "./pids.js";

/** The walk's record of one socket: its lowest-pid holder and how many processes hold it. */
export interface OwnerEntry {
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
  /** Wanted sockets this process owns (as their lowest-pid holder). */
  sockets: number;
}

export type WantedSockets = ReadonlySet<number> | ((inode: number) => boolean);

export interface SocketOwnerOptions {
  readonly procRoot?: string;
  /** Only these sockets are resolved; with a Set the walk stops once all are found. Default: all. */
  readonly wanted?: WantedSockets;
  /** Skips processes whose /proc/PID/ns/net has another inode (socket inodes are global: saves time only). */
  readonly netnsInode?: number;
  /** Walks only these pids instead of every process. */
  readonly pids?: Iterable<number>;
}

export interface SocketOwnerStats extends Omit<FdWalkStats, "stopped"> {
  /** True when every wanted socket (of a Set) was found. */
  complete: boolean;
  elapsedMs: number;
}

export interface SocketOwnerMap {
  readonly owners: Map<number, OwnerEntry>;
  /** Every process walked, by pid (processes after an early stop are absent). */
  readonly processes: Map<number, OwnerProcess>;
  readonly stats: SocketOwnerStats;
}

/** Builds the owner map once per scan; never throws for processes that vanish or refuse access. */
export function findSocketOwners(options: SocketOwnerOptions = {}): SocketOwnerMap {
  const started = performance.now();
  const procRoot = options.procRoot ?? "/proc";
  const pids = options.pids ? [...options.pids].sort((a, b) => a - b) : listPids(procRoot);
  const builder = new OwnerMapBuilder(options.wanted);
  const walk = { procRoot, pids, wants: wantsOf(options.wanted), netnsInode: options.netnsInode };
  return builder.finish(procRoot, walkFds(walk, builder), started);
}

export function wantsOf(wanted: WantedSockets | undefined): (inode: number) => boolean {
  if (wanted === undefined) return () => true;
  if (typeof wanted === "function") return wanted;
  return (inode) => wanted.has(inode);
}

/** Collects walked sockets into the owner map; the lowest pid of several holders wins, in any order. */
export class OwnerMapBuilder implements SocketSink {
  readonly owners = new Map<number, OwnerEntry>();
  readonly processes = new Map<number, OwnerProcess>();
  #remaining: number;
  readonly #bounded: boolean;

  constructor(wanted: WantedSockets | undefined) {
    this.#bounded = wanted !== undefined && typeof wanted !== "function";
    this.#remaining = this.#bounded ? (wanted as ReadonlySet<number>).size : Number.POSITIVE_INFINITY;
  }

  onProcess(pid: number, fds: number): void {
    this.processes.set(pid, { pid, command: undefined, fds, sockets: 0 });
  }

  onSocket(inode: number, pid: number, fd: number): boolean {
    const seen = this.owners.get(inode);
    if (seen === undefined) {
      this.owners.set(inode, { pid, fd, holders: 1 });
      this.#count(pid, 1);
      return --this.#remaining <= 0;
    }
    if (pid < seen.pid) {
      this.owners.set(inode, { pid, fd, holders: seen.holders + 1 });
      this.#count(seen.pid, -1);
      this.#count(pid, 1);
    } else seen.holders++;
    return false;
  }

  /** Reads the commands of the processes that own sockets and returns the map. */
  finish(procRoot: string, walk: FdWalkStats, started: number): SocketOwnerMap {
    for (const proc of this.processes.values()) {
      if (proc.sockets > 0) proc.command = readComm(proc.pid, procRoot);
    }
    const { walked, otherNetns, unreadable, links } = walk;
    const complete = this.#bounded && this.#remaining <= 0;
    const stats = { walked, otherNetns, unreadable, links, complete, elapsedMs: performance.now() - started };
    return { owners: this.owners, processes: this.processes, stats };
  }

  #count(pid: number, delta: number): void {
    const proc = this.processes.get(pid);
    if (proc !== undefined) proc.sockets += delta;
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
