// What idlereap knows about the sysctls it reads and writes: scope (one network namespace or the
// whole host), the values the kernel accepts, and the folklore keys it refuses.

export type Scope = "netns" | "global";

export interface SysctlSpec {
  readonly key: string;
  /** netns: each network namespace has its own value; global: one value for the whole host. */
  readonly scope: Scope;
  /** int: one integer; range: two integers "low high". */
  readonly kind: "int" | "range";
  readonly min: number;
  readonly max: number;
  /** Absent on some kernels or until a module loads (nf_conntrack, tcp_tw_reuse_delay on < 6.14). */
  readonly optional?: boolean;
  /** A capacity limit: a profile value is a floor, so applying raises it and never lowers it. */
  readonly floor?: boolean;
}

const INT_MAX = 2_147_483_647;
const U8 = { min: 0, max: 255 } as const;
const INT = { min: 0, max: INT_MAX } as const;
// Timeouts kept in jiffies: the kernel converts seconds × HZ and rejects what overflows an int.
const SECS = { min: 1, max: 2_147_483 } as const;

function spec(
  key: string,
  scope: Scope,
  range: { min: number; max: number },
  extra: Partial<SysctlSpec> = {},
) {
  return { key, scope, kind: "int" as const, ...range, ...extra };
}

const CT_TCP_STATES = [
  "established",
  "syn_sent",
  "syn_recv",
  "fin_wait",
  "close_wait",
  "last_ack",
  "time_wait",
  "close",
  "max_retrans",
  "unacknowledged",
] as const;

/** The keys `tune audit` reads, in the order it shows them. */
export const SYSCTLS: readonly SysctlSpec[] = Object.freeze([
  spec("net.ipv4.tcp_keepalive_time", "netns", SECS),
  spec("net.ipv4.tcp_keepalive_intvl", "netns", SECS),
  spec("net.ipv4.tcp_keepalive_probes", "netns", { min: 1, max: 255 }),
  spec("net.ipv4.tcp_fin_timeout", "netns", SECS),
  spec("net.ipv4.tcp_tw_reuse", "netns", { min: 0, max: 2 }),
  spec("net.ipv4.tcp_tw_reuse_delay", "netns", { min: 1, max: 60_000 }, { optional: true }),
  spec("net.ipv4.tcp_max_tw_buckets", "netns", INT, { floor: true }),
  { key: "net.ipv4.ip_local_port_range", scope: "netns", kind: "range", min: 1, max: 65_535 },
  spec("net.ipv4.tcp_retries2", "netns", U8),
  spec("net.ipv4.tcp_orphan_retries", "netns", U8),
  spec("net.ipv4.tcp_max_orphans", "global", INT, { floor: true }),
  spec("net.ipv4.tcp_syncookies", "netns", { min: 0, max: 2 }),
  spec("net.ipv4.tcp_max_syn_backlog", "netns", INT, { floor: true }),
  spec("net.core.somaxconn", "netns", INT, { floor: true }),
  spec("fs.file-max", "global", { min: 0, max: Number.MAX_SAFE_INTEGER }, { floor: true }),
  spec("fs.nr_open", "global", { min: 64, max: 2_147_483_584 }, { floor: true }),
  // Read-only inside any namespace but the host's since Linux 5.15: one table for the host.
  spec("net.netfilter.nf_conntrack_max", "global", INT, { optional: true, floor: true }),
  ...CT_TCP_STATES.map((s) =>
    spec(`net.netfilter.nf_conntrack_tcp_timeout_${s}`, "netns", SECS, { optional: true }),
  ),
]);

const BY_KEY = new Map(SYSCTLS.map((s) => [s.key, s]));

export function sysctlSpec(key: string): SysctlSpec | undefined {
  return BY_KEY.get(key);
}

/** Keys that circulate in tuning advice but must not be used, with the reason. */
export interface Folklore {
  readonly key: string;
  readonly kind: "removed" | "non-mainline" | "no-effect";
  readonly message: string;
}

export const FOLKLORE: readonly Folklore[] = Object.freeze([
  {
    key: "net.ipv4.tcp_tw_recycle",
    kind: "removed",
    message:
      "removed in Linux 4.12: it dropped SYNs whose TCP timestamps were older than the last seen from the same IP, " +
      "which broke clients behind NAT (many hosts, one address, unrelated timestamp clocks)",
  },
  {
    key: "net.ipv4.tcp_tw_timeout",
    kind: "non-mainline",
    message:
      "not in the mainline kernel (an Alibaba Cloud Linux addition); TIME_WAIT lasts a fixed 60 s (TCP_TIMEWAIT_LEN)",
  },
  {
    key: "net.ipv4.tcp_low_latency",
    kind: "no-effect",
    message: "has no effect since Linux 4.14 (the prequeue it controlled is gone)",
  },
  {
    key: "net.ipv4.tcp_fack",
    kind: "no-effect",
    message: "has no effect since Linux 4.15 (FACK was replaced by RACK loss detection)",
  },
  {
    key: "net.ipv4.netfilter.ip_conntrack_max",
    kind: "removed",
    message: "removed with ip_conntrack in Linux 2.6.25; the key is net.netfilter.nf_conntrack_max",
  },
  {
    key: "net.ipv4.netfilter.ip_conntrack_tcp_timeout_established",
    kind: "removed",
    message:
      "removed with ip_conntrack in Linux 2.6.25; the key is net.netfilter.nf_conntrack_tcp_timeout_established",
  },
]);

const FOLKLORE_BY_KEY = new Map(FOLKLORE.map((f) => [f.key, f]));

export function folklore(key: string): Folklore | undefined {
  return FOLKLORE_BY_KEY.get(key);
}

/** Prefixes whose keys appear only once a module is loaded; sysctl --system may run before that. */
export const MODULE_PREFIXES: readonly string[] = ["net.netfilter.", "net.bridge.", "net.nf_conntrack_max"];

/** Normalises a value as the kernel prints it: integers separated by one tab become one space. */
export function normalizeValue(value: string | number | readonly number[]): string {
  if (typeof value === "number") return String(value);
  if (typeof value !== "string") return value.join(" ");
  return value.trim().split(/\s+/).join(" ");
}

/** Checks a value against the key's spec; returns why it is not valid, or null. */
export function checkValue(s: SysctlSpec, value: string): string | null {
  const parts = normalizeValue(value).split(" ");
  const want = s.kind === "range" ? 2 : 1;
  if (parts.length !== want || parts.some((p) => !/^-?\d+$/.test(p))) {
    return s.kind === "range" ? "must be two integers, low and high" : "must be an integer";
  }
  const nums = parts.map(Number);
  for (const n of nums) {
    if (n < s.min || n > s.max) return `${n} is outside ${s.min}..${s.max}`;
  }
  if (s.kind === "range" && (nums[0] as number) > (nums[1] as number)) return "low is greater than high";
  return null;
}
