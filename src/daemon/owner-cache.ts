// Socket owners (pid, fd, command) remembered between cycles. The /proc walk that finds them is the
// slowest part of a cycle on a busy host, so sockets about to become due are looked up one cycle
// early, after that cycle's actions; when they are due, one readlink confirms the owner still
// holds them.
import { type Owner, OwnerIndex, stillHolds } from "../proc/owner-index.js";
import type { NetnsScan } from "./netns-scan.js";

export class OwnerCache {
  private readonly owners = new Map<number, Owner>();
  private readonly procRoot: string;

  constructor(procRoot = "/proc") {
    this.procRoot = procRoot;
  }

  get size(): number {
    return this.owners.size;
  }

  /** The owner of a socket inode if known and still true. */
  lookup(inode: number): Owner | undefined {
    const o = this.owners.get(inode);
    if (!o) return undefined;
    if (stillHolds(o, inode, this.procRoot)) return o;
    this.owners.delete(inode);
    return undefined;
  }

  /** Walks the processes of one namespace for the inodes not known yet. */
  fill(netnsInode: number, inodes: Iterable<number>): void {
    const wanted = new Set<number>();
    for (const inode of inodes) if (inode !== 0 && !this.owners.has(inode)) wanted.add(inode);
    if (wanted.size === 0) return;
    const index = OwnerIndex.walk({ netnsInode, wanted, procRoot: this.procRoot });
    for (const [inode, owner] of index.entries()) this.owners.set(inode, owner);
  }

  /** Forgets every socket not in `keep`. */
  retain(keep: ReadonlySet<number>): void {
    for (const inode of this.owners.keys()) if (!keep.has(inode)) this.owners.delete(inode);
  }

  /** Gives the scan's candidates their owners; one walk for the missing ones and those due soon. */
  attach(scan: NetnsScan): void {
    if (scan.candidates.length === 0) return;
    const missing = scan.candidates.filter(({ socket }) => !this.lookup(socket.inode));
    if (missing.length > 0)
      this.fill(scan.netns.inode, [...missing.map(({ socket }) => socket.inode), ...scan.soon]);
    for (const { socket } of scan.candidates) {
      const o = this.lookup(socket.inode);
      if (!o) continue;
      socket.pid = o.pid;
      socket.fd = o.fd;
      socket.holders = o.holders ?? 1;
      socket.command = o.command;
    }
  }

  /** After the actions: owners of the sockets due soon, so that their cycle need not walk /proc. */
  prefetch(scans: readonly NetnsScan[]): void {
    const keep = new Set<number>();
    for (const scan of scans) {
      for (const inode of scan.soon) keep.add(inode);
      this.fill(scan.netns.inode, scan.soon);
    }
    if (scans.length > 0) this.retain(keep);
  }
}
