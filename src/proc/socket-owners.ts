// Socket inode → owning process, by walking /proc/PID/fd links `socket:[INODE]` as `ss -p` does, but
// only as far as the caller needs: other namespaces are skipped and the walk stops once every wanted
// socket is found. Each link costs one readlink system call (2-4 µs, ~80% of the walk), so the rest is
// about making fewer of them; OwnerWalkPool spreads them over threads.
import { readFileSync } from "node:fs";
import { type FdWalkStats, type SocketSink, walkFds } from "./fd-walk.js";
import { parseComm } from "./parse.js";
import { listPids } from "./pids.js";

/** The walk's record of one socket: its lowest-pid holder and every other descriptor holding it. */
export interface OwnerEntry {
  /** The lowest pid seen holding the socket (after fork(), parent and child share it). */
  readonly pid: number;
  /** The descriptor number in that process. */
  readonly fd: number;
  /** Descriptors seen holding the socket, in any process; a lower bound when the walk stopped early. */
  holders: number;
  /** The other holders as pid, fd pairs, flat; present only when there are any. */
  others?: number[];
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
  /**
   * Keeps walking after every wanted socket (of a Set) is found, so that every holder is seen and
   * `holders` is exact; default false (the walk stops at the last wanted socket's first holder).
   */
  readonly everyHolder?: boolean;
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
  const builder = new OwnerMapBuilder(options.wanted, options.everyHolder);
  const walk = { procRoot, pids, wants: wantsOf(options.wanted), netnsInode: options.netnsInode };
  return builder.finish(procRoot, walkFds(walk, builder), started);
}

export function wantsOf(wanted: WantedSockets | undefined): (inode: number) => boolean {
  if (wanted === undefined) return () => true;
  if (typeof wanted === "function") return wanted;
  return (inode) => wanted.has(inode);
}

/**
 * Collects walked sockets into the owner map; the lowest pid of several holders is the owner, in
 * any order, and the others are kept beside it (a kept duplicate, an inherited descriptor).
 */
export class OwnerMapBuilder implements SocketSink {
  readonly owners = new Map<number, OwnerEntry>();
  readonly processes = new Map<number, OwnerProcess>();
  #remaining: number;
  readonly #bounded: boolean;
  readonly #stops: boolean;

  constructor(wanted: WantedSockets | undefined, everyHolder = false) {
    this.#bounded = wanted !== undefined && typeof wanted !== "function";
    this.#stops = this.#bounded && !everyHolder;
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
      return --this.#remaining <= 0 && this.#stops;
    }
    const others = seen.others ?? [];
    if (pid < seen.pid) {
      others.push(seen.pid, seen.fd);
      this.owners.set(inode, { pid, fd, holders: seen.holders + 1, others });
      this.#count(seen.pid, -1);
      this.#count(pid, 1);
    } else {
      others.push(pid, fd);
      seen.holders++;
      seen.others = others;
    }
    return false;
  }

  /** Reads the commands of the processes that own sockets and returns the map. */
  finish(procRoot: string, walk: FdWalkStats, started: number): SocketOwnerMap {
    for (const proc of this.processes.values()) {
      if (proc.sockets > 0) proc.command = readComm(proc.pid, procRoot);
    }
    for (const pid of this.#otherHolderPids()) {
      const proc = this.processes.get(pid);
      if (proc !== undefined && proc.command === undefined) proc.command = readComm(pid, procRoot);
    }
    const { walked, otherNetns, unreadable, links } = walk;
    const complete = this.#bounded && this.#remaining <= 0;
    const stats = { walked, otherNetns, unreadable, links, complete, elapsedMs: performance.now() - started };
    return { owners: this.owners, processes: this.processes, stats };
  }

  /** Pids that hold a socket only as a second holder (their commands are named too). */
  #otherHolderPids(): Set<number> {
    const pids = new Set<number>();
    for (const o of this.owners.values()) {
      const others = o.others;
      if (others !== undefined) for (let i = 0; i < others.length; i += 2) pids.add(others[i] as number);
    }
    return pids;
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
