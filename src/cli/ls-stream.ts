// The fast path of `idlereap ls --json` (no sort, no limit, no owner filter): each namespace's owner
// walk first, then its dump, with the JSON written from the kernel's replies by SocketJsonWriter
// as they arrive. Only the owners' (inode, pid, fd) array grows with the table.

import type { NetnsRef } from "../kernel/netns.js";
import { CgroupIndex } from "../proc/cgroups.js";
import { walkOwnerTriples } from "../proc/owner-index.js";
import { cgroupResolver } from "../scan/collect.js";
import { type NetnsScanResult, scanNamespaces } from "../scan/scan.js";
import type { SocketFilter } from "../select/socket-filter.js";
import { io } from "./io.js";
import { SocketJsonWriter } from "./output/socket-json-writer.js";

export function streamJson(
  namespaces: readonly NetnsRef[],
  filter: SocketFilter,
  owners: boolean,
  stream: NodeJS.WritableStream = io.stdout,
): NetnsScanResult[] {
  // The writer's text is valid only during the call: the stream gets a copy.
  const writer = new SocketJsonWriter(
    (bytes) => stream.write(Buffer.from(bytes)),
    cgroupResolver(new CgroupIndex()),
  );
  const results: NetnsScanResult[] = [];
  for (const ns of namespaces) {
    writer.netns(ns.name);
    if (owners) ownersOf(ns, writer);
    else writer.owners(undefined);
    const [result] = scanNamespaces([ns], { filter, replies: writer }, (v) => writer.writeView(v));
    results.push(result as NetnsScanResult);
  }
  writer.end();
  return results;
}

/**
 * Walks the owners of the namespace's sockets into the writer's table, on this thread: walker
 * threads cost more than they saved (each takes ~150 ms of CPU to start on a small VM).
 */
function ownersOf(ns: NetnsRef, writer: SocketJsonWriter): void {
  const t = walkOwnerTriples(ns.inode);
  writer.owners(t.sockets.subarray(0, t.length), t.commands);
}
