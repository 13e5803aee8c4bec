// The health report behind `idlereap status`: per namespace, sockets by state, idle times, leaks,
// dead peers, keepalive coverage and pressure, plus findings that say what to do.
import { hostname, release } from "node:os";
import { IdlereapError } from "../errors.js";
import type { NetnsRef } from "../kernel/netns.js";
import { computePressure, type NetnsSettings, readNetnsSettings } from "../pressure/netns-pressure.js";
import { CgroupIndex } from "../proc/cgroups.js";
import { processFdPressure } from "../proc/limits.js";
import { OwnerIndex } from "../proc/owner-index.js";
import { OwnerWalkPool } from "../proc/owner-walk-pool.js";
import { cgroupResolver } from "../scan/collect.js";
import { scanNamespaces } from "../scan/scan.js";
import { compileFilter } from "../select/socket-filter.js";
import { findingsFor } from "./findings.js";
import { holdersStatus, InodeStates } from "./holders.js";
import type { NetnsStatus, ProcessCount, StatusReport } from "./status-report.js";
import { type InodeList, idleBucketLabel, NetnsTally } from "./tally.js";

export interface StatusOptions {
  /** Data outstanding and unacknowledged this long marks a dead-peer suspect; default 30 s. */
  deadPeerMs?: number;
  /** Attribute sockets to processes; default true. */
  owners?: boolean;
  procRoot?: string;
}

export async function buildStatus(
  namespaces: readonly NetnsRef[],
  options: StatusOptions = {},
): Promise<StatusReport> {
  const out: StatusReport = {
    generatedAt: new Date().toISOString(),
    host: { hostname: hostname(), kernel: release() },
    namespaces: [],
    findings: [],
    errors: [],
    notScanned: [],
  };
  const cgroups = new CgroupIndex();
  // One walker thread: the /proc walk for owners runs while the main thread dumps and tallies.
  const pool = options.owners === false ? undefined : new OwnerWalkPool({ threads: 1 });
  try {
    for (const ns of namespaces) await addNamespace(out, ns, options, cgroups, pool);
  } finally {
    await pool?.close();
  }
  return out;
}

async function addNamespace(
  out: StatusReport,
  ns: NetnsRef,
  options: StatusOptions,
  cgroups: CgroupIndex,
  pool: OwnerWalkPool | undefined,
): Promise<void> {
  try {
    const st = await statusOf(ns, options, cgroups, pool);
    out.namespaces.push(st);
    out.findings.push(...st.findings);
  } catch (err) {
    const code = err instanceof IdlereapError ? err.code : undefined;
    out.errors.push({ netns: ns.name, code, message: err instanceof Error ? err.message : String(err) });
    out.notScanned.push(ns.name);
  }
}

const ALL = compileFilter({ states: "all" });

async function statusOf(
  ns: NetnsRef,
  options: StatusOptions,
  cgroups: CgroupIndex,
  pool: OwnerWalkPool | undefined,
): Promise<NetnsStatus> {
  const started = performance.now();
  const settings = readNetnsSettings(ns, options.procRoot);
  const tally = new NetnsTally(ns.name, {
    deadPeerMs: options.deadPeerMs ?? 30_000,
    ephemeral: settings.ephemeral,
  });
  const walking = pool?.find({
    netnsInode: ns.inode,
    ...(options.procRoot ? { procRoot: options.procRoot } : {}),
  });
  const states = new InodeStates();
  const [result] = scanNamespaces([ns], { filter: ALL }, (v) => {
    tally.add(v);
    states.add(v.inode, v.stateNumber);
  });
  const walked = await walking;
  const owners = walked ? new OwnerIndex(walked) : undefined;
  if (result?.error) throw result.error;
  const cgroupOf = cgroupResolver(cgroups);
  for (const s of [...tally.longestIdle, ...tally.deadPeers]) {
    const o = owners?.ownerOf(s.inode);
    if (o) Object.assign(s, o);
    const cg = cgroupOf(s.cgroupId);
    if (cg) Object.assign(s, { cgroup: cg.path, unit: cg.unit, container: cg.container, pod: cg.pod });
  }
  const est = tally.established.length;
  const pressure = computePressure({
    settings,
    timeWait: tally.timeWait,
    busiestRemote: tally.maxPortsToOneRemote(),
    ...(options.procRoot ? { procRoot: options.procRoot } : {}),
  });
  const st: NetnsStatus = {
    netns: ns.name,
    scanMs: 0,
    sockets: { total: tally.total, byState: Object.fromEntries(tally.byState) },
    established: {
      total: est,
      idleHistogram: Array.from(tally.idleHistogram, (count, i) => ({ le: idleBucketLabel(i), count })),
      longestIdle: tally.longestIdle,
    },
    closeWait: { total: tally.closeWait.length, byProcess: groupByProcess(tally.closeWait, owners) },
    finWait2: { total: tally.finWait2, heldByProcess: groupByProcess(tally.finWait2Held, owners) },
    deadPeers: {
      total: tally.deadPeerCount,
      sockets: tally.deadPeers,
      unknownLiveness: tally.unknownLiveness,
    },
    keepalive: keepaliveSection(tally, settings, owners),
    pressure,
    processes: processPressure(owners, tcpOwnerPids(tally, owners), options.procRoot),
    holders: owners ? holdersStatus(ns, owners, states, { procRoot: options.procRoot }) : null,
    findings: [],
  };
  st.findings = findingsFor(st);
  st.scanMs = Math.round(performance.now() - started);
  return st;
}

