// The one sysctl reading and writing layer. Keys under net/ are per network namespace and reflect
// the namespace of the calling thread; fs/ keys and a few net ones (tcp_max_orphans) are host-wide.
// Readers take a /proc root (default /proc); the tune layer works with a /proc/sys root directly.
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { parseIntegers } from "./parse.js";

export const PROC_SYS = "/proc/sys";

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

// One path segment of a key: no "", ".", ".." or separators, so a key never leaves its root.
const SEGMENT = /^(?!\.{1,2}$)[A-Za-z0-9_.:@+-]+$/;

/** "net.ipv4.tcp_keepalive_time" or "net/ipv4/tcp_keepalive_time" → its file under a /proc/sys root. */
export function sysctlFile(key: string, sysRoot = PROC_SYS): string {
  const parts = key.includes("/") ? key.split("/") : key.split(".");
  if (!parts.every((p) => SEGMENT.test(p))) throw new Error(`not a sysctl key: ${JSON.stringify(key)}`);
  return join(sysRoot, ...parts);
}

/** "net.ipv4.tcp_keepalive_time" or "net/ipv4/tcp_keepalive_time" → the path under <procRoot>/sys. */
export function sysctlPath(key: string, procRoot = "/proc"): string {
  const rel = key.includes("/") ? key : key.replaceAll(".", "/");
  return `${procRoot}/sys/${rel}`;
}

/** The raw value without its trailing newline, or undefined when the key does not exist here. */
export function readSysctl(key: string, procRoot = "/proc"): string | undefined {
  return readSysctlAt(sysctlPath(key, procRoot));
}

/** The value under a /proc/sys root, tabs and runs of spaces as one space, or undefined. */
export function readSysctlValue(key: string, sysRoot = PROC_SYS): string | undefined {
  let file: string;
  try {
    file = sysctlFile(key, sysRoot);
  } catch {
    return undefined;
  }
  return readSysctlAt(file)?.trim().split(/\s+/).join(" ");
}

/**
 * Writes one key under a /proc/sys root; throws the fs error (errno code) when the kernel refuses.
 * O_TRUNC without O_CREAT: an unknown key fails with ENOENT, as in /proc/sys, on a test tree too.
 */
export function writeSysctl(key: string, value: string, sysRoot = PROC_SYS): void {
  const fd = openSync(
    sysctlFile(key, sysRoot),
    constants.O_WRONLY | constants.O_TRUNC | constants.O_NOFOLLOW,
  );
  try {
    writeSync(fd, `${value}\n`);
  } finally {
    closeSync(fd);
  }
}

function readSysctlAt(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trimEnd();
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
