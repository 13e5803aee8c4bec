// Decides what to do with a list of scanned sockets: the safety rules come first (protection, queued
// data, orphans), a dead peer's close becomes an abort, then the idlest go first and the per-scan
// limit cuts the rest.
import { DEAD_PEER_DEFAULT_MS, deadPeerMs, isDeadPeer } from "../model/dead-peer.js";
import type { TcpSocket } from "../model/tcp-socket.js";
import { formatDuration } from "../util/duration.js";
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
  /** A peer silent this long with data or probes waiting counts as dead (default 30 s; model/dead-peer.ts). */
  deadPeerMs?: number;
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

/** A request whose peer is dead: the close it asked for is an abort, and says why. */
export interface DeadPeerRequest extends ActionRequest {
  deadPeer: { ms: number; detail: string };
}

export interface PlanOptions {
  protection: Protection;
  /** At most this many closing or keepalive actions; default unlimited. */
  limit?: number;
  /** Whether aborting an orphan can leave it for ever (kernels before 6.11; safety.ts). */
  orphansUnsafe?: boolean;
}

export function planActions(candidates: readonly ActionRequest[], options: PlanOptions): Plan {
  const act: ActionRequest[] = [];
  const skipped: Outcome[] = [];
  for (const c of candidates) {
    const reason =
      c.action === "report"
        ? undefined
        : safetyReason(c.socket, options.protection, {
            queues: c.action !== "keepalive" && !c.force,
            deadPeerMs: c.deadPeerMs ?? DEAD_PEER_DEFAULT_MS,
            orphansUnsafe: options.orphansUnsafe ?? false,
            aborts: c.action === "abort" || c.action === "close",
          });
    if (reason) skipped.push(skippedOutcome(c, reason));
    else act.push(deadPeerAbort(c));
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

/**
 * A dead peer's close or abort, marked: a graceful close would queue its FIN behind data the peer
 * never acknowledges and leave an orphan retransmitting for minutes, so only an abort frees it.
 */
function deadPeerAbort(c: ActionRequest): ActionRequest {
  if (c.action !== "close" && c.action !== "abort") return c;
  const threshold = c.deadPeerMs ?? DEAD_PEER_DEFAULT_MS;
  if (!isDeadPeer(c.socket, threshold)) return c;
  const ms = deadPeerMs(c.socket) as number;
  const why = `dead peer: no answer for ${formatDuration(ms)} with data or probes outstanding`;
  const detail =
    c.action === "close"
      ? `${why}; aborted instead of FIN, which would queue behind the unacknowledged data`
      : why;
  const marked: DeadPeerRequest = { ...c, action: "abort", deadPeer: { ms, detail } };
  return marked;
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
