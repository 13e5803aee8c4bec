// What `kill` says about connections held by more than one descriptor (a kept dup(), a child's
// inherited copy): a graceful close is a shutdown(), which acts on the socket, so the peer gets its
// FIN whichever descriptor it went through; every holder keeps its descriptor until it closes it.
import type { NetnsRef } from "../kernel/netns.js";
import { type Holder, OwnerIndex } from "../proc/owner-index.js";
import type { Outcome } from "../reap/outcome.js";
import { formatEndpoint } from "./output/endpoint.js";

export interface SharedHolders {
  netns: string;
  inode: number;
  local: string;
  peer: string;
  holders: Holder[];
}

/**
 * The outcomes' sockets held by more than one descriptor, with every holder as it is now (one walk
 * of all processes per namespace: the scan's walk sees only the --pid processes when one is given).
 */
export function sharedHolders(
  outcomes: readonly Outcome[],
  namespaces: readonly NetnsRef[],
): SharedHolders[] {
  const out: SharedHolders[] = [];
  for (const ns of namespaces) {
    const mine = outcomes.filter((o) => o.socket.netns === ns.name && o.socket.inode !== 0);
    if (mine.length === 0) continue;
    const wanted = new Set(mine.map((o) => o.socket.inode));
    const index = OwnerIndex.walk({ netnsInode: ns.inode, wanted, everyHolder: true });
    for (const { socket: s } of mine) {
      const holders = index.holdersOf(s.inode);
      if (holders.length < 2 && s.holders < 2) continue;
      out.push({
        netns: ns.name,
        inode: s.inode,
        local: formatEndpoint(s.localAddress, s.localPort, s.family),
        peer: formatEndpoint(s.remoteAddress, s.remotePort, s.family),
        holders, // empty when every descriptor was closed since the scan
      });
    }
  }
  return out;
}

const SHOWN = 10;

export function sharedNote(shared: readonly SharedHolders[], dryRun: boolean): string {
  const lines = [
    `${shared.length} connection(s) ${dryRun ? "are" : "were"} held by more than one descriptor. A graceful close shuts the socket down, so it ${dryRun ? "closes" : "closed"} the connection for every holder (an abort does too); each holder keeps its descriptor until it closes it:`,
  ];
  for (const s of shared.slice(0, SHOWN)) {
    const holders = s.holders.map((h) => `${h.command ?? "?"}/${h.pid} fd ${h.fd}`).join(", ") || "none left";
    lines.push(`  ${s.local} → ${s.peer}: ${holders}`);
  }
  if (shared.length > SHOWN) lines.push(`  ... and ${shared.length - SHOWN} more (--json lists them all)`);
  return `${lines.join("\n")}\n`;
}
