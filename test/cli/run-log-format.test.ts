// The daemon's log lines: a timestamp on each, and --log-format json|logfmt|text, seen from a child
// process as users run it (the audit log is covered by test/daemon).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { formatLogLine } from "../../src/cli/output/log-format.js";
import { runCli } from "../helpers/cli.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CLI = new URL("../../src/cli/dev-entry.ts", import.meta.url).pathname;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

test("log lines as text, logfmt and json", () => {
  const at = new Date("2026-01-02T03:04:05.006Z");
  assert.equal(formatLogLine("text", "stopped", at), "2026-01-02T03:04:05.006Z idlereap run: stopped\n");
  assert.equal(
    formatLogLine("logfmt", 'policy reload refused: "x" = 1', at),
    'time=2026-01-02T03:04:05.006Z level=warn component=run msg="policy reload refused: \\"x\\" = 1"\n',
  );
  assert.deepEqual(JSON.parse(formatLogLine("json", "started: 1 rule", at)), {
    time: "2026-01-02T03:04:05.006Z",
    level: "info",
    component: "run",
    msg: "started: 1 rule",
  });
});

test("run --log-format json writes one JSON object a line with a timestamp, from start to SIGTERM", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "idlereap-log-"));
  try {
    await withNetns(async (ns) => {
      const policyFile = join(dir, "policy.yaml");
      writeFileSync(
        policyFile,
        `interval: 200ms\nnamespaces: [${ns.name}]\nmetrics: { enabled: false }\naudit: { file: ${join(dir, "audit.jsonl")} }\nrules:\n  - name: idle\n    match: { state: established, idle: 1h }\n    action: report\n`,
      );
      const child = spawn(
        process.execPath,
        ["--import", "tsx", CLI, "run", "-c", policyFile, "--log-format", "json"],
        {
          stdio: ["ignore", "ignore", "pipe"],
        },
      );
      let err = "";
      let signalled = false;
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
        if (!signalled && err.includes('"msg":"started')) signalled = child.kill("SIGTERM");
      });
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await once(child, "exit");
      clearTimeout(killer);
      const lines = err
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as Record<string, string>);
      assert.deepEqual(
        lines.map((l) => l.msg?.replace(/:.*/, "")),
        ["started", "SIGTERM, stopping", "stopped"],
        err,
      );
      assert.match(lines[0]?.msg as string, /^started: 1 rule, /, "one rule, not 1 rules");
      for (const l of lines) assert.match(l.time as string, ISO);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run --log-format rejects an unknown format with exit 2", async () => {
  const bad = await runCli(["run", "--log-format", "xml", "--check"]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--log-format: "xml" must be text, logfmt or json/);
});
