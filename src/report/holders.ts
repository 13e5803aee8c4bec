// Who else holds a socket, for the status report: connections held by more than one descriptor (a
// kept dup(), an inherited descriptor) and descriptors of TCP connections already closed (a leak the
// kernel's table no longer shows). Listening sockets shared by several processes are by design
// (pre-fork servers, SO_REUSEPORT groups, systemd socket activation): only connections are flagged.
import type { NetnsRef } from "../kernel/netns.js";
import { STATE } from "../kernel/structs.js";
import { socketFromView, type TcpSocket } from "../model/tcp-socket.js";
import { HeldSocketProbe } from "../proc/held-socket-probe.js";
import type { Holder, OwnerIndex } from "../proc/owner-index.js";
import { nonTcpSocketInodes } from "../proc/socket-inodes.js";
import { scanNamespaces } from "../scan/scan.js";
import { compileFilter } from "../select/socket-filter.js";
import type { ClosedHeldProcess, HoldersStatus, SharedSocket } from "./status-report.js";

const SHARED_SHOWN = 50;
/** Descriptors checked through pidfd_getfd per namespace: each costs a few system calls. */
export const PROBE_BOUND = 512;
const FDS_SHOWN = 20;

/** The dump's sockets as sorted inode·16 + state keys: membership and state without an object each. */
export class InodeStates {
  #keys = new Float64Array(1024);
  #length = 0;
  #sorted = true;

  add(inode: number, state: number): void {
    if (inode === 0) return;
    if (this.#length === this.#keys.length) {
      const grown = new Float64Array(this.#length * 2);
      grown.set(this.#keys);
      this.#keys = grown;
    }
    this.#keys[this.#length++] = inode * 16 + state;
    this.#sorted = false;
  }

  /** The kernel state of `inode` in the dump, or undefined when the dump did not list it. */
  stateOf(inode: number): number | undefined {
    if (!this.#sorted) {
      this.#keys = this.#keys.slice(0, this.#length).sort();
      this.#sorted = true;
    }
    let lo = 0;
    let hi = this.#length;
    const want = inode * 16;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#keys[mid] as number) < want) lo = mid + 1;
      else hi = mid;
    }
    const key = this.#keys[lo];
    return key !== undefined && Math.floor(key / 16) === inode ? key % 16 : undefined;
  }
}

export interface HoldersOptions {
  procRoot?: string | undefined;
  /** Leave out this process (idlereap's own sockets); default the current one. */
  selfPid?: number;
}

export function holdersStatus(
  ns: NetnsRef,
  owners: OwnerIndex,
  states: InodeStates,
  options: HoldersOptions = {},
): HoldersStatus {
  return {
    shared: sharedSection(ns, owners, states),
    closedHeld: closedHeldSection(owners, states, options),
  };
}

function sharedSection(ns: NetnsRef, owners: OwnerIndex, states: InodeStates): HoldersStatus["shared"] {
  const flagged = new Map<number, Holder[]>();
  let sharedListeners = 0;
  for (const [inode] of owners.shared()) {
    const state = states.stateOf(inode);
    if (state === undefined) continue; // not a listed TCP socket: unix, UDP, or closed (see closedHeld)
    if (state === STATE.LISTEN) sharedListeners++;
    else flagged.set(inode, owners.holdersOf(inode));
  }
  const sockets: SharedSocket[] = [];
  let sameProcess = 0;
  for (const s of detailsOf(ns, flagged)) {
    const holders = flagged.get(s.inode) as Holder[];
    const kind = new Set(holders.map((h) => h.pid)).size === 1 ? "same-process" : "cross-process";
    if (kind === "same-process") sameProcess++;
    sockets.push({
      kind,
      state: s.state,
      local: endpoint(s.localAddress, s.localPort, s.family),
      peer: endpoint(s.remoteAddress, s.remotePort, s.family),
      idleMs: s.idleMs,
      inode: s.inode,
      holders,
    });
  }
  sockets.sort((a, b) => (b.idleMs ?? 0) - (a.idleMs ?? 0));
  return {
    total: sockets.length,
    sameProcess,
    crossProcess: sockets.length - sameProcess,
    sharedListeners,
    sockets: sockets.slice(0, SHARED_SHOWN),
  };
}

const CONNECTIONS = compileFilter({ states: "all" });

/** The flagged sockets as objects, from a second dump (only when there are any: they are rare). */
function detailsOf(ns: NetnsRef, flagged: ReadonlyMap<number, Holder[]>): TcpSocket[] {
  if (flagged.size === 0) return [];
  const out: TcpSocket[] = [];
  const [result] = scanNamespaces([ns], { filter: CONNECTIONS }, (v) => {
    if (v.stateNumber !== STATE.LISTEN && flagged.has(v.inode))
      out.push(socketFromView(v, ns.name, undefined, undefined));
  });
  if (result?.error) throw result.error;
  return out;
}

function closedHeldSection(
  owners: OwnerIndex,
  states: InodeStates,
  options: HoldersOptions,
): HoldersStatus["closedHeld"] {
  const self = options.selfPid ?? process.pid;
  const candidates: number[] = [];
  for (const inode of owners.inodes()) {
    if (states.stateOf(inode) === undefined && owners.pidOf(inode) !== self) candidates.push(inode);
  }
  const byPid = new Map<number, ClosedHeldProcess>();
  let total = 0;
  let unconfirmed = 0;
  if (candidates.length > 0) {
    // /proc/PID/net shows the tables of PID's namespace: any walked process of this one will do.
    const others = nonTcpSocketInodes(owners.pidOf(candidates[0] as number) as number, options.procRoot);
    const probe = new HeldSocketProbe();
    let probed = 0;
    try {
      for (const inode of candidates) {
        if (others.has(inode)) continue;
        const owner = owners.ownerOf(inode);
        if (owner === undefined) continue;
        const kind = probed++ < PROBE_BOUND ? probe.probe(owner.pid, owner.fd) : "unknown";
        if (kind === "unknown") unconfirmed++;
        if (kind !== "tcp-closed") continue;
        for (const h of owners.holdersOf(inode)) {
          total++;
          addHeld(byPid, h);
        }
      }
    } finally {
      probe.close();
    }
  }
  const byProcess = [...byPid.values()].sort((a, b) => b.count - a.count);
  for (const p of byProcess) p.fds.sort((a, b) => a - b).splice(FDS_SHOWN);
  return { total, unconfirmed, byProcess };
}

function addHeld(byPid: Map<number, ClosedHeldProcess>, h: Holder): void {
  let p = byPid.get(h.pid);
  if (p === undefined) {
    p = { pid: h.pid, command: h.command, count: 0, fds: [] };
    byPid.set(h.pid, p);
  }
  p.count++;
  p.fds.push(h.fd);
}

const endpoint = (address: string, port: number, family: 4 | 6): string =>
  family === 6 ? `[${address}]:${port}` : `${address}:${port}`;
