// Metrics the daemon publishes from a real namespace: the TIME_WAIT limit and the processes holding
// the most CLOSE_WAIT sockets, named by pid, command and cgroup.
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

test("the daemon publishes tcp_max_tw_buckets and the top CLOSE_WAIT holders of a namespace", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    ns.exec("sysctl", ["-q", "-w", "net.ipv4.tcp_max_tw_buckets=4321"]);
    const f = await ns.spawnFixture(CONNS, [JSON.stringify({ closeWait: 3, idle: 1 })]);
    await new Promise((r) => setTimeout(r, 200)); // the clients' FINs arrive
    const dir = mkdtempSync(join(tmpdir(), "idlereap-metrics-"));
    const policy = parsePolicy(
      `namespaces: [${ns.name}]\nmetrics: { enabled: false, refresh: 0 }\naudit: { file: ${join(dir, "audit.jsonl")} }\nrules:\n  - name: l\n    match: { state: listen }\n`,
      "test.yaml",
    );
    const registry = new Registry();
    const daemon = new Daemon(policy, { registry, log: () => {} });
    try {
      daemon.scanOnce();
      const text = await registry.metrics();
      assert.match(text, new RegExp(`idlereap_tcp_max_tw_buckets\\{netns="${ns.name}"\\} 4321\\n`));
      const cgroup = /^0::(.*)$/m.exec(readFileSync(`/proc/${f.pid}/cgroup`, "utf8"))?.[1] ?? "";
      const line = `idlereap_close_wait_top_sockets{netns="${ns.name}",pid="${f.pid}",command="node",cgroup="${cgroup}"} 3`;
      assert.ok(text.includes(`${line}\n`), `${line} not in\n${text}`);
      await f.kill();
      daemon.scanOnce();
      assert.ok(
        !(await registry.metrics()).includes(`pid="${f.pid}"`),
        "a holder that is gone loses its series",
      );
    } finally {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
