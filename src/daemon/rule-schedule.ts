// When each rule of the policy is due. A rule with time conditions (idle, unacked) cannot match
// before the socket closest to them gets there, so it is skipped until two intervals before that
// (its horizon); new sockets wait the longest. Shrinking thresholds (pressure) make horizons stale.
import type { CompiledRule } from "../policy/rule-match.js";
import type { DueRule } from "./netns-scan.js";

export class RuleSchedule {
  private rules: readonly CompiledRule[];
  private readonly intervalMs: number;
  /** Per rule: when its time conditions can next be reached (0: now). */
  private dueAt: number[] = [];
  private lastScale = 1;

  constructor(rules: readonly CompiledRule[], intervalMs: number) {
    this.rules = rules;
    this.intervalMs = intervalMs;
  }

  /** The rules to evaluate now: every one on a full scan, else those without time conditions or past their horizon. */
  due(now: number, full: boolean, scale: number): DueRule[] {
    if (scale < this.lastScale) this.dueAt.fill(0); // thresholds shrank: horizons are stale
    const due: DueRule[] = [];
    this.rules.forEach((rule, index) => {
      if (full || !rule.needsInfo || now >= (this.dueAt[index] ?? 0)) due.push({ rule, index });
    });
    return due;
  }

  /**
   * Records a scan of `due`: `minWait[k]` is the shortest wait any socket had for due rule k. After a
   * failed namespace, the rules stay due (a socket may be there that was not seen).
   */
  scanned(
    due: readonly DueRule[],
    minWait: readonly number[],
    failed: boolean,
    now: number,
    scale: number,
  ): void {
    due.forEach(({ rule, index }, k) => {
      if (!rule.needsInfo) return;
      const earliest = now + Math.min(minWait[k] as number, rule.longestWaitMs(scale));
      this.dueAt[index] = failed ? 0 : earliest - 2 * this.intervalMs;
    });
    this.lastScale = scale;
  }
}
