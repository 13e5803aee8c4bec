// Decides what to do with a list of scanned sockets: the safety rules come first (protection, queued
// data), then the idlest go first and the per-scan limit cuts the rest.
import type { TcpSocket } from "../model/tcp-socket.js";
import type { KeepaliveSettings } from "./defaults.js";
import type { ActionKind, Outcome } from "./outcome.js";
import type { Protection } from "./protect.js";
import { safetyReason } from "./safety.js";

/** What to do with a socket (a policy rule compiles to one). */
export interface ActionSpec {
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

/** A socket and what to do with it, before the safety rules and the limit. */
export interface ActionRequest extends ActionSpec {
  socket: TcpSocket;
}

export interface Plan {
  /** To act on, idlest first. */
  act: ActionRequest[];
  /** Left alone, with the reason. */
  skipped: Outcome[];
}

export interface PlanOptions {
  protection: Protection;
  /** At most this many closing or keepalive actions; default unlimited. */
  limit?: number;
}

export function planActions(candidates: readonly ActionRequest[], options: PlanOptions): Plan {
  const act: ActionRequest[] = [];
  const skipped: Outcome[] = [];
  for (const c of candidates) {
    const reason =
      c.action === "report"
        ? undefined
        : safetyReason(c.socket, options.protection, c.action !== "keepalive" && !c.force);
    if (reason) skipped.push(skippedOutcome(c, reason));
    else act.push(c);
  }
  act.sort(idlestFirst);
  const limit = options.limit ?? Number.POSITIVE_INFINITY;
  let acting = 0;
  const kept: ActionRequest[] = [];
  for (const c of act) {
    if (c.action === "report") kept.push(c);
    else if (acting < limit) {
      acting++;
      kept.push(c);
    } else skipped.push(skippedOutcome(c, "limit"));
  }
  return { act: kept, skipped };
}

function idlestFirst(a: ActionRequest, b: ActionRequest): number {
  return (b.socket.idleMs ?? -1) - (a.socket.idleMs ?? -1);
}

function skippedOutcome(c: ActionRequest, reason: NonNullable<Outcome["reason"]>): Outcome {
  return {
    socket: c.socket,
    action: c.action,
    ...(c.rule !== undefined ? { rule: c.rule } : {}),
    result: "skipped",
    reason,
  };
}
