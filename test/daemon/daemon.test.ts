import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Registry } from "prom-client";
import { Daemon } from "../../src/daemon/daemon.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { collectSockets } from "../../src/scan/collect.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { createNetns, destroyNetns, type Fixture, type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

interface Ready {
  port: number;
  groups: Record<string, number[]>;
}

async function withDaemon<R>(
  yaml: string,
  fn: (
    d: Daemon,
    ctx: { registry: Registry; audit: () => Record<string, unknown>[]; logs: string[] },
  ) => Promise<R>,
  dryRun = false,
  refresh = "0",
): Promise<R> {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-daemon-"));
  const file = join(dir, "audit.jsonl");
  const policy = parsePolicy(
    `${yaml}\nmetrics: { enabled: false, refresh: ${refresh} }\naudit: { file: ${file} }\n`,
    "test.yaml",
  );
  const registry = new Registry();
  const logs: string[] = [];
  const daemon = new Daemon(policy, { registry, dryRun, log: (l) => logs.push(l) });
  const audit = () =>
    readFileSync(file, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  try {
    return await fn(daemon, { registry, audit, logs });
  } finally {
    await daemon.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function events(f: Fixture<Ready>): Promise<{ side: string; event: string; port: number }[]> {
  await new Promise((r) => setTimeout(r, 150));
  f.send({ cmd: "events" });
  return (await f.next<{ events: { side: string; event: string; port: number }[] }>()).events;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("rules apply in order, the first match wins, active connections survive, reports are logged once", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2, active: 2, closeWait: 2 })]);
    await sleep(700);
    const yaml = `
namespaces: [${ns.name}]
rules:
  - name: stuck
    match: { state: close-wait }
    action: report
  - name: idle-clients
    match: { state: established, dport: ${f.ready.port}, idle: 500ms }
    action: close
  - name: idle-rest
    match: { state: established, idle: 500ms }
    action: report
`;
    await withDaemon(yaml, async (daemon, { registry, audit }) => {
      const outcomes = daemon.scanOnce();
      const by = (rule: string) => outcomes.filter((o) => o.rule === rule);
      assert.equal(by("stuck").length, 2);
      assert.ok(by("stuck").every((o) => o.result === "reported" && o.socket.state === "close-wait"));
      assert.deepEqual(
        by("idle-clients").map((o) => o.result),
        ["closed", "closed"],
      );
      assert.equal(by("idle-rest").length, 2, "the server sides of the idle connections");
      assert.ok(by("idle-rest").every((o) => o.socket.localPort === f.ready.port));
      const seen = await events(f);
      for (const port of f.ready.groups.active ?? []) assert.ok(!seen.some((e) => e.port === port));
      const again = daemon.scanOnce().filter((o) => o.rule === "stuck");
      const first = new Set(by("stuck").map((o) => o.socket.cookie));
      assert.ok(
        again.every((o) => !first.has(o.socket.cookie)),
        "reported once",
      );
      // The server sides of the closed connections got EOF and now wait in CLOSE_WAIT themselves.
      assert.ok(again.every((o) => o.socket.localPort === f.ready.port));
      const lines = audit();
      assert.equal(lines.filter((l) => l.rule === "stuck").length, 2 + again.length);
      const closed = lines.find((l) => l.rule === "idle-clients");
      assert.equal(closed?.netns, ns.name);
      assert.equal(closed?.action, "close");
      assert.equal(closed?.result, "closed");
      assert.match(String(closed?.remote), new RegExp(`:${f.ready.port}$`));
      assert.equal(typeof closed?.pid, "number");
      assert.equal(closed?.command, "node");
      assert.equal(typeof closed?.idleMs, "number");
      const text = await registry.metrics();
      assert.match(text, /idlereap_actions_total\{rule="idle-clients",action="close",result="closed"\} 2/);
      assert.ok(
        text.includes(
          `idlereap_actions_total{rule="stuck",action="report",result="reported"} ${2 + again.length}`,
        ),
      );
      assert.match(text, new RegExp(`idlereap_sockets\\{netns="${ns.name}",state="close-wait"\\} \\d`));
      assert.match(text, /idlereap_scan_part_success\{part="sockets"\} 1/);
    });
  });
});

