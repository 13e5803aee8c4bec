// Plain-number explanations of sysctl values and the warnings where settings contradict each other.
import { formatDuration } from "../util/duration.js";

export type Values = ReadonlyMap<string, string | undefined>;

const TCP_RTO_MIN_MS = 200;
const TCP_RTO_MAX_MS = 120_000;

/** Cloud middleboxes that forget idle flows, with their idle timeouts in seconds. */
export const MIDDLEBOX_IDLE_TIMEOUTS: readonly { name: string; seconds: number }[] = [
  { name: "Azure Load Balancer (default)", seconds: 240 },
  { name: "AWS NLB / NAT gateway", seconds: 350 },
  { name: "GCP Cloud NAT (established)", seconds: 1200 },
];

function num(values: Values, key: string): number | undefined {
  const v = values.get(key);
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined;
  return Number(v);
}

function human(seconds: number): string {
  return formatDuration(seconds * 1000)
    .replace(/(\d+)d(\d+)h/, "$1 d $2 h")
    .replace(/(\d+)h(\d+)m$/, "$1 h $2 min")
    .replace(/(\d+)m(\d+)s$/, "$1 min $2 s")
    .replace(/^(\d+)d$/, (_, d) => `${d} day${d === "1" ? "" : "s"}`)
    .replace(/^(\d+)h$/, "$1 h")
    .replace(/^(\d+)m$/, "$1 min")
    .replace(/^(\d+)s$/, "$1 s");
}

/** Seconds the kernel retransmits before giving up after `retries` (tcp_model_timeout, RTO 200 ms). */
export function retransmitTimeoutSeconds(retries: number): number {
  const thresh = Math.floor(Math.log2(TCP_RTO_MAX_MS / TCP_RTO_MIN_MS));
  const ms =
    retries <= thresh
      ? ((2 << retries) - 1) * TCP_RTO_MIN_MS
      : ((2 << thresh) - 1) * TCP_RTO_MIN_MS + (retries - thresh) * TCP_RTO_MAX_MS;
  return ms / 1000;
}

/** Worst-case seconds until keepalive declares a dead idle peer, or undefined when unknown. */
export function keepaliveDetectionSeconds(values: Values): number | undefined {
  const t = num(values, "net.ipv4.tcp_keepalive_time");
  const i = num(values, "net.ipv4.tcp_keepalive_intvl");
  const p = num(values, "net.ipv4.tcp_keepalive_probes");
  return t === undefined || i === undefined || p === undefined ? undefined : t + i * p;
}

type Explain = (v: number, values: Values, raw: string) => string;

const CT_STATE: Record<string, string> = {
  established: "an idle established flow",
  syn_sent: "a flow after a SYN",
  syn_recv: "a flow after a SYN-ACK",
  fin_wait: "a flow in FIN_WAIT",
  close_wait: "a flow in CLOSE_WAIT",
  last_ack: "a flow in LAST_ACK",
  time_wait: "a flow in TIME_WAIT",
  close: "a closed (RST) flow",
  max_retrans: "a flow retransmitting past nf_conntrack_tcp_max_retrans",
  unacknowledged: "a flow with unacknowledged data",
};

