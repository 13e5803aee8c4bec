// The vocabulary of `idlereap top`'s table: its sort orders and groupings, its rows, the identity of
// a connection or a group across refreshes (for marks), and the key cycles.
import type { TcpSocket } from "../../model/tcp-socket.js";

export const GROUPS = ["none", "process", "cgroup", "port", "remote"] as const;
export type GroupBy = (typeof GROUPS)[number];

export const SORTS = [
  "idle",
  "state",
  "unacked",
  "retrans",
  "recv-q",
  "send-q",
  "local",
  "remote",
  "process",
] as const;
export type SortKey = (typeof SORTS)[number];

export interface Group {
  by: GroupBy;
  key: string;
  count: number;
  maxIdleMs: number;
  unacked: number;
  /** Members by state, in kernel state order. */
  byState: Map<string, number>;
}

export type Row = { kind: "socket"; socket: TcpSocket } | { kind: "group"; group: Group };

/** One connection's identity across refreshes (the kernel's cookie is unique per socket). */
export function socketKey(s: Pick<TcpSocket, "netns" | "cookie">): string {
  return `${s.netns}/${s.cookie}`;
}

/** A group's identity among the marks (it cannot be taken for a socket's: no netns name holds NUL). */
export function groupMark(by: GroupBy, key: string): string {
  return `\0${by}\0${key}`;
}

/** The mark a row carries when marked. */
export function rowMark(row: Row): string {
  return row.kind === "socket" ? socketKey(row.socket) : groupMark(row.group.by, row.group.key);
}

/** The marks split into connections and groups (by grouping, then names). */
export function splitMarks(marks: Iterable<string>): {
  sockets: Set<string>;
  groups: Map<GroupBy, Set<string>>;
} {
  const sockets = new Set<string>();
  const groups = new Map<GroupBy, Set<string>>();
  for (const m of marks) {
    if (!m.startsWith("\0")) {
      sockets.add(m);
      continue;
    }
    const end = m.indexOf("\0", 1);
    const by = m.slice(1, end) as GroupBy;
    const keys = groups.get(by) ?? new Set<string>();
    groups.set(by, keys);
    keys.add(m.slice(end + 1));
  }
  return { sockets, groups };
}

/** The next value of a cycle (sort and group keys step through their lists). */
export function next<T>(list: readonly T[], current: T, step = 1): T {
  const i = list.indexOf(current);
  return list[(i + step + list.length) % list.length] as T;
}