test("dry run touches nothing; the per-scan limit skips the rest", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 3 })]);
    const yaml = `
namespaces: [${ns.name}]
limits: { maxActionsPerScan: 1 }
rules:
  - name: all-clients
    match: { state: established, dport: ${f.ready.port} }
    action: abort
`;
    await withDaemon(
      yaml,
      async (daemon, { registry, audit }) => {
        const outcomes = daemon.scanOnce();
        assert.deepEqual(outcomes.map((o) => o.result).sort(), ["skipped", "skipped", "would-act"]);
        assert.ok(outcomes.filter((o) => o.result === "skipped").every((o) => o.reason === "limit"));
        assert.equal((await events(f)).length, 0, "nothing was touched");
        assert.ok(audit().every((l) => l.dryRun === true));
        assert.match(await registry.metrics(), /idlereap_skips_total\{rule="all-clients",reason="limit"\} 2/);
      },
      true,
    );
  });
});

test("keepalive retrofit arms the kernel's keepalive timer on another process's sockets", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
    const yaml = `
namespaces: [${ns.name}]
rules:
  - name: retrofit
    match: { state: established, dport: ${f.ready.port}, keepalive: false }
    action: keepalive
    keepalive: { idle: 30s, interval: 5s, count: 3, userTimeout: 45s }
`;
    await withDaemon(yaml, async (daemon, { registry }) => {
      const outcomes = daemon.scanOnce();
      assert.deepEqual(
        outcomes.map((o) => o.result),
        ["keepalive-set", "keepalive-set"],
      );
      const { sockets } = collectSockets([resolveNetns(ns.name)], {
        filter: compileFilter({ states: "established", dports: [f.ready.port] }),
        owners: false,
      });
      assert.equal(sockets.length, 2);
      assert.ok(sockets.every((s) => s.keepalive && s.timerExpiresMs > 20_000 && s.timerExpiresMs <= 30_000));
      assert.equal(daemon.scanOnce().length, 0, "covered sockets no longer match");
      assert.match(
        await registry.metrics(),
        new RegExp(`idlereap_established_without_keepalive_sockets\\{netns="${ns.name}"\\} 2\\b`),
        "only the server sides are left without keepalive",
      );
      assert.equal((await events(f)).length, 0, "the connections stay up");
    });
  });
});

test("a namespace deleted while the daemon runs is reported and the others are still scanned", async (t) => {
  if (!needsPrivilege(t)) return;
  const doomed: TestNetns = createNetns();
  try {
    await withNetns(async (ns) => {
      await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 1 })]);
      const yaml = `
namespaces: [${ns.name}, ${doomed.name}]
rules:
  - name: count
    match: { state: listen }
    action: report
`;
      await withDaemon(yaml, async (daemon, { registry, logs }) => {
        assert.equal(daemon.scanOnce().length, 1);
        await destroyNetns(doomed);
        daemon.scanOnce();
        assert.ok(
          logs.some((l) => l.includes(doomed.name)),
          logs.join("\n"),
        );
        const text = await registry.metrics();
        assert.match(text, new RegExp(`idlereap_scan_errors_total\\{netns="${doomed.name}"\\} 1`));
        assert.match(text, new RegExp(`idlereap_sockets\\{netns="${ns.name}",state="listen"\\} 1`));
        assert.ok(!text.includes(`idlereap_sockets{netns="${doomed.name}"`), "its series are dropped");
        assert.match(text, /idlereap_scans_total 2/);
      });
    });
  } finally {
    await destroyNetns(doomed);
  }
});

test("a rule skipped until its idle horizon still closes the connection once it is due", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 1 })]);
    const yaml = `
interval: 100ms
namespaces: [${ns.name}]
rules:
  - name: idle
    match: { state: established, dport: ${f.ready.port}, idle: 900ms }
    action: abort
`;
    await withDaemon(
      yaml,
      async (daemon) => {
        const started = Date.now();
        assert.equal(daemon.scanOnce().length, 0, "not idle long enough yet");
        let closedAt: number | undefined;
        while (closedAt === undefined && Date.now() - started < 5000) {
          await sleep(100);
          if (daemon.scanOnce().some((o) => o.result === "aborted")) closedAt = Date.now();
        }
        assert.ok(closedAt, "closed");
        assert.ok(
          closedAt - started < 900 + 100 + 500,
          `closed ${closedAt - started}ms after the first scan`,
        );
      },
      false,
      "30s",
    );
  });
});