const EXPLAIN: Record<string, Explain> = {
  "net.ipv4.tcp_keepalive_time": (v, values) => {
    const d = keepaliveDetectionSeconds(values);
    const i = num(values, "net.ipv4.tcp_keepalive_intvl");
    const p = num(values, "net.ipv4.tcp_keepalive_probes");
    return d === undefined
      ? `first keepalive probe after ${human(v)} idle`
      : `a dead idle peer of a socket with keepalive is found after ${v} + ${i} × ${p} = ${d} s (${human(d)})`;
  },
  "net.ipv4.tcp_keepalive_intvl": (v) => `${human(v)} between unanswered keepalive probes`,
  "net.ipv4.tcp_keepalive_probes": (v) => `${v} unanswered probes and the connection is dropped`,
  "net.ipv4.tcp_fin_timeout": (v) =>
    `an orphaned FIN_WAIT2 socket is released after ${human(v)}; TIME_WAIT stays a fixed 60 s`,
  "net.ipv4.tcp_tw_reuse": (v) =>
    v === 0
      ? "outgoing connections never reuse TIME_WAIT ports"
      : v === 1
        ? "outgoing connections reuse TIME_WAIT ports when timestamps allow"
        : "outgoing connections reuse TIME_WAIT ports on loopback only",
  "net.ipv4.tcp_tw_reuse_delay": (v) => `a TIME_WAIT port is reusable ${v} ms after its last timestamp`,
  "net.ipv4.tcp_max_tw_buckets": (v) =>
    `past ${v} TIME_WAIT sockets new ones are destroyed at once (with a kernel warning)`,
  "net.ipv4.ip_local_port_range": (_v, _values, raw) => {
    const [lo, hi] = raw.split(" ").map(Number) as [number, number];
    const n = hi - lo + 1;
    return `${n} ephemeral ports: about ${Math.floor(n / 60)} new outgoing connections per second to one destination while TIME_WAIT holds each for 60 s`;
  },
  "net.ipv4.tcp_retries2": (v) =>
    `a connection with unacked data is given up after ~${retransmitTimeoutSeconds(v)} s (${human(Math.round(retransmitTimeoutSeconds(v)))}) at the minimum RTO`,
  "net.ipv4.tcp_orphan_retries": (v) => {
    const r = v === 0 ? 8 : v;
    return `a socket the application closed is abandoned after ${r} retransmissions (~${retransmitTimeoutSeconds(r)} s)${v === 0 ? "; 0 means 8" : ""}`;
  },
  "net.ipv4.tcp_max_orphans": (v) => `past ${v} orphaned sockets, new orphans are reset at once`,
  "net.ipv4.tcp_syncookies": (v) =>
    v === 0
      ? "no SYN cookies: a full SYN queue drops SYNs"
      : v === 1
        ? "SYN cookies when the SYN queue overflows"
        : "SYN cookies always",
  "net.ipv4.tcp_max_syn_backlog": (v) => `up to ${v} half-open connections per listener`,
  "net.core.somaxconn": (v) => `listen() backlogs are capped at ${v}`,
  "fs.file-max": (v) => `at most ${v} open files system-wide`,
  "fs.nr_open": (v) => `a process may raise its descriptor limit up to ${v}`,
  "net.netfilter.nf_conntrack_max": (v) => `at most ${v} tracked flows; past it new flows are dropped`,
};

/** One sentence on what the value means, or undefined when idlereap has nothing to add. */
export function explain(key: string, values: Values): string | undefined {
  const raw = values.get(key);
  if (raw === undefined) return undefined;
  const ct = /^net\.netfilter\.nf_conntrack_tcp_timeout_(\w+)$/.exec(key);
  const v = Number(raw.split(" ")[0]);
  if (ct) return `conntrack forgets ${CT_STATE[ct[1] as string] ?? "a flow"} after ${human(v)}`;
  return EXPLAIN[key]?.(v, values, raw);
}

/** Settings that contradict each other or common network paths. */
export function contradictions(values: Values): string[] {
  const out: string[] = [];
  const t = num(values, "net.ipv4.tcp_keepalive_time");
  if (t !== undefined) {
    const under = MIDDLEBOX_IDLE_TIMEOUTS.filter((mb) => t >= mb.seconds);
    if (under.length > 0) {
      const list = under.map((mb) => `${mb.name} ${mb.seconds} s`).join(", ");
      out.push(
        `tcp_keepalive_time ${t} s is not under the idle timeout of ${list}: an idle connection through them is forgotten before the first probe, and its later packets vanish`,
      );
    }
  }
  const ct = num(values, "net.netfilter.nf_conntrack_tcp_timeout_established");
  if (ct !== undefined && t !== undefined && ct <= t) {
    out.push(
      `conntrack forgets idle established flows after ${ct} s, before the first keepalive probe at ${t} s: idle flows through this host's firewall are dropped silently`,
    );
  }
  const fin = num(values, "net.ipv4.tcp_fin_timeout");
  if (fin !== undefined && fin < 60 && values.get("net.ipv4.tcp_tw_reuse") === "0") {
    out.push(
      `tcp_fin_timeout ${fin} s does not shorten TIME_WAIT (fixed 60 s); to free ports for outgoing connections use tcp_tw_reuse`,
    );
  }
  const tw = num(values, "net.ipv4.tcp_max_tw_buckets");
  if (tw !== undefined && tw < 10_000) {
    out.push(
      `tcp_max_tw_buckets ${tw} destroys TIME_WAIT sockets early: late packets of old connections can then corrupt new ones`,
    );
  }
  const d = keepaliveDetectionSeconds(values);
  const r2 = num(values, "net.ipv4.tcp_retries2");
  if (r2 !== undefined && r2 < 8) {
    out.push(
      `tcp_retries2 ${r2} gives up before the 100 s RFC 1122 asks for (~${retransmitTimeoutSeconds(r2)} s)`,
    );
  }
  if (d !== undefined && d > 3600) {
    out.push(
      `keepalive finds a dead idle peer only after ${human(d)}; a server holding such sockets keeps them that long`,
    );
  }
  return out;
}
