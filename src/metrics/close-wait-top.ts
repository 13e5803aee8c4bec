// The processes holding the most CLOSE_WAIT sockets of a namespace, for a metric with bounded
// cardinality: only the top few get a series, so a leak shows by name without a series per pid.
import { processCgroupPath } from "../proc/cgroups.js";
import { findSocketOwners } from "../proc/socket-owners.js";

/** Processes published per namespace. */
export const CLOSE_WAIT_TOP = 5;

export interface CloseWaitHolder {
  pid: number;
  command: string;
  /** The process's cgroup v2 path ("" when unknown): the unit, container or pod to blame. */
  cgroup: string;
  count: number;
}

/**
 * Walks the namespace's processes for these CLOSE_WAIT inodes (stopping once all are found) and
 * returns the `top` biggest holders, biggest first, ties by lower pid. Sockets without an owner
 * (already orphaned) are left out: no process can be blamed for them.
 */
export function topCloseWaitHolders(
  netnsInode: number,
  inodes: readonly number[],
  top = CLOSE_WAIT_TOP,
  procRoot = "/proc",
): CloseWaitHolder[] {
  const wanted = new Set(inodes.filter((i) => i !== 0));
  if (wanted.size === 0) return [];
  const map = findSocketOwners({ netnsInode, wanted, procRoot });
  const counts = new Map<number, number>();
  for (const inode of wanted) {
    const o = map.owners.get(inode);
    if (o) counts.set(o.pid, (counts.get(o.pid) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, top)
    .map(([pid, count]) => ({
      pid,
      count,
      command: map.processes.get(pid)?.command ?? "",
      cgroup: processCgroupPath(pid, procRoot) ?? "",
    }));
}
