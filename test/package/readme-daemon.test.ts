// The README's daemon example must not start a live closing policy on the host: it begins with the
// report-only policy or a dry run, as docs/run.md advises.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { loadPolicyFile } from "../../src/policy/policy-load.js";

const ROOT = new URL("../../", import.meta.url).pathname;

test("every `idlereap run` in the README is report-only, a dry run or a --check", () => {
  const readme = readFileSync(`${ROOT}README.md`, "utf8");
  const runs = readme.split("\n").filter((l) => /^idlereap run\b/.test(l.trim()));
  assert.ok(runs.length > 0, "the README shows the daemon");
  for (const line of runs) {
    const config = /--config\s+(\S+)/.exec(line)?.[1];
    assert.ok(config, line);
    const policy = loadPolicyFile(`${ROOT}${config}`);
    const acts = policy.rules.some((r) => r.action !== "report");
    const safe = !acts || /--dry-run\b/.test(line) || /--check\b/.test(line);
    assert.ok(safe, `a live closing policy in the README: ${line}`);
  }
  assert.match(runs[0] ?? "", /report-only\.yaml|--dry-run/, "the first daemon example is safe to run as is");
});
