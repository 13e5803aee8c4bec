// Findings of the status report: each a severity, one line of why, and the command that fixes the
// problem or digs deeper. Pure over a namespace's status.
import { CURRENT_NETNS } from "../kernel/netns.js";

import type { Resource } from "../pressure/netns-pressure.js";
import { formatDuration } from "../util/duration.js";
import { plural } from "../util/plural.js";
import type {
  NetnsStatus,
  ProcessCount,
  SharedSocket,
  SocketHolder,
  StatusFinding,
  StatusSeverity,
} from "./status-report.js";
import { STATUS_SEVERITIES } from "./status-report.js";

const CLOUD_IDLE_TIMEOUT_S = 350; // AWS NLB and NAT gateway, the shortest of the common ones
const STALE_MS = 60_000;

const who = (p: ProcessCount) => (p.pid === null ? "unknown process" : `${p.command ?? "?"}/${p.pid}`);

export function findingsFor(st: NetnsStatus): StatusFinding[] {
  const out: StatusFinding[] = [];
  const nsFlag = st.netns === "host" || st.netns === CURRENT_NETNS ? "" : ` --netns ${st.netns}`;
  const add = (id: string, severity: StatusSeverity, message: string, command: string) =>
    out.push({ id, severity, netns: st.netns, message, command });

  for (const p of st.closeWait.byProcess) {
    if (p.maxIdleMs < STALE_MS && p.count < 100) continue;
    add(
      "close-wait-leak",
      p.count >= 1000 ? "critical" : "warning",
      `${who(p)} holds ${plural(p.count, "CLOSE_WAIT socket")}, oldest idle ${formatDuration(p.maxIdleMs)}: the peer closed and the application never closed its side`,
      `idlereap kill${nsFlag} --state close-wait${p.pid === null ? "" : ` --pid ${p.pid}`} --idle-over 1m`,
    );
  }
  for (const p of st.finWait2.heldByProcess) {
    if (p.maxIdleMs < STALE_MS) continue;
    add(
      "fin-wait-2-held",
      "warning",
      `${who(p)} shut down ${plural(p.count, "socket")} but keeps them open in FIN_WAIT2 (oldest ${formatDuration(p.maxIdleMs)}); tcp_fin_timeout does not apply to them`,
      `idlereap ls${nsFlag} --state fin-wait-2${p.pid === null ? "" : ` --pid ${p.pid}`} --sort idle`,
    );
  }
  deadPeerFindings(st, add, nsFlag);
  keepaliveFindings(st, add, nsFlag);
  holderFindings(st, add, nsFlag);
  const longIdle = st.established.idleHistogram
    .filter((_b, i, all) => i >= all.findIndex((x) => x.le === "1h") + 1)
    .reduce((n, b) => n + b.count, 0);
  if (longIdle > 0) {
    add(
      "long-idle",
      longIdle >= 1000 ? "warning" : "info",
      `${plural(longIdle, "established connection")} idle for over 1h: they hold descriptors and memory`,
      `idlereap ls${nsFlag} --state established --idle-over 1h --sort idle`,
    );
  }
  for (const r of st.pressure) {
    if (r.ratio < 0.8) continue;
    add(
      `pressure-${r.resource}`,
      r.ratio >= 0.95 ? "critical" : "warning",
      `${r.resource}: ${r.used} of ${r.limit} in use (${Math.round(r.ratio * 100)}%)${r.detail ? `, ${r.detail}` : ""}`,
      PRESSURE_FIX[r.resource].replace("{ns}", nsFlag),
    );
  }
  for (const p of st.processes) {
    if (p.ratio < 0.8) continue;
    add(
      "process-descriptors",
      p.ratio >= 0.95 ? "critical" : "warning",
      `${p.command ?? "?"}/${p.pid} uses ${p.fds} of its ${p.limit} descriptors (${Math.round(p.ratio * 100)}%)`,
      `idlereap ls${nsFlag} --pid ${p.pid} --sort idle`,
    );
  }
  const rank = (s: StatusSeverity) => STATUS_SEVERITIES.indexOf(s);
  return out.sort((a, b) => rank(b.severity) - rank(a.severity));
}

type Add = (id: string, severity: StatusSeverity, message: string, command: string) => void;

function keepaliveFindings(st: NetnsStatus, add: Add, nsFlag: string): void {
  const k = st.keepalive;
  const without = k.processesWithout.reduce((n, p) => n + p.count, 0);
  if (without > 0) {
    const names = k.processesWithout
      .slice(0, 3)
      .map((p) => `${who(p)} (${p.count})`)
      .join(", ");
    add(
      "keepalive-missing",
      without >= 100 ? "warning" : "info",
      `${plural(without, "established socket")} without keepalive in ${plural(k.processesWithout.length, "process", "processes")}: ${names}; the keepalive sysctls do nothing for them`,
      `idlereap ls${nsFlag} --state established --keepalive off --sort idle`,
    );
  }
  const worst = k.worstCaseDetectionSeconds;
  if (worst !== null && worst > CLOUD_IDLE_TIMEOUT_S && k.armed > 0) {
    add(
      "keepalive-slow",
      "warning",
      `keepalive finds a dead idle peer only after ${k.settings?.time} + ${k.settings?.intvl} × ${k.settings?.probes} = ${worst} s (${formatDuration(worst * 1000)}), longer than common load-balancer and NAT idle timeouts (350 s)`,
      `idlereap tune audit${nsFlag} --profile fast-release`,
    );
  }
}

