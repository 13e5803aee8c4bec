// Descriptors a process has open. On procfs since Linux 6.2, st_size of /proc/PID/fd is that count,
// which saves listing the directory; other roots (fixtures) and older kernels need the listing.
import { readdirSync, statfsSync, statSync } from "node:fs";

const PROC_SUPER_MAGIC = 0x9fa0;
const procfsRoots = new Map<string, boolean>();

/** Whether `procRoot` is a procfs mount, whose fd directories report their size as a count. */
export function isProcfs(procRoot = "/proc"): boolean {
  let known = procfsRoots.get(procRoot);
  if (known === undefined) {
    try {
      known = statfsSync(procRoot).type === PROC_SUPER_MAGIC;
    } catch {
      known = false;
    }
    procfsRoots.set(procRoot, known);
  }
  return known;
}

/**
 * st_size of an fd directory when it is a count (procfs, Linux >= 6.2), 0 when it is not known that
 * way, undefined when the process is gone or not permitted.
 */
export function fdDirSize(dir: string, procfs: boolean): number | undefined {
  try {
    const size = statSync(dir).size;
    return procfs ? size : 0;
  } catch {
    return undefined;
  }
}

/** Descriptors `pid` has open, or undefined when it is gone or not permitted. */
export function countOpenFds(pid: number | "self", procRoot = "/proc"): number | undefined {
  const dir = `${procRoot}/${pid}/fd`;
  const size = fdDirSize(dir, isProcfs(procRoot));
  if (size === undefined || size > 0) return size;
  try {
    return readdirSync(dir).length;
  } catch {
    return undefined;
  }
}
