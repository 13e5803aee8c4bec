// The second step of the rules, on the candidates of a scan once owners and cgroups are attached:
// the first rule whose owner, cgroup and age conditions hold decides. A socket is reported once per
// rule, not on every scan; ages count from when the daemon first saw the socket.
import type { CompiledRule } from "../policy/rule-match.js";
import type { ActionRequest } from "../reap/plan.js";
import type { NetnsScan } from "./netns-scan.js";
import { SeenTracker } from "./seen-tracker.js";

export class RuleMatcher {
  private readonly ages = new SeenTracker();
  private readonly reported = new SeenTracker();

  /** The actions the rules choose for the scans' candidates. */
  match(scans: readonly NetnsScan[], rules: readonly CompiledRule[], now: number): ActionRequest[] {
    const out: ActionRequest[] = [];
    const usesAge = rules.some((r) => r.ageMs !== undefined);
    if (usesAge) this.ages.beginScan();
    this.reported.beginScan();
    for (const scan of scans) {
      for (const cand of scan.candidates) {
        const s = cand.socket;
        const age = usesAge ? this.ages.touch(s.cookie, now) : 0;
        const rule = cand.rules.map((i) => rules[i] as CompiledRule).find((r) => r.matchSocket(s, age));
        if (!rule) continue;
        if (rule.action === "report") {
          const key = `${rule.name}\0${s.cookie}`;
          const known = this.reported.has(key);
          this.reported.touch(key, now);
          if (known) continue;
        }
        out.push({ ...rule.spec, socket: s });
      }
    }
    if (usesAge) this.ages.endScan();
    this.reported.endScan();
    return out;
  }
}
