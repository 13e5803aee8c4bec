// Closing from `idlereap top`: the marked connections go through the same Reaper as `kill`, with
// its safety rules (protected port 22 and idlereap's own sockets, queued data, listeners). First
// a dry run, whose summary the confirmation shows; then, once confirmed, the real thing.
import type { NetnsRef } from "../../kernel/netns.js";
import type { TcpSocket } from "../../model/tcp-socket.js";
import { REAP_DEFAULTS } from "../../reap/defaults.js";
import type { ActionRequest } from "../../reap/plan.js";
import type { ProtectSpec } from "../../reap/protect.js";
import { Reaper } from "../../reap/reaper.js";
import { formatSummary, type Summary, summarize } from "../../reap/summary.js";

export type CloseMode = "graceful" | "abort";

export interface CloseOptions {
  namespaces: readonly NetnsRef[];
  protect?: ProtectSpec;
  /** Graceful: abort what the owner still holds this long after FIN; 0 never. */
  graceMs?: number;
}

function requests(sockets: readonly TcpSocket[], mode: CloseMode, graceMs: number): ActionRequest[] {
  return sockets.map((socket) => ({
    socket,
    action: mode === "abort" ? "abort" : "close",
    force: REAP_DEFAULTS.force,
    graceMs,
    allowAbort: REAP_DEFAULTS.allowAbort,
  }));
}

async function run(sockets: readonly TcpSocket[], mode: CloseMode, options: CloseOptions, dryRun: boolean) {
  const reaper = new Reaper({ dryRun, ...(options.protect ? { protect: options.protect } : {}) });
  // biome-ignore lint/correctness/useHookAtTopLevel: a Reaper method, not a React hook
  reaper.useNamespaces(options.namespaces);
  try {
    const outcomes = reaper.act(requests(sockets, mode, options.graceMs ?? REAP_DEFAULTS.graceMs));
    if (!dryRun) await reaper.settle();
    return summarize(outcomes);
  } finally {
    reaper.release();
  }
}

/** What closing would do, touching nothing. */
export function dryRunClose(
  sockets: readonly TcpSocket[],
  mode: CloseMode,
  options: CloseOptions,
): Promise<Summary> {
  return run(sockets, mode, options, true);
}

/** Closes, waits out the grace periods, and returns what happened. */
export function close(
  sockets: readonly TcpSocket[],
  mode: CloseMode,
  options: CloseOptions,
): Promise<Summary> {
  return run(sockets, mode, options, false);
}

export function describeSummary(summary: Summary, dryRun: boolean): string {
  return formatSummary(summary, dryRun);
}
