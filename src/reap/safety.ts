// The one safety rule, applied before any action whether the socket is a listed object (TcpSocket)
// or a kernel reply still in the receive buffer (the streaming abort): never a listener, never a
// protected or own socket, never one with data queued unless forced.
import type { SkipReason } from "./outcome.js";
import type { Protection, SafetySubject } from "./protect.js";

export type { SafetySubject } from "./protect.js";

/** Why the socket must be left alone, or undefined; `queues`: whether queued data counts. */
export function safetyReason(
  s: SafetySubject,
  protection: Protection,
  queues: boolean,
): SkipReason | undefined {
  if (s.state === "listen") return "listening";
  const protectedBy = protection.reasonFor(s);
  if (protectedBy) return protectedBy;
  if (queues && hasQueuedData(s)) return "queued-data";
  return undefined;
}

export function hasQueuedData(s: SafetySubject): boolean {
  return s.recvQ > 0 || s.sendQ > 0 || (s.notsentBytes ?? 0) > 0;
}
