// Whether a process still holds a given socket in its descriptor table: after a graceful close of a
// CLOSE_WAIT socket the connection leaves the kernel's table, but the descriptor stays until the
// application closes it, and only this link tells the two apart.
import { readlinkSync } from "node:fs";

/** True when /proc/PID/fd/FD still links to `socket:[INODE]` (false when gone or unreadable). */
export function holdsSocket(pid: number, fd: number, inode: number, procRoot = "/proc"): boolean {
  try {
    return readlinkSync(`${procRoot}/${pid}/fd/${fd}`) === `socket:[${inode}]`;
  } catch {
    return false;
  }
}
