// The part of a guard that the per-connection functions read and call: options in milliseconds,
// the wheel, the connection list and the bookkeeping of closes.
import type { ConnList } from "./conn-list.js";
import type { ConnState } from "./conn-state.js";
import type { ResolvedGuardOptions } from "./options.js";
import type { TimerWheel } from "./timer-wheel.js";

export interface GuardContext {
  readonly opts: ResolvedGuardOptions;
  readonly wheel: TimerWheel<ConnState>;
  readonly conns: ConnList;
  /** idleTimeout after pressure scaling; 0 when idle closing is off. */
  readonly idleMs: number;
  /** How often a connection's byte counters are compared while it waits for a deadline. */
  readonly checkEvery: number;
  /** Connections closing or retiring: they no longer count against maxConnections. */
  closing: number;
  /** Counts a close by reason, emits the guard's 'close' event and sets state.reason. */
  record(state: ConnState, reason: number, now: number): void;
  /** Drops a closed connection from the books (and reports a dead peer). */
  forget(state: ConnState): void;
  /** Forgets every connection whose socket is already destroyed. */
  sweep(): void;
  /** Counts HTTP/1 connections retiring (+1 / -1): while any is, responses get Connection: close. */
  retiringHttp(delta: number): void;
  /** Counts a connection refused at maxConnections. */
  rejectedOne(): void;
}
