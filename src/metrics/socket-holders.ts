// Who holds the sockets that linger, for metrics with bounded labels: the processes with the most
// CLOSE_WAIT sockets (top few per namespace), and how many idle sockets are held by more than one
// descriptor — twice in one process (a dup() kept by a library) or by several processes (a
// descriptor inherited by a child). One /proc walk serves all namespaces: every descriptor of
// every process is read (as `ss -p` does), since a holder can be any process.
import { processCgroupPath } from "../proc/cgroups.js";
import { walkFds } from "../proc/fd-walk.js";
import { listPids } from "../proc/pids.js";
import { readComm } from "../proc/socket-owners.js";

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

/** Pids holding each wanted socket, one entry per descriptor, in ascending pid order. */
class HolderSink {
  readonly holders = new Map<number, number[]>();
  onProcess(): void {}
  onSocket(inode: number, pid: number): boolean {
    const list = this.holders.get(inode);
    if (list) list.push(pid);
    else this.holders.set(inode, [pid]);
    return false; // every holder counts: never stop early
  }
}

/** Walks every process once for the candidates of all namespaces. */
export function walkHolders(
  byNetns: ReadonlyMap<string, HolderCandidates>,
  procRoot = "/proc",
): Map<string, NetnsHolders> {
  const wanted = new Set<number>();
  for (const c of byNetns.values()) {
    for (const inode of c.closeWait) if (inode !== 0) wanted.add(inode);
    for (const inode of c.idle) if (inode !== 0) wanted.add(inode);
  }
  const sink = new HolderSink();
  const inodes = new Set([...byNetns.values()].map((c) => c.netnsInode));
  const netnsInode = inodes.size === 1 ? [...inodes][0] : undefined;
  const wants = (i: number) => wanted.has(i);
  if (wanted.size > 0) walkFds({ procRoot, pids: listPids(procRoot), wants, netnsInode }, sink);
  const out = new Map<string, NetnsHolders>();
  for (const [netns, c] of byNetns) out.set(netns, summarize(c, sink.holders, procRoot));
  return out;
}

function summarize(c: HolderCandidates, holders: Map<number, number[]>, procRoot: string): NetnsHolders {
  const result: NetnsHolders = { closeWaitTop: [], sameProcess: 0, crossProcess: 0 };
  const byPid = new Map<number, number>();
  for (const inode of c.closeWait) {
    const pid = holders.get(inode)?.[0];
    if (pid !== undefined) byPid.set(pid, (byPid.get(pid) ?? 0) + 1);
  }
  result.closeWaitTop = [...byPid]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, CLOSE_WAIT_TOP)
    .map(([pid, count]) => ({
      pid,
      count,
      command: readComm(pid, procRoot) ?? "",
      cgroup: processCgroupPath(pid, procRoot) ?? "",
    }));
  for (const list of [c.closeWait, c.idle]) {
    for (const inode of list) {
      const pids = holders.get(inode);
      if (!pids || pids.length < 2) continue;
      if (pids.some((p) => p !== pids[0])) result.crossProcess++;
      else result.sameProcess++;
    }
  }
  return result;
}
