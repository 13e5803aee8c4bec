// What one refresh of top knows about a namespace while it reads the dump: who holds each socket
// (the kept owner walk) and the names of processes and cgroups, each made once per refresh, not
// once per socket, so that grouping, ordering and the text filter allocate nothing per socket.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import type { NetnsRef } from "../../kernel/netns.js";
import { STATE } from "../../kernel/structs.js";
import type { CgroupInfo } from "../../model/tcp-socket.js";
import type { OwnerIndex } from "../../proc/owner-index.js";
import { InodeTable } from "./inode-table.js";

export type CgroupLookup = (id: string | null | undefined) => CgroupInfo | undefined;

/** The cgroup a socket is attributed to, most specific name first (pod, container, unit, path). */
export function cgroupLabel(info: CgroupInfo | undefined): string {
  if (!info) return "?";
  if (info.pod) return `pod:${info.pod}`;
  if (info.container) return `container:${info.container.slice(0, 12)}`;
  return info.unit ?? info.path ?? "?";
}

/** A process as top names it: command/pid. */
export const processLabel = (command: string | null, pid: number): string => `${command ?? "?"}/${pid}`;

/** The socket's cgroup id as a number (-1: none); ids are far below 2^53. */
export function cgroupIdOf(view: DiagMessageView): number {
  const at = view.cgroupOff;
  return at < 0 ? -1 : view.dv.getUint32(at, true) + view.dv.getUint32(at + 4, true) * 4294967296;
}

/** Idle time as top shows it: none for a listener (its timestamps are all zero) or without tcp_info. */
export function idleOf(view: DiagMessageView): number | undefined {
  return view.stateNumber === STATE.LISTEN ? undefined : view.idleMs;
}

export class NetnsContext {
  private readonly processNames = new Map<number, string>();
  private readonly cgroups = new Map<number, CgroupInfo | undefined>();

  constructor(
    readonly netns: NetnsRef,
    /** The kept walk of this namespace, or none (owners off, or not walked yet). */
    readonly owners: OwnerIndex | undefined,
    private readonly cgroupInfo: CgroupLookup,
    /** Order of processes by name for the process sort: pid → rank (1 first; 0, no owner, before all). */
    private readonly processRanks: ReadonlyMap<number, number>,
    /** The same walk as inode → pid (pidTable), for lookups of every socket. */
    private readonly pids: InodeTable | undefined = owners && pidTable(owners),
  ) {}

  private lastInode = -1;
  private lastPid: number | undefined;

  /** The holder's pid; the last answer is kept, as the same socket is often asked twice in a row. */
  pidOf(inode: number): number | undefined {
    if (inode === 0) return undefined;
    if (inode !== this.lastInode) {
      this.lastInode = inode;
      this.lastPid = this.pids?.get(inode);
    }
    return this.lastPid;
  }

  /** command/pid of the socket's holder, or "" when none is known. */
  processOf(view: DiagMessageView): string {
    const pid = this.pidOf(view.inode);
    return pid === undefined ? "" : this.processName(pid);
  }

  processName(pid: number): string {
    let name = this.processNames.get(pid);
    if (name === undefined) {
      name = processLabel(this.owners?.commandOf(pid) ?? null, pid);
      this.processNames.set(pid, name);
    }
    return name;
  }

  processRank(view: DiagMessageView): number {
    const pid = this.pidOf(view.inode);
    return pid === undefined ? 0 : (this.processRanks.get(pid) ?? 0);
  }

  cgroupOf(view: DiagMessageView): CgroupInfo | undefined {
    const id = cgroupIdOf(view);
    if (id < 0) return undefined;
    if (this.cgroups.has(id)) return this.cgroups.get(id);
    const info = this.cgroupInfo(String(id));
    this.cgroups.set(id, info);
    return info;
  }
}

const tables = new WeakMap<OwnerIndex, InodeTable>();

/** The walk's inode → pid table, made once per walk. */
export function pidTable(index: OwnerIndex): InodeTable {
  let table = tables.get(index);
  if (table === undefined) {
    const pairs = function* (): Generator<[number, number]> {
      for (const [inode, o] of index.map.owners) yield [inode, o.pid];
    };
    table = new InodeTable(pairs(), index.size);
    tables.set(index, table);
  }
  return table;
}

/** Ranks of every walked process by `command/pid` (locale order), for the process sort. */
export function rankProcesses(indexes: Iterable<OwnerIndex>): Map<number, number> {
  const names: [string, number][] = [];
  for (const index of indexes)
    for (const p of index.processes()) names.push([processLabel(index.commandOf(p.pid), p.pid), p.pid]);
  names.sort((a, b) => a[0].localeCompare(b[0]));
  return new Map(names.map(([, pid], i) => [pid, i + 1]));
}
