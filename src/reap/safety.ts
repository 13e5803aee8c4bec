// The one safety rule, applied before any action whether the socket is a listed object (TcpSocket)
// or a kernel reply still in the receive buffer (the streaming abort): never a listener, never a
// protected or own socket, never one with deliverable data queued unless forced, never an orphan on
// a kernel where aborting it can leave it for ever.
import { release } from "node:os";
import { type DeadPeerSignals, isDeadPeer } from "../model/dead-peer.js";
import type { SkipReason } from "./outcome.js";
import type { Protection, SafetySubject } from "./protect.js";

export type { SafetySubject } from "./protect.js";

export interface SafetyOptions {
  /** Whether queued data counts (not for keepalive, nor when forced). */
  queues: boolean;
  /** A peer silent this long with data or probes waiting counts as dead (model/dead-peer.ts). */
  deadPeerMs: number;
  /** Whether SOCK_DESTROY may leave an orphan with no timer (kernels before 6.11; see orphanAbortUnsafe). */
  orphansUnsafe: boolean;
  /** Whether the action is an abort (or becomes one): only aborts care about orphans. */
  aborts: boolean;
}

/** Why the socket must be left alone, or undefined. */
export function safetyReason(
  s: SafetySubject & DeadPeerSignals,
  protection: Protection,
  o: SafetyOptions,
): SkipReason | undefined {
  if (s.state === "listen") return "listening";
  const protectedBy = protection.reasonFor(s);
  if (protectedBy) return protectedBy;
  if (o.aborts && o.orphansUnsafe && isOrphan(s)) return "orphan-old-kernel";
  // Data queued to a peer that stopped acknowledging cannot be delivered: it does not protect the socket.
  if (o.queues && hasQueuedData(s) && !isDeadPeer(s, o.deadPeerMs)) return "queued-data";
  return undefined;
}

export function hasQueuedData(s: SafetySubject): boolean {
  return unreadBytes(s) > 0 || s.sendQ > 0 || (s.notsentBytes ?? 0) > 0;
}

/** States in which the peer's FIN has arrived. */
const FIN_RECEIVED = new Set(["close-wait", "last-ack", "closing"]);

/**
 * Bytes the application has not read. The kernel's receive queue (rcv_nxt - copied_seq) counts the
 * peer's FIN as one until the application reads EOF, and data always comes before the FIN: so after
 * a FIN the queue is 0 (all read) or the unread data plus one. An application that never reads the
 * EOF of a CLOSE_WAIT socket (the commonest leak) has nothing deliverable queued.
 */
export function unreadBytes(s: Pick<SafetySubject, "state" | "recvQ">): number {
  return FIN_RECEIVED.has(s.state) ? Math.max(0, s.recvQ - 1) : s.recvQ;
}

const ORPHAN_STATES = new Set(["fin-wait-1", "fin-wait-2", "closing", "last-ack"]);

/** A socket its owner already closed: no descriptor (inode 0), still finishing its close. */
export function isOrphan(s: Pick<SafetySubject, "state" | "inode">): boolean {
  return s.inode === 0 && ORPHAN_STATES.has(s.state);
}

/**
 * Whether SOCK_DESTROY on an orphan can leave it with no timer for ever: kernels before 6.11
 * (fixed by bac76cf89816, "tcp: fix forever orphan socket caused by tcp_abort"). `kernelRelease`
 * as uname -r prints it; an unreadable one counts as unsafe.
 */
export function orphanAbortUnsafe(kernelRelease: string = release()): boolean {
  const m = /^(\d+)\.(\d+)/.exec(kernelRelease);
  if (!m) return true;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  return major < 6 || (major === 6 && minor < 11);
}
