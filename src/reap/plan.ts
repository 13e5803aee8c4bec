// Decides what to do with a list of scanned sockets: the safety rules come first (protection, queued
// data), then the idlest go first and the per-scan limit cuts the rest.
import type { TcpSocket } from "../model/tcp-socket.js";
import type { KeepaliveSettings } from "./closer.js";
import type { ActionKind, Outcome } from "./outcome.js";
import type { Protection } from "./protect.js";

export interface Candidate {
  socket: TcpSocket;
  action: ActionKind;
  rule?: string;
  /** Close even with data queued in the socket. */
  force: boolean;
  /** Graceful closes: abort if the owner still holds the socket this long after FIN; 0 never aborts. */
  graceMs: number;
  /** Graceful closes: abort when pidfd_getfd is refused or no process holds the socket. */
  allowAbort: boolean;
  keepalive?: KeepaliveSettings;
}

export interface Plan {
  /** To act on, idlest first. */
  act: Candidate[];
  /** Left alone, with the reason. */
  skipped: Outcome[];
}

export interface PlanOptions {
  protection: Protection;
  /** At most this many closing or keepalive actions; default unlimited. */
  limit?: number;
}

export function planActions(candidates: readonly Candidate[], options: PlanOptions): Plan {
  const act: Candidate[] = [];
  const skipped: Outcome[] = [];
  for (const c of candidates) {
    const reason = c.action === "report" ? undefined : safetyReason(c, options.protection);
    if (reason) skipped.push(skippedOutcome(c, reason));
    else act.push(c);
  }
  act.sort(idlestFirst);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let acting = 0;
  const kept: Candidate[] = [];
  for (const c of act) {
    if (c.action === "report") kept.push(c);
    else if (acting < limit) {
      acting++;
      kept.push(c);
    } else skipped.push(skippedOutcome(c, "limit"));
  }
  return { act: kept, skipped };
}

function safetyReason(c: Candidate, protection: Protection): Outcome["reason"] {
  if (c.socket.state === "listen") return "listening";
  const protectedBy = protection.reasonFor(c.socket);
  if (protectedBy) return protectedBy;
  if (c.action !== "keepalive" && !c.force && hasQueuedData(c.socket)) return "queued-data";
  return undefined;
}

export function hasQueuedData(s: TcpSocket): boolean {
  return s.recvQ > 0 || s.sendQ > 0 || (s.notsentBytes ?? 0) > 0;
}

function idlestFirst(a: Candidate, b: Candidate): number {
  return (b.socket.idleMs ?? -1) - (a.socket.idleMs ?? -1);
}

function skippedOutcome(c: Candidate, reason: NonNullable<Outcome["reason"]>): Outcome {
  return {
    socket: c.socket,
    action: c.action,
    ...(c.rule !== undefined ? { rule: c.rule } : {}),
    result: "skipped",
    reason,
  };
}
