import assert from "node:assert/strict";
import { test } from "node:test";
import type { StatusReport } from "../../src/report/status-report.js";
import { runCli } from "../helpers/cli.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

test("status groups CLOSE_WAIT leaks under the process that holds them and agrees with ss", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const leaky = await ns.spawnFixture(CONNS, [JSON.stringify({ closeWait: 3, keepalive: 1 })]);
    const clean = await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 2, active: 1 })]);
    await new Promise((r) => setTimeout(r, 300));
    const r = await runCli(["status", "--netns", ns.name, "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as StatusReport;
    const st = report.namespaces[0];
    assert.ok(st);
    assert.equal(st.netns, ns.name);

    const ss = new Map<string, number>();
    for (const line of ns.exec("ss", ["-tanH"]).trim().split("\n")) {
      const s = (line.split(/\s+/)[0] as string).toLowerCase().replace("estab", "established");
      ss.set(s, (ss.get(s) ?? 0) + 1);
    }
    assert.deepEqual(new Map(Object.entries(st.sockets.byState)), ss);

    assert.equal(st.closeWait.total, 3);
    assert.deepEqual(
      st.closeWait.byProcess.map((p) => [p.pid, p.command, p.count]),
      [[leaky.pid, "node", 3]],
    );
    assert.equal(st.finWait2.total, 3);
    assert.equal(
      st.established.idleHistogram.reduce((n, b) => n + b.count, 0),
      st.established.total,
    );
    assert.equal(st.keepalive.armed, 1);
    assert.equal(st.keepalive.established, (1 + 2 + 1) * 2);
    assert.deepEqual(
      st.keepalive.processesWithout.map((p) => p.pid),
      [clean.pid],
      "the process with no keepalive at all is named",
    );
    assert.equal(st.keepalive.worstCaseDetectionSeconds, 7200 + 75 * 9);
    assert.ok(st.established.longestIdle.length > 0);
    assert.ok(st.established.longestIdle.every((s) => s.pid === leaky.pid || s.pid === clean.pid));
    assert.ok(
      report.findings.some((f) => f.id === "keepalive-slow" && f.command.includes(`--netns ${ns.name}`)),
    );

    const text = await runCli(["status", "--netns", ns.name]);
    assert.match(text.stdout, new RegExp(`close-wait +3: node/${leaky.pid} 3`));
    assert.match(text.stdout, /keepalive +1\/8 established armed/);
  });
});

test("status measures TIME_WAIT pressure against the namespace's tcp_max_tw_buckets; --fail-on sets the exit code", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    ns.exec("sysctl", ["-qw", "net.ipv4.tcp_max_tw_buckets=10"]);
    await ns.spawnFixture(CONNS, [JSON.stringify({ timeWait: 10 })]);
    await new Promise((r) => setTimeout(r, 300));
    const r = await runCli(["status", "--netns", ns.name, "--json"]);
    const st = (JSON.parse(r.stdout) as StatusReport).namespaces[0];
    const tw = st?.pressure.find((p) => p.resource === "timewait");
    assert.deepEqual([tw?.used, tw?.limit], [10, 10]);
    const finding = st?.findings.find((f) => f.id === "pressure-timewait");
    assert.equal(finding?.severity, "critical");

    assert.equal(
      (await runCli(["status", "--netns", ns.name])).code,
      0,
      "findings alone do not fail the report",
    );
    assert.equal((await runCli(["status", "--netns", ns.name, "--fail-on", "critical"])).code, 1);
    assert.equal((await runCli(["status", "--netns", ns.name, "--fail-on", "warning"])).code, 1);
  });
});
