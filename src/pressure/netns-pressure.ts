// Resource pressure of one namespace: how close descriptors, ephemeral ports, conntrack entries,
// orphans and TIME_WAIT buckets are to their limits. Used by the status report and the daemon.
import { inNetns, type NetnsRef } from "../kernel/netns.js";
import { systemFilePressure } from "../proc/limits.js";
import { readTcpSockstat, type TcpSockstat } from "../proc/sockstat.js";
import { readSysctlInt, readSysctlInts } from "../proc/sysctl.js";

export const RESOURCES = ["descriptors", "ports", "conntrack", "orphans", "timewait"] as const;
export type Resource = (typeof RESOURCES)[number];

export interface PressureReading {
  resource: Resource;
  used: number;
  limit: number;
  /** used / limit; 0 when the limit is unknown. */
  ratio: number;
  /** What `used` counts, e.g. the remote endpoint whose ports are nearly exhausted. */
  detail?: string;
}

/** The namespace's settings and counters that pressure and the report need, read inside it. */
export interface NetnsSettings {
  keepalive: { time: number; intvl: number; probes: number } | undefined;
  ephemeral: [number, number] | undefined;
  maxTwBuckets: number | undefined;
  maxOrphans: number | undefined;
  conntrack: { count: number; max: number } | undefined;
  sockstat: TcpSockstat | undefined;
}

export function readNetnsSettings(ns: NetnsRef, procRoot = "/proc"): NetnsSettings {
  return inNetns(ns, () => {
    const time = readSysctlInt("net/ipv4/tcp_keepalive_time", procRoot);
    const intvl = readSysctlInt("net/ipv4/tcp_keepalive_intvl", procRoot);
    const probes = readSysctlInt("net/ipv4/tcp_keepalive_probes", procRoot);
    const range = readSysctlInts("net/ipv4/ip_local_port_range", procRoot);
    const ctCount = readSysctlInt("net/netfilter/nf_conntrack_count", procRoot);
    const ctMax = readSysctlInt("net/netfilter/nf_conntrack_max", procRoot);
    return {
      keepalive:
        time !== undefined && intvl !== undefined && probes !== undefined
          ? { time, intvl, probes }
          : undefined,
      ephemeral: range?.length === 2 ? [range[0] as number, range[1] as number] : undefined,
      maxTwBuckets: readSysctlInt("net/ipv4/tcp_max_tw_buckets", procRoot),
      maxOrphans: readSysctlInt("net/ipv4/tcp_max_orphans", procRoot),
      conntrack: ctCount !== undefined && ctMax !== undefined ? { count: ctCount, max: ctMax } : undefined,
      sockstat: readTcpSockstat(procRoot),
    };
  });
}

const reading = (resource: Resource, used: number, limit: number, detail?: string): PressureReading => ({
  resource,
  used,
  limit,
  ratio: limit > 0 ? used / limit : 0,
  ...(detail ? { detail } : {}),
});

export interface PressureInputs {
  settings: NetnsSettings;
  /** TIME_WAIT sockets counted by the scan (sockstat's count is used otherwise). */
  timeWait?: number;
  /** The remote endpoint using the most ephemeral ports, and how many. */
  busiestRemote?: { remote: string; count: number } | undefined;
  procRoot?: string;
}

/** Pure over its inputs except fs.file-nr (host-wide). Unknown limits are left out. */
export function computePressure(inputs: PressureInputs): PressureReading[] {
  const { settings } = inputs;
  const out: PressureReading[] = [];
  const files = systemFilePressure(inputs.procRoot ?? "/proc");
  if (files && files.max > 0)
    out.push(reading("descriptors", files.allocated, files.max, "fs.file-nr vs fs.file-max"));
  if (settings.ephemeral) {
    const size = settings.ephemeral[1] - settings.ephemeral[0] + 1;
    const b = inputs.busiestRemote;
    out.push(reading("ports", b?.count ?? 0, size, b ? `to ${b.remote.replace("|", " port ")}` : undefined));
  }
  if (settings.conntrack) out.push(reading("conntrack", settings.conntrack.count, settings.conntrack.max));
  if (settings.maxOrphans !== undefined && settings.sockstat) {
    out.push(reading("orphans", settings.sockstat.orphan, settings.maxOrphans));
  }
  if (settings.maxTwBuckets !== undefined) {
    out.push(reading("timewait", inputs.timeWait ?? settings.sockstat?.tw ?? 0, settings.maxTwBuckets));
  }
  return out;
}

/** Reads what it needs and computes pressure for one namespace (the daemon's entry point). */
export function readPressure(
  ns: NetnsRef,
  counts: { timeWait?: number; busiestRemote?: { remote: string; count: number } } = {},
  procRoot = "/proc",
): PressureReading[] {
  const settings = readNetnsSettings(ns, procRoot);
  return computePressure({ settings, ...counts, procRoot });
}
