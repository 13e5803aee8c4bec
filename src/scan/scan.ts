// One scan: for each network namespace, dump its TCP sockets (IPv4 and IPv6) with the kernel-side
// part of the filter, apply the rest in JS, and hand each match to the visitor with its owner.
// A namespace that fails (deleted mid-scan, no permission) is reported, not fatal.
import { ERRNO, type IdlereapError, KernelError } from "../errors.js";
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import type { NetnsRef } from "../kernel/netns.js";
import { DiagSocket, type DumpOptions } from "../kernel/sock-diag.js";
import type { Owner } from "../model/tcp-socket.js";
import type { SocketFilter } from "../select/socket-filter.js";

export type OwnerLookup = (inode: number) => Owner | undefined;

export interface ScanOptions {
  filter: SocketFilter;
  /** Ask the kernel for tcp_info (idle times, rtt, unacked); default true. */
  info?: boolean;
  /** Builds the inode → owner lookup for one namespace; called only when given. */
  owners?: ((ns: NetnsRef) => OwnerLookup) | undefined;
  /**
   * Takes whole receive buffers of replies when the kernel applies the filter whole and no owner
   * lookup is asked; `visit` then sees only what it leaves.
   */
  replies?: ReplyWriter | undefined;
  /**
   * Dumps IPv4 and IPv6 in one walk of the kernel's socket tables (the older TCPDIAG_GETSOCK request)
   * instead of one per family: the walk visits every socket of every namespace, so the second one
   * costs about a quarter of the first even when it finds nothing. Not when `replies` takes whole
   * receive buffers (it parses one family's replies); a kernel that refuses the request gets one
   * dump per family. Default true.
   */
  oneWalk?: boolean | undefined;
}

/** Handles a dump's replies a receive buffer at a time (SocketJsonWriter). */
export interface ReplyWriter {
  /** The buffer the dump receives into. */
  readonly buffer: Buffer<ArrayBuffer>;
  /** Sockets handled so far. */
  readonly written: number;
  /** Handles the replies of dump `seq` among the first `n` bytes; returns where it stopped. */
  writeReplies(n: number, seq: number): number;
}

export interface NetnsScanResult {
  netns: NetnsRef;
  /** Sockets that matched the filter. */
  matched: number;
  durationMs: number;
  error?: IdlereapError | Error;
}

export type ScanVisitor = (view: DiagMessageView, netns: NetnsRef, owner: Owner | undefined) => void;

let bytecodeRefused = false;
let oneWalkRefused = false;

export function scanNamespaces(
  namespaces: readonly NetnsRef[],
  options: ScanOptions,
  visit: ScanVisitor,
): NetnsScanResult[] {
  return namespaces.map((ns) => scanOne(ns, options, visit));
}

function scanOne(ns: NetnsRef, options: ScanOptions, visit: ScanVisitor): NetnsScanResult {
  const started = performance.now();
  const result: NetnsScanResult = { netns: ns, matched: 0, durationMs: 0 };
  const { filter } = options;
  let sock: DiagSocket | undefined;
  try {
    const owners = options.owners?.(ns);
    const needOwner = owners !== undefined;
    sock = DiagSocket.open(ns);
    // A filter the kernel applies whole, or one without owner conditions, costs nothing per socket.
    const byView = !filter.kernelExact;
    const byOwner = filter.needsOwners;
    let seen = 0;
    const onView = (view: DiagMessageView): void => {
      seen++;
      if (byView && !filter.matchView(view)) return;
      const owner = needOwner ? owners(view.inode) : undefined;
      if (byOwner && !filter.matchOwner(owner)) return;
      result.matched++;
      visit(view, ns, owner);
    };
    const { replies } = options;
    const batch = replies && !byView && !byOwner && !needOwner ? replies : undefined;
    const before = batch?.written ?? 0;
    const dump: DumpOptions = {
      buffer: replies?.buffer,
      batch: batch && ((n, seq) => batch.writeReplies(n, seq)),
    };
    try {
      if (
        !(
          options.oneWalk !== false &&
          !batch &&
          !oneWalkRefused &&
          dumpBoth(sock, options, onView, () => seen, dump)
        )
      )
        for (const family of [4, 6] as const) dumpFamily(sock, family, options, onView, dump);
    } finally {
      if (batch) result.matched += batch.written - before;
    }
  } catch (err) {
    result.error = err instanceof Error ? err : new Error(String(err));
  } finally {
    sock?.close();
  }
  result.durationMs = performance.now() - started;
  return result;
}

/** Both families in one dump; false when the kernel refused the request before any reply. */
function dumpBoth(
  sock: DiagSocket,
  options: ScanOptions,
  onView: (v: DiagMessageView) => void,
  seen: () => number,
  dump: DumpOptions,
): boolean {
  try {
    dumpFamily(sock, 0, options, onView, dump);
    return true;
  } catch (err) {
    if (!(err instanceof KernelError) || seen() > 0) throw err;
    oneWalkRefused = true;
    return false;
  }
}

function dumpFamily(
  sock: DiagSocket,
  family: 4 | 6 | 0,
  options: ScanOptions,
  onView: (v: DiagMessageView) => void,
  dump: DumpOptions,
): void {
  const { filter } = options;
  const info = options.info ?? true;
  const useBytecode = filter.bytecode.length > 0 && !bytecodeRefused;
  try {
    sock.dump(
      { family, states: filter.statesMask, info, bytecode: useBytecode ? filter.bytecode : undefined },
      onView,
      dump,
    );
  } catch (err) {
    // A kernel that rejects the bytecode (EINVAL) gets the unfiltered dump; the JS filter is exact.
    if (!(useBytecode && err instanceof KernelError && err.errno === ERRNO.EINVAL)) throw err;
    bytecodeRefused = true;
    sock.dump({ family, states: filter.statesMask, info }, onView, dump);
  }
}
