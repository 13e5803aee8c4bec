// Every distinct network namespace on the host: named ones under /run/netns and those of running
// processes, deduplicated by the namespace inode.
import { readdirSync } from "node:fs";
import { inodeOf, netnsInodeOf } from "./netns-inode.js";
import { listPids } from "./pids.js";

export { netnsInodeOf } from "./netns-inode.js";

export interface NetnsEntry {
  readonly inode: number;
  /** The first name under /run/netns, if the namespace has one. */
  name?: string;
  /** Every name under /run/netns bound to it. */
  readonly names: string[];
  /** A path usable with setns(): /run/netns/NAME when named, else /proc/PID/ns/net. */
  path: string;
  /** Up to `maxPids` processes in it, ascending. */
  readonly pids: number[];
  /** How many processes are in it. */
  pidCount: number;
  /** The host's namespace (that of pid 1, or of this process when pid 1's is not readable). */
  host: boolean;
  /** The namespace this process is in. */
  current: boolean;
}

export interface NetnsInventoryOptions {
  readonly procRoot?: string;
  /** Where named namespaces are bound; default /run/netns. */
  readonly netnsDir?: string;
  /** Pids kept per namespace; default 8. */
  readonly maxPids?: number;
}

export function listNetns(options: NetnsInventoryOptions = {}): NetnsEntry[] {
  const procRoot = options.procRoot ?? "/proc";
  const byInode = new Map<number, NetnsEntry>();
  addNamed(byInode, options.netnsDir ?? "/run/netns");
  addProcesses(byInode, procRoot, options.maxPids ?? 8);
  const current = netnsInodeOf("self", procRoot);
  const host = netnsInodeOf(1, procRoot) ?? current;
  for (const entry of byInode.values()) {
    entry.host = entry.inode === host;
    entry.current = entry.inode === current;
  }
  return [...byInode.values()].sort((a, b) => a.inode - b.inode);
}

function addNamed(byInode: Map<number, NetnsEntry>, netnsDir: string): void {
  let names: string[];
  try {
    names = readdirSync(netnsDir).sort();
  } catch {
    return;
  }
  for (const name of names) {
    const path = `${netnsDir}/${name}`;
    const inode = inodeOf(path);
    if (inode === undefined) continue;
    const entry = byInode.get(inode);
    if (entry !== undefined) entry.names.push(name);
    else
      byInode.set(inode, {
        inode,
        name,
        names: [name],
        path,
        pids: [],
        pidCount: 0,
        host: false,
        current: false,
      });
  }
}

function addProcesses(byInode: Map<number, NetnsEntry>, procRoot: string, maxPids: number): void {
  for (const pid of listPids(procRoot)) {
    const inode = netnsInodeOf(pid, procRoot);
    if (inode === undefined) continue; // gone, or not permitted
    let entry = byInode.get(inode);
    if (entry === undefined) {
      const path = `${procRoot}/${pid}/ns/net`;
      entry = { inode, names: [], path, pids: [], pidCount: 0, host: false, current: false };
      byInode.set(inode, entry);
    }
    entry.pidCount++;
    if (entry.pids.length < maxPids) entry.pids.push(pid);
  }
}