/** Groups an inode list by owning process; `values` are idle times. Biggest groups first. */
function groupByProcess(list: InodeList, owners: OwnerIndex | undefined): ProcessCount[] {
  const groups = new Map<number, ProcessCount>();
  for (let i = 0; i < list.length; i++) {
    const owner = owners?.pidOf(list.inodes[i] as number);
    const pid = owner ?? 0;
    let g = groups.get(pid);
    if (!g) {
      g = {
        pid: owner !== undefined ? pid : null,
        command: owner !== undefined ? (owners?.commandOf(pid) ?? null) : null,
        count: 0,
        maxIdleMs: 0,
      };
      groups.set(pid, g);
    }
    g.count++;
    g.maxIdleMs = Math.max(g.maxIdleMs, list.values[i] as number);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function keepaliveSection(tally: NetnsTally, settings: NetnsSettings, owners: OwnerIndex | undefined) {
  const est = tally.established;
  const perPid = new Map<number, { total: number; armed: number }>();
  for (let i = 0; i < est.length; i++) {
    const pid = owners?.pidOf(est.inodes[i] as number);
    if (pid === undefined) continue;
    const c = perPid.get(pid) ?? { total: 0, armed: 0 };
    c.total++;
    c.armed += est.values[i] as number;
    perPid.set(pid, c);
  }
  const without: ProcessCount[] = [];
  for (const [pid, c] of perPid) {
    if (c.armed === 0)
      without.push({
        pid,
        command: owners?.commandOf(pid) ?? null,
        count: c.total,
        maxIdleMs: 0,
      });
  }
  without.sort((a, b) => b.count - a.count);
  const k = settings.keepalive;
  return {
    established: est.length,
    armed: tally.keepaliveArmed,
    coverage: est.length ? tally.keepaliveArmed / est.length : 1,
    processesWithout: without,
    settings: k ?? null,
    worstCaseDetectionSeconds: k ? k.time + k.intvl * k.probes : null,
  };
}

/** Processes that hold an established, CLOSE_WAIT or FIN_WAIT2 socket of this namespace. */
function tcpOwnerPids(tally: NetnsTally, owners: OwnerIndex | undefined): Set<number> {
  const pids = new Set<number>();
  if (!owners) return pids;
  for (const list of [tally.established, tally.closeWait, tally.finWait2Held]) {
    for (let i = 0; i < list.length; i++) {
      const pid = owners.pidOf(list.inodes[i] as number);
      if (pid !== undefined) pids.add(pid);
    }
  }
  return pids;
}

function processPressure(
  owners: OwnerIndex | undefined,
  pids: ReadonlySet<number>,
  procRoot: string | undefined,
): NetnsStatus["processes"] {
  if (!owners) return [];
  const out: NetnsStatus["processes"] = [];
  for (const p of owners.processes()) {
    if (!pids.has(p.pid)) continue;
    const fp = processFdPressure(p.pid, procRoot ?? "/proc", p.fds);
    if (fp && Number.isFinite(fp.softLimit)) {
      out.push({
        pid: p.pid,
        command: p.command ?? null,
        fds: fp.open,
        limit: fp.softLimit,
        ratio: fp.ratio,
      });
    }
  }
  return out.sort((a, b) => b.ratio - a.ratio).slice(0, 10);
}
