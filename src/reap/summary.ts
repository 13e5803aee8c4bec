// The end-of-run tally `idlereap kill` prints and the daemon logs per scan.
import type { Outcome, SkipReason } from "./outcome.js";

export interface Summary {
  matched: number;
  /** Dry run: would be closed, aborted or retuned. */
  wouldAct: number;
  reported: number;
  /** Closed gracefully and released: no process holds the socket any more. */
  closedGracefully: number;
  /** Closed gracefully (connection freed) but the application still holds the descriptor. */
  closedHeld: number;
  escalated: number;
  aborted: number;
  keepaliveSet: number;
  skipped: Partial<Record<SkipReason, number>>;
  failed: number;
}

/** A summary with every count at zero. */
export function emptySummary(): Summary {
  return {
    matched: 0,
    wouldAct: 0,
    reported: 0,
    closedGracefully: 0,
    closedHeld: 0,
    escalated: 0,
    aborted: 0,
    keepaliveSet: 0,
    skipped: {},
    failed: 0,
  };
}

export function summarize(outcomes: readonly Outcome[]): Summary {
  const s = emptySummary();
  s.matched = outcomes.length;
  for (const o of outcomes) {
    switch (o.result) {
      case "would-act":
        s.wouldAct++;
        break;
      case "reported":
        s.reported++;
        break;
      case "closed":
        s.closedGracefully++;
        break;
      case "closed-held":
        s.closedHeld++;
        break;
      case "escalated":
        s.escalated++;
        break;
      case "aborted":
        s.aborted++;
        break;
      case "keepalive-set":
        s.keepaliveSet++;
        break;
      case "skipped":
        if (o.reason) s.skipped[o.reason] = (s.skipped[o.reason] ?? 0) + 1;
        break;
      case "failed":
        s.failed++;
        break;
    }
  }
  return s;
}

export function formatSummary(s: Summary, dryRun: boolean): string {
  const skipped = Object.entries(s.skipped);
  const skippedTotal = skipped.reduce((n, [, v]) => n + (v ?? 0), 0);
  const reasons = skipped.length ? ` (${skipped.map(([k, v]) => `${k}: ${v}`).join(", ")})` : "";
  const head = dryRun
    ? `matched ${s.matched}, would act on ${s.wouldAct}`
    : `matched ${s.matched}, closed gracefully ${s.closedGracefully}, escalated ${s.escalated}, aborted ${s.aborted}`;
  const held = s.closedHeld ? `, closed but descriptor still held by the application ${s.closedHeld}` : "";
  const retuned = s.keepaliveSet ? `, keepalive set ${s.keepaliveSet}` : "";
  return `${head}${held}${retuned}, skipped ${skippedTotal}${reasons}, failed ${s.failed}`;
}
