// WebSocket heartbeat: a ping every `interval`, and a peer whose pong is `timeout` late is
// terminated. Heartbeat frames are taken out of the byte counts, so they never count as activity.
import type { Socket } from "node:net";
import type { WebSocket } from "ws";
import { closeConnection } from "./conn-close.js";
import {
  type ConnState,
  F_AWAITING_PONG,
  KIND_MASK,
  KIND_WEBSOCKET,
  kState,
  R_HEARTBEAT,
} from "./conn-state.js";
import type { GuardContext } from "./guard-context.js";

/** A ping we send: 2 header bytes, no payload. The peer's pong: 2 bytes + 4 bytes of mask. */
const PING_BYTES = 2;
const PONG_BYTES = 6;

/** Attaches a WebSocket to the state of the socket it was upgraded from. */
export function adoptWebSocket(s: ConnState, ws: WebSocket, now: number): void {
  s.flags = (s.flags & ~KIND_MASK) | KIND_WEBSOCKET;
  s.app = ws;
  (ws as unknown as { [kState]: ConnState })[kState] = s;
  ws.on("pong", wsOnPong);
  s.pingAt = now;
  s.activeAt = now;
  s.lastRead = s.socket.bytesRead;
  s.lastWritten = s.socket.bytesWritten;
}

function wsOnPong(this: WebSocket): void {
  const s = (this as unknown as { [kState]?: ConnState })[kState];
  if (s === undefined || (s.flags & F_AWAITING_PONG) === 0) return;
  s.flags &= ~F_AWAITING_PONG;
  if (s.socket.bytesRead - s.lastRead >= PONG_BYTES) s.lastRead += PONG_BYTES;
}

/** Runs after noteActivity synced the counters; returns true when the peer was terminated. */
export function heartbeatStep(g: GuardContext, s: ConnState, now: number): boolean {
  const hb = g.opts.heartbeat;
  const ws = s.app as WebSocket | null;
  if (hb === null || ws === null) return false;
  if (s.flags & F_AWAITING_PONG) {
    if (now - s.pingAt < hb.timeout) return false;
    closeConnection(g, s, R_HEARTBEAT, now);
    return true;
  }
  if (now - s.pingAt >= hb.interval && ws.readyState === 1) ping(s, ws, now);
  return false;
}

function ping(s: ConnState, ws: WebSocket, now: number): void {
  const sock: Socket = s.socket;
  const before = sock.bytesWritten;
  s.flags |= F_AWAITING_PONG;
  s.pingAt = now;
  ws.ping();
  if (sock.bytesWritten - before === PING_BYTES) s.lastWritten += PING_BYTES;
}
