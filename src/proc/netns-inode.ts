// The inode that identifies a process's network namespace (stat of /proc/PID/ns/net).
import { statSync } from "node:fs";

/** The network namespace inode of `pid` (or "self"), or undefined when gone or not permitted. */
export function netnsInodeOf(pid: number | "self", procRoot = "/proc"): number | undefined {
  return inodeOf(`${procRoot}/${pid}/ns/net`);
}

/** stat(path).ino, or undefined when the path is missing or not permitted. */
export function inodeOf(path: string): number | undefined {
  try {
    return statSync(path, { throwIfNoEntry: false })?.ino;
  } catch {
    return undefined;
  }
}
