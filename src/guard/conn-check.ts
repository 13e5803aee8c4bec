// The one function the wheel runs for a due connection: notice activity from the byte counters,
// then apply half-close, max age, heartbeat and idle deadlines, and book the next check.
import { closeConnection, isBusy, retireConnection } from "./conn-close.js";
import {
  type ConnState,
  F_AWAITING_PONG,
  F_CLOSING,
  F_RETIRING,
  KIND_MASK,
  KIND_WEBSOCKET,
  R_HALF_CLOSE,
  R_IDLE,
  R_MAX_AGE,
} from "./conn-state.js";
import type { GuardContext } from "./guard-context.js";
import { heartbeatStep } from "./websocket-heartbeat.js";

export function checkConnection(g: GuardContext, s: ConnState, now: number): void {
  const sock = s.socket;
  // Closed sockets are noticed here rather than by a 'close' listener on every socket, which would
  // cost more heap per connection than all of this state.
  if (sock.destroyed) {
    g.forget(s);
    return;
  }
  if (s.flags & F_CLOSING) {
    // The linger is over and the peer has not closed.
    sock.destroy();
    g.forget(s);
    return;
  }
  const busy = noteActivity(g, s, now);
  if (s.flags & F_RETIRING) {
    if (busy) g.wheel.schedule(s, now + g.checkEvery);
    else closeConnection(g, s, s.reason, now);
    return;
  }
  if (halfCloseExpired(g, s, now)) closeConnection(g, s, R_HALF_CLOSE, now);
  else if (s.retireAt > 0 && now >= s.retireAt) retireConnection(g, s, R_MAX_AGE, now);
  else if ((s.flags & KIND_MASK) === KIND_WEBSOCKET && heartbeatStep(g, s, now)) return;
  else if (g.idleMs > 0 && !busy && now - s.activeAt >= g.idleMs) closeConnection(g, s, R_IDLE, now);
  else scheduleNext(g, s, now, busy);
}

/** Compares the byte counters with the last check; returns whether a request is in flight. */
export function noteActivity(g: GuardContext, s: ConnState, now: number): boolean {
  const read = s.socket.bytesRead;
  const written = s.socket.bytesWritten;
  const busy = isBusy(s);
  if (busy || read !== s.lastRead || written !== s.lastWritten) {
    s.lastRead = read;
    s.lastWritten = written;
    s.activeAt = now;
    g.conns.touch(s);
  }
  return busy;
}

function halfCloseExpired(g: GuardContext, s: ConnState, now: number): boolean {
  const limit = g.opts.halfCloseTimeout;
  if (limit === 0 || !s.socket.readableEnded || s.socket.writableEnded) return false;
  if (s.halfAt === 0) s.halfAt = now;
  return now - s.halfAt >= limit;
}

/** Books the connection's next check at its earliest deadline, and at least every checkEvery. */
export function scheduleNext(g: GuardContext, s: ConnState, now: number, busy: boolean): void {
  const o = g.opts;
  let due = now + g.checkEvery;
  if (g.idleMs > 0 && !busy) due = Math.min(due, s.activeAt + g.idleMs);
  if (s.halfAt > 0) due = Math.min(due, s.halfAt + o.halfCloseTimeout);
  if (s.retireAt > 0) due = Math.min(due, s.retireAt);
  if ((s.flags & KIND_MASK) === KIND_WEBSOCKET && o.heartbeat !== null && s.app !== null) {
    const hb = o.heartbeat;
    due = Math.min(due, s.flags & F_AWAITING_PONG ? s.pingAt + hb.timeout : s.pingAt + hb.interval);
  }
  g.wheel.schedule(s, Math.max(due, now + 1));
}
