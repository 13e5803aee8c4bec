// `kill --mode abort` when no owner is needed: sockets are aborted while the dump streams, straight
// from the kernel's replies (ids copied as they are, requests batched), so no object is built per
// socket unless the caller wants to print it. A socket whose peer was aborted before the dump reached
// it is not even seen, as with `ss -K`.
import type { DiagMessageView } from "../kernel/inet-diag-codec.js";
import type { NetnsRef } from "../kernel/netns.js";
import { DiagSocket } from "../kernel/sock-diag.js";
import { deadPeerMs, isDeadPeer } from "../model/dead-peer.js";
import { socketFromView } from "../model/tcp-socket.js";
import { type NetnsScanResult, scanNamespaces } from "../scan/scan.js";
import type { SocketFilter } from "../select/socket-filter.js";
import { BulkAborter } from "./bulk-abort.js";
import { destroyFailure } from "./closer.js";
import type { Outcome, SkipReason } from "./outcome.js";
import type { Protection } from "./protect.js";
import { safetyReason } from "./safety.js";
import type { Summary } from "./summary.js";
import { emptySummary } from "./summary.js";

export interface StreamAbortOptions {
  filter: SocketFilter;
  /** Ask for tcp_info (needed when the filter looks at idle times). */
  info: boolean;
  protection: Protection;
  force: boolean;
  /** A peer silent this long with data or probes waiting counts as dead: its queued data does not keep it. */
  deadPeerMs: number;
  /** Whether aborting an orphan can leave it for ever (kernels before 6.11; safety.ts). */
  orphansUnsafe: boolean;
  dryRun: boolean;
  /** Keep an outcome for at most this many matched sockets (for printing); the summary counts all. */
  keepOutcomes: number;
}

export interface StreamAbortResult {
  summary: Summary;
  outcomes: Outcome[];
  namespaces: NetnsScanResult[];
}

export function streamAbort(namespaces: readonly NetnsRef[], options: StreamAbortOptions): StreamAbortResult {
  const summary = emptySummary();
  const outcomes: Outcome[] = [];
  const results: NetnsScanResult[] = [];
  for (const ns of namespaces) results.push(abortIn(ns, options, summary, outcomes));
  return { summary, outcomes, namespaces: results };
}

function abortIn(
  ns: NetnsRef,
  o: StreamAbortOptions,
  summary: Summary,
  outcomes: Outcome[],
): NetnsScanResult {
  const skip = (reason: SkipReason) => {
    summary.skipped[reason] = (summary.skipped[reason] ?? 0) + 1;
  };
  let diag: DiagSocket | undefined;
  let aborter: BulkAborter | undefined;
  // Outcomes of the sockets sent to the kernel, by aborter index (only when kept).
  const sent: Outcome[] = [];
  const onFailure = (index: number, errno: number) => {
    const done = destroyFailure(errno);
    summary.aborted--;
    if (done.result === "skipped") skip(done.reason as SkipReason);
    else summary.failed++;
    const kept = sent[index];
    if (kept) Object.assign(kept, done);
  };
  const keep = (v: DiagMessageView, result: Outcome["result"], reason?: SkipReason): Outcome | undefined => {
    if (outcomes.length >= o.keepOutcomes) return undefined;
    const dead = isDeadPeer(v, o.deadPeerMs) ? deadPeerMs(v) : undefined;
    const outcome: Outcome = {
      socket: socketFromView(v, ns.name, undefined, undefined),
      action: "abort",
      result,
      ...(reason ? { reason } : {}),
      ...(dead !== undefined ? { deadPeerMs: dead } : {}),
    };
    outcomes.push(outcome);
    return outcome;
  };
  const visit = (v: DiagMessageView): void => {
    summary.matched++;
    const reason = safetyReason(v, o.protection, {
      queues: !o.force,
      deadPeerMs: o.deadPeerMs,
      orphansUnsafe: o.orphansUnsafe,
      aborts: true,
    });
    if (reason) {
      skip(reason);
      keep(v, "skipped", reason);
      return;
    }
    if (o.dryRun) {
      summary.wouldAct++;
      keep(v, "would-act");
      return;
    }
    if (!aborter) {
      diag = DiagSocket.open(ns);
      aborter = new BulkAborter(diag, onFailure);
    }
    summary.aborted++;
    const outcome = keep(v, "aborted");
    const index = aborter.addView(v);
    if (outcome) sent[index] = outcome;
  };
  try {
    const [result] = scanNamespaces([ns], { filter: o.filter, info: o.info }, visit);
    aborter?.flush();
    return result as NetnsScanResult;
  } finally {
    diag?.close();
  }
}
