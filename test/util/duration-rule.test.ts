// The duration rule applied where durations enter: policy files (and `run --check`), guard() options
// and CLI flags all refuse timer values past 2^31-1 ms and values no number can hold.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ConfigError, IdlereapError } from "../../src/errors.js";
import { resolveOptions } from "../../src/guard/options.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { runCli } from "../helpers/cli.js";

const RULE = "rules:\n  - name: r\n    match: {idle: 5m}\n";

function policyError(text: string): ConfigError {
  try {
    parsePolicy(text, "p.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail(`accepted: ${text}`);
}

test("policy timer fields past 2^31-1 ms are refused with file, line and key", () => {
  assert.match(policyError(`interval: 30d\n${RULE}`).message, /p\.yaml: line 1: interval: .*timer/);
  assert.match(
    policyError(`rules:\n  - name: r\n    grace: 30d\n`).message,
    /line 3: rules\[0\]\.grace: .*timer/,
  );
  assert.match(policyError(`metrics: {refresh: 25d}\n${RULE}`).message, /metrics\.refresh: .*timer/);
  assert.match(
    policyError("rules:\n  - name: r\n    match: {idle: 99999999999999999999d}\n").message,
    /rules\[0\]\.match\.idle: .*too long/,
  );
  assert.match(
    policyError("rules:\n  - name: r\n    keepalive: {idle: 30d}\n").message,
    /rules\[0\]\.keepalive\.idle: must be at most 32767s/,
  );
  // A threshold is compared, not waited for: a month of idleness is a fine condition.
  assert.equal(
    parsePolicy("rules:\n  - name: r\n    match: {idle: 30d}\n").rules[0]?.match.idle,
    2_592_000_000,
  );
});

test("run --check does not call an interval of 30d valid", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-dur-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  for (const [name, text] of [
    ["interval.yaml", `interval: 30d\n${RULE}`],
    ["huge.yaml", `interval: 99999999999999999999d\n${RULE}`],
  ] as const) {
    const file = join(dir, name);
    writeFileSync(file, text);
    const r = await runCli(["run", "--check", "--config", file]);
    assert.equal(r.code, 2, `${name}: ${r.stdout}`);
    assert.match(r.stderr, /interval: .*(timer|too long).*\[IDLEREAP_ERR_CONFIG_INVALID\]/);
  }
});

test("guard() options that feed timers refuse more than 2^31-1 ms", () => {
  for (const opts of [
    { idleTimeout: "30d" },
    { maxAge: 2 ** 31 },
    { idleTimeout: "99999999999999999999d" },
  ]) {
    assert.throws(
      () => resolveOptions(opts),
      (e: unknown) => e instanceof IdlereapError && /(timer|too long)/.test(e.message),
      JSON.stringify(opts),
    );
  }
});

test("kill --grace past 2^31-1 ms is a usage error before anything is scanned", async () => {
  const r = await runCli(["kill", "--state", "close-wait", "--grace", "30d"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--grace: .*timer/);
});
