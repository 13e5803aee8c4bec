// The daemon's audit tells the CLOSE_WAIT truth too: after the grace period, a graceful close whose
// descriptor the application still holds gets a second line with result closed-held.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Registry } from "prom-client";
import { Daemon } from "../../src/daemon/daemon.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

test("run: closing CLOSE_WAIT sockets of a process that never closes them audits closed-held", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<{ pid: number }>(CONNS, [JSON.stringify({ closeWait: 3 })]);
    const dir = mkdtempSync(join(tmpdir(), "idlereap-daemon-"));
    const file = join(dir, "audit.jsonl");
    const policy = parsePolicy(
      `namespaces: [${ns.name}]
rules:
  - name: leak
    match: { state: close-wait, pid: ${f.ready.pid} }
    action: close
    grace: 1s
metrics: { enabled: false, refresh: 0 }
audit: { file: ${file} }
`,
      "test.yaml",
    );
    const registry = new Registry();
    const daemon = new Daemon(policy, { registry, log: () => {} });
    try {
      const outcomes = daemon.scanOnce();
      assert.deepEqual(
        outcomes.map((o) => o.result),
        ["closed", "closed", "closed"],
      );
      await daemon.settle();
      const lines = readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const held = lines.filter((l) => l.result === "closed-held");
      assert.equal(held.length, 3, JSON.stringify(lines));
      for (const l of held) {
        assert.equal(l.rule, "leak");
        assert.equal(l.pid, f.ready.pid);
        assert.match(String(l.detail), /port and conntrack entry freed.*still holds the descriptor/);
      }
      const text = await registry.metrics();
      assert.match(text, /idlereap_actions_total\{rule="leak",action="close",result="closed-held"\} 3/);
    } finally {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
