// What `idlereap top` shows, as pure functions of one scan's sockets: the text filter, the sort
// orders, and the grouping by process, cgroup (pod, container, unit), local port or remote address.
import type { TcpSocket } from "../../model/tcp-socket.js";
import { formatEndpoint } from "../output/endpoint.js";

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

const orNeg = (v: number | null) => v ?? -1;
const procName = (s: TcpSocket) => (s.pid === null ? "" : `${s.command ?? "?"}/${s.pid}`);

const COMPARE: Record<SortKey, (a: TcpSocket, b: TcpSocket) => number> = {
  idle: (a, b) => orNeg(b.idleMs) - orNeg(a.idleMs),
  state: (a, b) => a.state.localeCompare(b.state) || orNeg(b.idleMs) - orNeg(a.idleMs),
  unacked: (a, b) => orNeg(b.unacked) - orNeg(a.unacked),
  retrans: (a, b) => orNeg(b.totalRetrans) - orNeg(a.totalRetrans),
  "recv-q": (a, b) => b.recvQ - a.recvQ,
  "send-q": (a, b) => b.sendQ - a.sendQ,
  local: (a, b) => a.localPort - b.localPort || a.localAddress.localeCompare(b.localAddress),
  remote: (a, b) => a.remoteAddress.localeCompare(b.remoteAddress) || a.remotePort - b.remotePort,
  process: (a, b) => procName(a).localeCompare(procName(b)),
};

export function sortSockets(list: TcpSocket[], key: SortKey): TcpSocket[] {
  return list.sort(COMPARE[key]);
}

/** The cgroup a socket is attributed to, most specific name first. */
export function cgroupName(s: TcpSocket): string {
  if (s.pod) return `pod:${s.pod}`;
  if (s.container) return `container:${s.container.slice(0, 12)}`;
  return s.unit ?? s.cgroup ?? "?";
}

export function groupKey(s: TcpSocket, by: GroupBy): string {
  switch (by) {
    case "process":
      return procName(s) || "(no process)";
    case "cgroup":
      return cgroupName(s);
    case "port":
      return `:${s.localPort}`;
    case "remote":
      return s.family === 6 ? `[${s.remoteAddress}]` : s.remoteAddress;
    default:
      return socketKey(s);
  }
}

/** One connection's identity across refreshes (the kernel's cookie is unique per socket). */
export function socketKey(s: TcpSocket): string {
  return `${s.netns}/${s.cookie}`;
}

/** Whether the free-text filter (`/`) matches: every word must appear in the socket's line. */
export function matchesText(s: TcpSocket, text: string): boolean {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const line = [
    s.netns,
    s.state,
    formatEndpoint(s.localAddress, s.localPort, s.family),
    formatEndpoint(s.remoteAddress, s.remotePort, s.family),
    procName(s),
    cgroupName(s),
  ]
    .join(" ")
    .toLowerCase();
  return words.every((w) => line.includes(w));
}

export interface Group {
  key: string;
  sockets: TcpSocket[];
  maxIdleMs: number;
  unacked: number;
  byState: Map<string, number>;
}

/** Groups in the order of the sort key: by their idlest member for `idle`, else by size. */
export function groupSockets(list: readonly TcpSocket[], by: GroupBy, sort: SortKey): Group[] {
  const groups = new Map<string, Group>();
  for (const s of list) {
    const key = groupKey(s, by);
    let g = groups.get(key);
    if (!g) {
      g = { key, sockets: [], maxIdleMs: 0, unacked: 0, byState: new Map() };
      groups.set(key, g);
    }
    g.sockets.push(s);
    g.maxIdleMs = Math.max(g.maxIdleMs, s.idleMs ?? 0);
    g.unacked += s.unacked ?? 0;
    g.byState.set(s.state, (g.byState.get(s.state) ?? 0) + 1);
  }
  const out = [...groups.values()];
  if (sort === "idle") out.sort((a, b) => b.maxIdleMs - a.maxIdleMs || b.sockets.length - a.sockets.length);
  else if (sort === "unacked") out.sort((a, b) => b.unacked - a.unacked);
  else if (sort === "process" || sort === "local" || sort === "remote")
    out.sort((a, b) => a.key.localeCompare(b.key));
  else out.sort((a, b) => b.sockets.length - a.sockets.length);
  return out;
}

/** The next value of a cycle (sort and group keys step through their lists). */
export function next<T>(list: readonly T[], current: T, step = 1): T {
  const i = list.indexOf(current);
  return list[(i + step + list.length) % list.length] as T;
}
