// Collects the matching sockets of some namespaces as objects, with owners and cgroups attached.
// Owners come from one /proc walk per namespace, after the dump, limited to the sockets found
// (the walk stops once all are attributed); a filter on pid or command walks first instead.
import type { NetnsRef } from "../kernel/netns.js";
import { type CgroupInfo, keepScanId, socketFromView, type TcpSocket } from "../model/tcp-socket.js";
import { CgroupIndex, describeCgroup } from "../proc/cgroups.js";
import { OwnerIndex } from "../proc/owner-index.js";
import type { SocketFilter } from "../select/socket-filter.js";
import { type NetnsScanResult, type OwnerLookup, scanNamespaces } from "./scan.js";

export interface CollectOptions {
  filter: SocketFilter;
  /** Attribute sockets to processes (pid, fd, command); default true. */
  owners?: boolean;
  /** Resolve cgroup ids to paths; default true. */
  cgroups?: boolean;
  /** Keep each socket's id bytes for acting on it (see keepScanId); default false. */
  ids?: boolean;
  /** Only these pids are walked when the filter names pids. */
  pids?: readonly number[] | undefined;
  procRoot?: string;
  cgroupIndex?: CgroupIndex;
}

export interface Collection {
  sockets: TcpSocket[];
  namespaces: NetnsScanResult[];
}

export function collectSockets(namespaces: readonly NetnsRef[], options: CollectOptions): Collection {
  const sockets: TcpSocket[] = [];
  const wantOwners = options.owners ?? true;
  const cgroups = options.cgroups === false ? undefined : (options.cgroupIndex ?? new CgroupIndex());
  cgroups?.beginScan();
  const cgroupInfo = cgroups ? cgroupResolver(cgroups) : () => undefined;
  const results: NetnsScanResult[] = [];
  for (const ns of namespaces) {
    const start = sockets.length;
    const ownerFirst = options.filter.needsOwners;
    const scanOwners = ownerFirst ? () => lookupIn(walkOwners(ns, options, undefined)) : undefined;
    const [result] = scanNamespaces(
      [ns],
      { filter: options.filter, owners: scanOwners },
      (view, n, owner) => {
        const s = socketFromView(view, n.name, owner, cgroupInfo(view.cgroupIdText));
        sockets.push(options.ids ? keepScanId(s, view) : s);
      },
    );
    results.push(result as NetnsScanResult);
    if (wantOwners && !ownerFirst && sockets.length > start) attachOwners(ns, sockets, start, options);
  }
  return { sockets, namespaces: results };
}

function walkOwners(
  ns: NetnsRef,
  options: CollectOptions,
  wanted: ReadonlySet<number> | undefined,
): OwnerIndex {
  // Every holder, so that `holders` is exact: the walk does not stop at the last socket's first one.
  return OwnerIndex.walk({
    netnsInode: ns.inode,
    everyHolder: true,
    ...(options.procRoot ? { procRoot: options.procRoot } : {}),
    ...(wanted ? { wanted } : {}),
    ...(options.pids?.length ? { pids: options.pids } : {}),
  });
}

const lookupIn =
  (index: OwnerIndex): OwnerLookup =>
  (inode) =>
    index.ownerOf(inode);

function attachOwners(ns: NetnsRef, sockets: TcpSocket[], start: number, options: CollectOptions): void {
  const wanted = new Set<number>();
  for (let i = start; i < sockets.length; i++) {
    const inode = (sockets[i] as TcpSocket).inode;
    if (inode !== 0) wanted.add(inode);
  }
  if (wanted.size === 0) return;
  const index = walkOwners(ns, options, wanted);
  for (let i = start; i < sockets.length; i++) {
    const s = sockets[i] as TcpSocket;
    const owner = s.inode === 0 ? undefined : index.ownerOf(s.inode);
    if (owner) {
      s.pid = owner.pid;
      s.fd = owner.fd;
      s.holders = owner.holders ?? 1;
      s.command = owner.command;
    }
  }
}

/** Resolves cgroup ids to path, unit, container and pod, once per id. */
export function cgroupResolver(
  index: CgroupIndex,
): (id: string | null | undefined) => CgroupInfo | undefined {
  const cache = new Map<string, CgroupInfo | undefined>();
  return (id) => {
    if (id === undefined || id === null) return undefined;
    if (cache.has(id)) return cache.get(id);
    const path = index.pathOf(BigInt(id));
    let info: CgroupInfo | undefined;
    if (path !== undefined) {
      const d = describeCgroup(path);
      info = { path, unit: d.unit ?? null, container: d.container ?? null, pod: d.pod ?? null };
    }
    cache.set(id, info);
    return info;
  };
}
