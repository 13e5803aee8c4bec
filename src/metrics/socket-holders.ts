// Who holds the sockets that linger, for metrics with bounded labels: the processes with the most
// CLOSE_WAIT sockets (top few per namespace), and how many idle sockets are held by more than one
// descriptor — twice in one process (a dup() kept by a library) or by several processes (a
// descriptor inherited by a child). One owner walk (proc/owner-index.ts, every holder kept) serves
// all namespaces, since a holder can be any process.
import { processCgroupPath } from "../proc/cgroups.js";
import { OwnerIndex } from "../proc/owner-index.js";

/** Processes published per namespace for CLOSE_WAIT. */
export const CLOSE_WAIT_TOP = 5;
/** Established sockets count as idle (for the multi-holder metric) after this long without data. */
export const MULTI_HOLDER_IDLE_MS = 60_000;

/** What a full scan of one namespace found for the walk. */
export interface HolderCandidates {
  /** The namespace's inode: with a single namespace, processes of other namespaces are skipped. */
  netnsInode: number;
  /** Inodes of the CLOSE_WAIT sockets. */
  closeWait: readonly number[];
  /** Inodes of the established sockets idle for MULTI_HOLDER_IDLE_MS or more. */
  idle: readonly number[];
}

export interface CloseWaitHolder {
  pid: number;
  command: string;
  /** The process's cgroup v2 path ("" when unknown): the unit, container or pod to blame. */
  cgroup: string;
  count: number;
}

export interface NetnsHolders {
  closeWaitTop: CloseWaitHolder[];
  /** Sockets with several descriptors, all in one process. */
  sameProcess: number;
  /** Sockets with descriptors in more than one process. */
  crossProcess: number;
}

/** Walks every process once (the owner walk, every holder kept) for the candidates of all namespaces. */
export function walkHolders(
  byNetns: ReadonlyMap<string, HolderCandidates>,
  procRoot = "/proc",
): Map<string, NetnsHolders> {
  const wanted = new Set<number>();
  for (const c of byNetns.values()) {
    for (const inode of c.closeWait) if (inode !== 0) wanted.add(inode);
    for (const inode of c.idle) if (inode !== 0) wanted.add(inode);
  }
  const inodes = new Set([...byNetns.values()].map((c) => c.netnsInode));
  const netnsInode = inodes.size === 1 ? [...inodes][0] : undefined;
  const index =
    wanted.size > 0
      ? OwnerIndex.walk({ procRoot, wanted, everyHolder: true, ...(netnsInode ? { netnsInode } : {}) })
      : undefined;
  const out = new Map<string, NetnsHolders>();
  for (const [netns, c] of byNetns) out.set(netns, summarize(c, index, procRoot));
  return out;
}

function summarize(c: HolderCandidates, index: OwnerIndex | undefined, procRoot: string): NetnsHolders {
  const result: NetnsHolders = { closeWaitTop: [], sameProcess: 0, crossProcess: 0 };
  if (index === undefined) return result;
  const byPid = new Map<number, number>();
  for (const inode of c.closeWait) {
    const pid = index.pidOf(inode);
    if (pid !== undefined) byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
  }
  result.closeWaitTop = [...byPid]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, CLOSE_WAIT_TOP)
    .map(([pid, count]) => ({
      pid,
      count,
      command: index.commandOf(pid) ?? "",
      cgroup: processCgroupPath(pid, procRoot) ?? "",
    }));
  for (const list of [c.closeWait, c.idle]) {
    for (const inode of list) {
      const holders = index.holdersOf(inode);
      if (holders.length < 2) continue;
      if (holders.some((h) => h.pid !== holders[0]?.pid)) result.crossProcess++;
      else result.sameProcess++;
    }
  }
  return result;
}