/** Dead peers by owning process (model/dead-peer.ts), and idle connections nobody knows are alive. */
function deadPeerFindings(st: NetnsStatus, add: Add, nsFlag: string): void {
  const { total, sockets, unknownLiveness } = st.deadPeers;
  if (total > 0) {
    const byOwner = new Map<
      string,
      { pid: number | null; command: string | null; count: number; maxMs: number }
    >();
    for (const s of sockets) {
      const key = s.pid === null ? "-" : String(s.pid);
      const g = byOwner.get(key) ?? { pid: s.pid, command: s.command, count: 0, maxMs: 0 };
      g.count++;
      g.maxMs = Math.max(g.maxMs, s.lastAckMs ?? 0);
      byOwner.set(key, g);
    }
    const groups = [...byOwner.values()].sort((a, b) => b.count - a.count);
    const listed = groups.reduce((n, g) => n + g.count, 0);
    for (const g of groups) {
      const owner = g.pid === null ? "orphaned or unattributed sockets" : `${g.command ?? "?"}/${g.pid}`;
      add(
        "dead-peer",
        total >= 100 ? "critical" : "warning",
        `${owner}: ${g.count} connection(s) whose peer has not acknowledged data or keepalive probes for up to ${formatDuration(g.maxMs)}: the peer is gone, and only an abort frees them (a FIN would queue behind the unacknowledged data)`,
        `idlereap kill${nsFlag}${g.pid === null ? "" : ` --pid ${g.pid}`} --dead-peer-over 30s --mode abort`,
      );
    }
    if (total > listed) {
      add(
        "dead-peer",
        total >= 100 ? "critical" : "warning",
        `${total - listed} more connection(s) with a dead peer`,
        `idlereap ls${nsFlag} --dead-peer-over 30s --sort idle`,
      );
    }
  }
  if (unknownLiveness > 0) {
    add(
      "liveness-unknown",
      "info",
      `${unknownLiveness} established connection(s) idle for over 1m with nothing in flight: whether their peer is alive is unknown until a probe asks (keepalive, or idlereap probe)`,
      `idlereap probe${nsFlag} --state established --idle-over 1m`,
    );
  }
}

/** Shared connections grouped by who holds them: one finding per kind and set of holder pids. */
function holderFindings(st: NetnsStatus, add: Add, nsFlag: string): void {
  const h = st.holders;
  if (h === null) return;
  const groups = new Map<string, SharedSocket[]>();
  for (const s of h.shared.sockets) {
    const key = `${s.kind} ${[...new Set(s.holders.map((x) => x.pid))].join(",")}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const list of groups.values()) {
    const first = list[0] as SharedSocket;
    const stale = list.some((s) => (s.idleMs ?? 0) >= STALE_MS || s.state === "close-wait");
    const oldest = Math.max(...list.map((s) => s.idleMs ?? 0));
    const holders = describeHolders(first.holders);
    const why =
      first.kind === "same-process"
        ? "a dup() kept by the application or a library: closing one descriptor sends nothing"
        : "a descriptor inherited by a child (no close-on-exec): the connection lives as long as every holder";
    add(
      first.kind === "same-process" ? "shared-socket-same-process" : "shared-socket-cross-process",
      stale ? "warning" : "info",
      `${list.length} connection(s) held by several descriptors (${holders}), oldest idle ${formatDuration(oldest)}, states ${[...new Set(list.map((s) => s.state))].join(", ")}: ${why}`,
      `idlereap ls${nsFlag} --state all --holders-over 1 --pid ${first.holders[0]?.pid}`,
    );
  }
  for (const p of h.closedHeld.byProcess) {
    add(
      "closed-socket-held",
      p.count >= 1000 ? "critical" : "warning",
      `${p.command ?? "?"}/${p.pid} holds ${p.count} descriptor(s) of TCP connections already closed (fds ${p.fds.join(",")}${p.count > p.fds.length ? ",..." : ""}): a descriptor leak the kernel's socket table no longer shows; only the application can free them: fix it to close() them, or restart it`,
      `ls -l /proc/${p.pid}/fd`,
    );
  }
}

/** "python3/12 fds 4,5" or "python3/12 fd 4, sleep/13 fd 4". */
function describeHolders(holders: SocketHolder[]): string {
  const byPid = new Map<number, SocketHolder[]>();
  for (const x of holders) byPid.set(x.pid, [...(byPid.get(x.pid) ?? []), x]);
  return [...byPid.values()]
    .map(
      (l) =>
        `${l[0]?.command ?? "?"}/${l[0]?.pid} fd${l.length > 1 ? "s" : ""} ${l.map((x) => x.fd).join(",")}`,
    )
    .join(", ");
}

const PRESSURE_FIX: Record<Resource, string> = {
  descriptors: "idlereap tune audit --profile high-concurrency",
  ports: "idlereap tune audit{ns} --profile high-concurrency",
  conntrack: "idlereap firewall status{ns}",
  orphans: "idlereap ls{ns} --state fin-wait-1,closing,last-ack --sort idle",
  timewait: "idlereap tune audit{ns} --profile fast-release",
};
