// maxConnections: a new connection past the limit either evicts the connection idle the longest
// (never one with a request in flight) or is refused.
import type { Socket } from "node:net";
import { closeConnection, isBusy } from "./conn-close.js";
import { type ConnState, F_CLOSING, F_RETIRING, R_EVICTED } from "./conn-state.js";
import type { GuardContext } from "./guard-context.js";

/** How far from the least recently active end eviction looks before it gives up. */
const EVICTION_SCAN = 64;

/** Returns true when the new connection may be tracked; otherwise it has been destroyed. */
export function admit(g: GuardContext, socket: Socket, now: number): boolean {
  const max = g.opts.maxConnections;
  if (max === 0 || g.conns.size - g.closing < max) return true;
  const victim = findIdlest(g, now);
  // The walk forgets connections already closed: that may have made room.
  if (g.conns.size - g.closing < max) return true;
  if (g.opts.onSaturation === "evict-idlest") {
    if (victim !== null) {
      closeConnection(g, victim, R_EVICTED, now);
      return true;
    }
  }
  socket.destroy();
  g.rejectedOne();
  return false;
}

/**
 * The list is ordered by activity seen at the last check; a candidate whose counters moved since
 * then is active after all and moves to the other end. Closed connections met on the way are forgotten.
 */
export function findIdlest(g: GuardContext, now: number): ConnState | null {
  let s = g.conns.head;
  for (let i = 0; s !== null && i < EVICTION_SCAN; i++) {
    const next = s.listNext;
    if (s.socket.destroyed) g.forget(s);
    else if ((s.flags & (F_CLOSING | F_RETIRING)) === 0 && !isBusy(s)) {
      if (s.socket.bytesRead === s.lastRead && s.socket.bytesWritten === s.lastWritten) return s;
      s.lastRead = s.socket.bytesRead;
      s.lastWritten = s.socket.bytesWritten;
      s.activeAt = now;
      g.conns.touch(s);
    }
    s = next;
  }
  return null;
}
