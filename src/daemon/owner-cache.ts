// Socket owners (pid, fd, command) remembered between cycles. The /proc walk that finds them is the
// slowest part of a cycle on a busy host, so sockets about to become due are looked up one cycle
// early, after that cycle's actions; when they are due, one readlink confirms the owner still
// holds them.
import { readlinkSync } from "node:fs";
import { findSocketOwners } from "../proc/socket-owners.js";

export interface CachedOwner {
  pid: number;
  fd: number;
  command: string | null;
}

export class OwnerCache {
  private readonly owners = new Map<number, CachedOwner>();
  private readonly procRoot: string;

  constructor(procRoot = "/proc") {
    this.procRoot = procRoot;
  }

  get size(): number {
    return this.owners.size;
  }

  /** The owner of a socket inode if known and still true. */
  lookup(inode: number): CachedOwner | undefined {
    const o = this.owners.get(inode);
    if (!o) return undefined;
    try {
      if (readlinkSync(`${this.procRoot}/${o.pid}/fd/${o.fd}`) === `socket:[${inode}]`) return o;
    } catch {}
    this.owners.delete(inode);
    return undefined;
  }

  /** Walks the processes of one namespace for the inodes not known yet. */
  fill(netnsInode: number, inodes: Iterable<number>): void {
    const wanted = new Set<number>();
    for (const inode of inodes) if (inode !== 0 && !this.owners.has(inode)) wanted.add(inode);
    if (wanted.size === 0) return;
    const map = findSocketOwners({ netnsInode, wanted, procRoot: this.procRoot });
    for (const [inode, o] of map.owners) {
      this.owners.set(inode, { pid: o.pid, fd: o.fd, command: map.processes.get(o.pid)?.command ?? null });
    }
  }

  /** Forgets every socket not in `keep`. */
  retain(keep: ReadonlySet<number>): void {
    for (const inode of this.owners.keys()) if (!keep.has(inode)) this.owners.delete(inode);
  }
}
