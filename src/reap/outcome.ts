// What idlereap did (or would do) to one socket: the action asked for and how it ended.

import type { ErrorCode } from "../errors.js";
import type { TcpSocket } from "../model/tcp-socket.js";
import type { ActionKind } from "./defaults.js";

export type { ActionKind } from "./defaults.js";

export const SKIP_REASONS = {
  "queued-data": "unread or unsent data in the socket's queues (use force to close anyway)",
  "protected-port": "the socket uses a protected port",
  "protected-process": "the socket belongs to a protected process",
  "own-socket": "the socket belongs to idlereap itself",
  listening: "a listening socket is not a connection (closing it would stop the server accepting)",
  "identity-changed": "the descriptor no longer refers to the scanned socket",
  gone: "the socket, its owner or its namespace went away before the action",
  "no-owner": "no process holds the socket, so it cannot be closed gracefully or retuned",
  "pidfd-refused":
    "pidfd_getfd was refused (ptrace rules or seccomp) and falling back to abort is not allowed",
  limit: "the per-scan action limit was reached",
  "orphan-old-kernel":
    "the owner already closed the socket, and on kernels before 6.11 aborting an orphan can leave it with no timer for ever (fixed by bac76cf89816)",
} as const;

export type SkipReason = keyof typeof SKIP_REASONS;

export type Result =
  | "reported"
  | "would-act"
  | "closed"
  /** Closed gracefully (connection, port and conntrack entry freed), descriptor still held by the application. */
  | "closed-held"
  | "escalated"
  | "aborted"
  | "keepalive-set"
  | "skipped"
  | "failed";

export interface Outcome {
  socket: TcpSocket;
  action: ActionKind;
  /** The policy rule that chose the action (absent for `idlereap kill`). */
  rule?: string;
  result: Result;
  reason?: SkipReason;
  /** Human-readable detail for skips and failures (errno names, what the kernel said). */
  detail?: string;
  /** Error code for failures. */
  code?: ErrorCode;
  /** True when a graceful close fell back to abort (pidfd refused or no owner, abort allowed). */
  fellBack?: boolean;
  /**
   * Set when the peer counts as dead (model/dead-peer.ts): how long it has not answered, ms. Such a
   * socket is aborted, not closed gracefully (a FIN would queue behind data the peer never takes),
   * and data queued to it does not keep it.
   */
  deadPeerMs?: number;
}
