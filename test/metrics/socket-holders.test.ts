// Holders of lingering sockets from a real /proc walk: a kept dup() and an inherited descriptor are
// told apart, lone sockets and a listener shared by a pre-fork worker are not counted.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { Registry } from "prom-client";
import { Daemon } from "../../src/daemon/daemon.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import { DaemonMetrics } from "../../src/metrics/daemon-metrics.js";
import { walkHolders } from "../../src/metrics/socket-holders.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { collectSockets } from "../../src/scan/collect.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";

const FIXTURE = new URL("./holders-fixture.py", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  childPid: number;
  forkPid: number;
  ports: Record<"dup" | "inherit" | "single", number[]>;
}

async function startFixture(ns: TestNetns, spec: object): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn("ip", ["netns", "exec", ns.name, "python3", FIXTURE, JSON.stringify(spec)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`fixture exited ${code}`)));
  });
  return { child, ready: JSON.parse(first) as Ready };
}

/** Closing stdin ends the fixture, which ends its child and its worker; kill all three regardless. */
async function stopFixture(child: ChildProcess, ready: Ready): Promise<void> {
  child.stdin?.end();
  await new Promise((r) => setTimeout(r, 200));
  for (const pid of [ready.childPid, ready.forkPid, ready.pid]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}

test("a kept dup() counts as same-process, an inherited descriptor as cross-process", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "python3")) return;
  await withNetns(async (ns) => {
    const { child, ready } = await startFixture(ns, { dup: 2, inherit: 3, single: 4 });
    try {
      // The server sides of every connection, and the listener, as a scan sees them.
      const ref = resolveNetns(ns.name);
      const { sockets } = collectSockets([ref], {
        filter: compileFilter({ states: "all", sports: [ready.port] }),
        owners: false,
      });
      assert.equal(sockets.length, 10);
      // Candidates are established or CLOSE_WAIT sockets: the listener is never one.
      const established = sockets.filter((s) => s.state === "established").map((s) => s.inode);
      const serverSide = (kind: keyof Ready["ports"]) =>
        sockets.filter((s) => ready.ports[kind].includes(s.remotePort)).map((s) => s.inode);
      const walked = walkHolders(
        new Map([[ns.name, { netnsInode: ref.inode, closeWait: [], idle: established }]]),
      );
      const h = walked.get(ns.name);
      assert.equal(h?.sameProcess, 2, "the dup()ed sockets");
      assert.equal(h?.crossProcess, 3, "the inherited sockets");
      assert.equal(serverSide("dup").length, 2);

      // Through the daemon's metrics, walked at scrape time.
      const registry = new Registry();
      const metrics = new DaemonMetrics(registry);
      // The inherited ones posing as CLOSE_WAIT (a socket is in one state: each is a candidate once).
      const inherited = serverSide("inherit");
      const idle = established.filter((i) => !inherited.includes(i));
      metrics.holderCandidates(ns.name, { netnsInode: ref.inode, closeWait: inherited, idle });
      const text = await registry.metrics();
      assert.match(
        text,
        new RegExp(`idlereap_multi_holder_sockets\\{netns="${ns.name}",kind="same-process"\\} 2\\n`),
      );
      assert.match(
        text,
        new RegExp(`idlereap_multi_holder_sockets\\{netns="${ns.name}",kind="cross-process"\\} 3\\n`),
      );
      // CLOSE_WAIT holders are named by the lowest pid holding them: the server, not its child.
      assert.match(
        text,
        new RegExp(
          `idlereap_close_wait_top_sockets\\{netns="${ns.name}",pid="${ready.pid}",command="python3",cgroup="[^"]*"\\} 3\\n`,
        ),
      );
      metrics.forgetNetns(ns.name);
      assert.ok(!(await registry.metrics()).includes(`netns="${ns.name}"`));
    } finally {
      await stopFixture(child, ready);
    }
  });
});

test("the daemon's full scan hands its CLOSE_WAIT sockets to the holder metrics", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "python3")) return;
  await withNetns(async (ns) => {
    const { child, ready } = await startFixture(ns, { dup: 2, inherit: 3, single: 4, closeClients: true });
    const dir = mkdtempSync(join(tmpdir(), "idlereap-metrics-"));
    const policy = parsePolicy(
      `namespaces: [${ns.name}]\nmetrics: { enabled: false, refresh: 0 }\naudit: { file: ${join(dir, "audit.jsonl")} }\nrules:\n  - name: l\n    match: { state: listen }\n`,
      "test.yaml",
    );
    const registry = new Registry();
    const daemon = new Daemon(policy, { registry, log: () => {} });
    try {
      await new Promise((r) => setTimeout(r, 200)); // the clients' FINs arrive
      daemon.scanOnce();
      const text = await registry.metrics();
      const of = (kind: string) =>
        new RegExp(`idlereap_multi_holder_sockets\\{netns="${ns.name}",kind="${kind}"\\} (\\d+)`).exec(
          text,
        )?.[1];
      assert.equal(of("same-process"), "2", text);
      assert.equal(of("cross-process"), "3", text);
      assert.match(
        text,
        new RegExp(
          `idlereap_close_wait_top_sockets\\{netns="${ns.name}",pid="${ready.pid}",command="python3",cgroup="[^"]*"\\} 9\\n`,
        ),
      );
    } finally {
      await daemon.stop();
      rmSync(dir, { recursive: true, force: true });
      await stopFixture(child, ready);
    }
  });
});
