// Who holds each socket, as every command asks it: inode → pid, fd and command. Built by the owner
// walk (findSocketOwners, or a walker thread of OwnerWalkPool) and read through this one class by
// `ls`, `kill`, `status` and the daemon's owner cache. `walkOwnerTriples` is the flat form for the
// JSON writer of `ls --json`, which wants numbers, not an index.
import { readdirSync, readlinkSync } from "node:fs";
import { walkFds } from "./fd-walk.js";
import { ArraySink } from "./owner-walk-wire.js";
import { listPids } from "./pids.js";
import {
  findSocketOwners,
  type OwnerProcess,
  readComm,
  type SocketOwnerMap,
  type SocketOwnerOptions,
} from "./socket-owners.js";

/** The process holding a socket: its pid, the descriptor number there, and its command. */
export interface Owner {
  pid: number;
  fd: number;
  /** /proc/PID/comm; null when the process went away before it was read. */
  command: string | null;
  /** Descriptors holding the socket in all processes (1: this one only); absent when not counted. */
  holders?: number;
}

/** One descriptor holding a socket. */
export interface Holder {
  pid: number;
  fd: number;
  command: string | null;
}

export class OwnerIndex {
  readonly map: SocketOwnerMap;

  constructor(map: SocketOwnerMap) {
    this.map = map;
  }

  /** Walks /proc now (see findSocketOwners for the options). */
  static walk(options: SocketOwnerOptions = {}): OwnerIndex {
    return new OwnerIndex(findSocketOwners(options));
  }

  /** Sockets attributed. */
  get size(): number {
    return this.map.owners.size;
  }

  ownerOf(inode: number): Owner | undefined {
    const o = this.map.owners.get(inode);
    if (o === undefined) return undefined;
    return {
      pid: o.pid,
      fd: o.fd,
      command: this.map.processes.get(o.pid)?.command ?? null,
      holders: o.holders,
    };
  }

  /** Every descriptor seen holding the socket, the owner first, then by pid and fd. */
  holdersOf(inode: number): Holder[] {
    const o = this.map.owners.get(inode);
    if (o === undefined) return [];
    const out = [this.#holder(o.pid, o.fd)];
    const others = o.others ?? [];
    for (let i = 0; i + 1 < others.length; i += 2)
      out.push(this.#holder(others[i] as number, others[i + 1] as number));
    const rest = out.slice(1).sort((a, b) => a.pid - b.pid || a.fd - b.fd);
    return [out[0] as Holder, ...rest];
  }

  /** Sockets held by more than one descriptor: inode → holder count. */
  *shared(): IterableIterator<[number, number]> {
    for (const [inode, o] of this.map.owners) if (o.holders > 1) yield [inode, o.holders];
  }

  /** Every socket inode seen. */
  inodes(): IterableIterator<number> {
    return this.map.owners.keys();
  }

  #holder(pid: number, fd: number): Holder {
    return { pid, fd, command: this.commandOf(pid) };
  }

  pidOf(inode: number): number | undefined {
    return this.map.owners.get(inode)?.pid;
  }

  commandOf(pid: number): string | null {
    return this.map.processes.get(pid)?.command ?? null;
  }

  /** Every process walked (with its descriptor count). */
  processes(): Iterable<OwnerProcess> {
    return this.map.processes.values();
  }

  /** The inode → owner pairs, for callers that keep them (the daemon's cache). */
  *entries(): IterableIterator<[number, Owner]> {
    for (const inode of this.map.owners.keys()) yield [inode, this.ownerOf(inode) as Owner];
  }
}

export interface OwnerTriples {
  /** inode, pid, fd; repeated, `length` numbers in use. */
  readonly sockets: Float64Array;
  readonly length: number;
  /** Command of every pid that holds a socket. */
  readonly commands: Map<number, string | undefined>;
}

/**
 * Every socket of one namespace with its holder as flat numbers, walked on this thread: no object
 * per socket, for writers that hand the table on at once.
 */
export function walkOwnerTriples(netnsInode: number, procRoot = "/proc"): OwnerTriples {
  const sink = new ArraySink();
  walkFds({ procRoot, pids: listPids(procRoot), wants: () => true, netnsInode }, sink);
  const commands = new Map(sink.ownerPids.map((pid) => [pid, readComm(pid, procRoot)]));
  return { sockets: sink.sockets, length: sink.socketsLength, commands };
}

/** Whether `owner` still holds socket `inode` at its descriptor (one readlink; false when gone). */
export function stillHolds(owner: Owner, inode: number, procRoot = "/proc"): boolean {
  try {
    return readlinkSync(`${procRoot}/${owner.pid}/fd/${owner.fd}`) === `socket:[${inode}]`;
  } catch {
    return false;
  }
}

/** The inodes of the sockets a process holds (for "self": idlereap's own), empty when unreadable. */
export function socketInodesOf(pid: number | "self", procRoot = "/proc"): Set<number> {
  const out = new Set<number>();
  const dir = `${procRoot}/${pid}/fd`;
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`${dir}/${fd}`));
      if (m) out.add(Number(m[1]));
    } catch {}
  }
  return out;
}
