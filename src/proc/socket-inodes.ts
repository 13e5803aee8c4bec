// The inodes of a namespace's sockets that are not TCP, from /proc/PID/net/{unix,udp,...}: what
// tells a socket the TCP dump no longer lists (closed, still held) from one that was never TCP.
import { readFileSync } from "node:fs";

/** Each table and the whitespace-separated column of its rows that holds the inode. */
const TABLES: readonly [file: string, column: number][] = [
  ["unix", 6],
  ["udp", 9],
  ["udp6", 9],
  ["udplite", 9],
  ["udplite6", 9],
  ["icmp", 9],
  ["icmp6", 9],
  ["raw", 9],
  ["raw6", 9],
  ["netlink", 9],
  ["packet", 8],
];

/** The inodes of column `column` of a /proc/net table (the header row is skipped). */
export function parseInodeColumn(text: string, column: number, into: Set<number> = new Set()): Set<number> {
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const fields = (lines[i] as string).trim().split(/\s+/);
    const field = fields[column];
    if (field === undefined || !/^\d+$/.test(field)) continue;
    const inode = Number(field);
    if (inode !== 0) into.add(inode);
  }
  return into;
}

/**
 * Inodes of the unix, UDP, ICMP (ping), raw, netlink and packet sockets of the network namespace `pid` lives in
 * (/proc/PID/net shows the tables of the process's namespace). A table that cannot be read is skipped.
 */
export function nonTcpSocketInodes(pid: number, procRoot = "/proc"): Set<number> {
  const out = new Set<number>();
  for (const [file, column] of TABLES) {
    let text: string;
    try {
      text = readFileSync(`${procRoot}/${pid}/net/${file}`, "latin1");
    } catch {
      continue;
    }
    parseInodeColumn(text, column, out);
  }
  return out;
}
