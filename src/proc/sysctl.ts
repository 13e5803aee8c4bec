// Tiny sysctl readers for the status report. Keys under net/ are per network namespace and reflect
// the namespace of the reading thread; fs/ keys and a few net ones (tcp_max_orphans) are host-wide.
import { readFileSync } from "node:fs";
import { parseIntegers } from "./parse.js";

/** Keys the status report shows, in the slash form. */
export const STATUS_SYSCTLS = [
  "net/ipv4/tcp_keepalive_time",
  "net/ipv4/tcp_keepalive_intvl",
  "net/ipv4/tcp_keepalive_probes",
  "net/ipv4/ip_local_port_range",
  "net/ipv4/tcp_max_tw_buckets",
  "net/ipv4/tcp_max_orphans",
  "net/netfilter/nf_conntrack_max",
  "net/netfilter/nf_conntrack_count",
  "fs/file-max",
] as const;

/** "net.ipv4.tcp_keepalive_time" or "net/ipv4/tcp_keepalive_time" → the path under /proc/sys. */
export function sysctlPath(key: string, procRoot = "/proc"): string {
  const rel = key.includes("/") ? key : key.replaceAll(".", "/");
  return `${procRoot}/sys/${rel}`;
}

/** The raw value without its trailing newline, or undefined when the key does not exist here. */
export function readSysctl(key: string, procRoot = "/proc"): string | undefined {
  try {
    return readFileSync(sysctlPath(key, procRoot), "utf8").trimEnd();
  } catch {
    return undefined;
  }
}

/** A single-integer sysctl, or undefined when missing or not an integer. */
export function readSysctlInt(key: string, procRoot = "/proc"): number | undefined {
  const nums = readSysctlInts(key, procRoot);
  return nums?.length === 1 ? nums[0] : undefined;
}

/** A tuple sysctl such as ip_local_port_range ([32768, 60999]), or undefined. */
export function readSysctlInts(key: string, procRoot = "/proc"): number[] | undefined {
  const raw = readSysctl(key, procRoot);
  return raw === undefined ? undefined : parseIntegers(raw);
}

/** Every key asked for, mapped to its integers; missing keys are left out. */
export function readSysctls(
  keys: readonly string[] = STATUS_SYSCTLS,
  procRoot = "/proc",
): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const key of keys) {
    const value = readSysctlInts(key, procRoot);
    if (value !== undefined) out.set(key, value);
  }
  return out;
}
