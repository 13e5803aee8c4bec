// Carries out a plan with the closer: one outcome per candidate, graceful closes handed to the
// escalations. In a dry run nothing is touched and every candidate is "would-act".
import type { Closer, Done } from "./closer.js";
import type { Escalations } from "./escalations.js";
import type { Outcome } from "./outcome.js";
import type { Candidate } from "./plan.js";

export interface ReapOptions {
  closer: Closer;
  escalations: Escalations;
  dryRun: boolean;
}

export function carryOut(act: readonly Candidate[], options: ReapOptions): Outcome[] {
  const outcomes = act.map((c) => carryOutOne(c, options));
  if (options.dryRun) return outcomes;
  // Aborts go to the kernel in batches.
  const aborts: number[] = [];
  act.forEach((c, i) => {
    if (c.action === "abort") aborts.push(i);
  });
  const done = options.closer.abortMany(aborts.map((i) => (act[i] as Candidate).socket));
  aborts.forEach((i, k) => {
    outcomes[i] = { ...(outcomes[i] as Outcome), ...(done[k] as Done) };
  });
  return outcomes;
}

function carryOutOne(c: Candidate, { closer, escalations, dryRun }: ReapOptions): Outcome {
  const base: Outcome = {
    socket: c.socket,
    action: c.action,
    ...(c.rule !== undefined ? { rule: c.rule } : {}),
    result: "reported",
  };
  if (c.action === "report") return base;
  if (dryRun) return { ...base, result: "would-act" };
  if (c.action === "abort") return { ...base, result: "aborted" }; // filled in by the batch
  const done =
    c.action === "close"
      ? closer.graceful(c.socket, c.allowAbort)
      : closer.keepalive(c.socket, c.keepalive ?? DEFAULT_KEEPALIVE);
  const outcome: Outcome = { ...base, ...done };
  if (outcome.result === "closed") escalations.add(outcome, c.graceMs);
  return outcome;
}

export const DEFAULT_KEEPALIVE = Object.freeze({
  idleMs: 60_000,
  intervalMs: 10_000,
  count: 3,
  userTimeoutMs: 90_000,
});
