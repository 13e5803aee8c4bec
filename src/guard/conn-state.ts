// What guard keeps per connection: one small object of unboxed numbers and links, reached from the
// socket through a symbol. Idle tracking compares the socket's byte counters on wheel checks, so
// nothing runs per byte or per chunk.
import type { Socket } from "node:net";
import type { WheelEntry } from "./timer-wheel.js";

export const kState: unique symbol = Symbol("idlereap.guard.state");

/** How the connection's traffic is understood. */
export const KIND_NET = 0;
export const KIND_HTTP = 1;
export const KIND_HTTP2 = 2;
export const KIND_WEBSOCKET = 3;
export const KIND_MASK = 3;

/** A close was started and the socket is given `linger` to finish before it is destroyed. */
export const F_CLOSING = 1 << 2;
/** The connection must end once its in-flight work is done (max age, drain). */
export const F_RETIRING = 1 << 3;
/** A WebSocket ping is out and its pong has not come back. */
export const F_AWAITING_PONG = 1 << 4;

export const REASONS = [
  "idle",
  "max-age",
  "half-close",
  "dead-peer",
  "heartbeat",
  "evicted",
  "drain",
] as const;
export type CloseReason = (typeof REASONS)[number];

export const R_NONE = -1;
export const R_IDLE = 0;
export const R_MAX_AGE = 1;
export const R_HALF_CLOSE = 2;
export const R_DEAD_PEER = 3;
export const R_HEARTBEAT = 4;
export const R_EVICTED = 5;
export const R_DRAIN = 6;

const REASON_SHIFT = 8;
const REASON_MASK = 0xf << REASON_SHIFT;

/**
 * Fifteen fields and nothing else: this object exists once per connection, so the reason lives in
 * `flags` and the WebSocket ping time shares a field with the HTTP/2 stream count.
 */
export class ConnState implements WheelEntry {
  wheelNext: WheelEntry | null = null;
  wheelPrev: WheelEntry | null = null;
  due = 0;
  listNext: ConnState | null = null;
  listPrev: ConnState | null = null;
  readonly socket: Socket;
  /** The ws WebSocket or the Http2Session riding on this socket. */
  app: object | null = null;
  flags: number;
  bornAt: number;
  activeAt: number;
  lastRead: number;
  lastWritten: number;
  /** When this connection reaches its (jittered) max age; 0 for never. */
  retireAt = 0;
  /** When the peer's FIN was first seen; 0 for never. */
  halfAt = 0;
  /** WebSocket: when the last ping was sent. HTTP/2: streams open. */
  aux = 0;

  constructor(socket: Socket, kind: number, now: number) {
    this.socket = socket;
    this.flags = kind;
    this.bornAt = now;
    this.activeAt = now;
    this.lastRead = socket.bytesRead;
    this.lastWritten = socket.bytesWritten;
  }

  /** Why guard closed this connection (an R_* value), or R_NONE. */
  get reason(): number {
    return ((this.flags & REASON_MASK) >> REASON_SHIFT) - 1;
  }

  set reason(r: number) {
    this.flags = (this.flags & ~REASON_MASK) | ((r + 1) << REASON_SHIFT);
  }

  get pingAt(): number {
    return this.aux;
  }

  set pingAt(t: number) {
    this.aux = t;
  }

  get streams(): number {
    return this.aux;
  }

  set streams(n: number) {
    this.aux = n;
  }
}

export function stateOf(target: object | null | undefined): ConnState | undefined {
  return (target as { [kState]?: ConnState } | null | undefined)?.[kState];
}
