// The liveness probe against real peers across two namespaces joined by veth: peers cut off by an
// nft drop in their own namespace come back dead, the others alive, and every socket's keepalive
// options read back exactly as before. A probe killed mid-way is undone by the next one.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { resolveNetns } from "../../src/kernel/netns.js";
import { probeLiveness } from "../../src/probe/liveness.js";
import { collectSockets } from "../../src/scan/collect.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { runCli } from "../helpers/cli.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";
import { blackholePorts, withVethPair } from "../helpers/veth.js";

const PEERS = new URL("../fixtures/peers.mjs", import.meta.url).pathname;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Ready {
  pid: number;
  port: number;
  localPorts: number[];
}

interface ProbeJson {
  summary: { alive: number; dead: number; unknown: number; notRestored: number };
  connections: {
    remotePort: number;
    liveness: string;
    unanswered: number | null;
    restored: boolean;
    before: {
      enabled: boolean;
      idleS: number;
      intervalS: number;
      count: number;
      userTimeoutMs: number;
    } | null;
  }[];
}

/** Keepalive timers armed on the server side of the connections to `port`, as ss shows them. */
function keepaliveTimers(ns: TestNetns, port: number): number {
  const out = ns.exec("ss", ["-tanoH", "state", "established", `( sport = :${port} )`]);
  return out.split("\n").filter((l) => l.includes("timer:(keepalive")).length;
}

/**
 * Starts a probe of `ns` that cannot finish soon (50 probes against silent peers) and resolves once
 * its journal is written and its options are set: the state a kill or a signal interrupts.
 */
async function probeInFlight(ns: TestNetns, runDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "src/cli/dev-entry.ts", "probe", "--netns", ns.name, "--probes", "50"],
    { cwd: ROOT, env: { ...process.env, IDLEREAP_RUN_DIR: runDir }, stdio: "ignore" },
  );
  const journalDir = join(runDir, "probes");
  const deadline = Date.now() + 20_000;
  while (!(existsSync(journalDir) && readdirSync(journalDir).some((f) => f.endsWith(".json")))) {
    assert.ok(Date.now() < deadline, "the probe wrote its journal");
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 300));
  return child;
}

test("probe: blackholed peers are dead, the others alive, and every option is put back", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(PEERS, [JSON.stringify({ listen: nearAddress })]);
    const client = await far.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ connect: nearAddress, port: server.ready.port, count: 8 }),
    ]);
    const dead = client.ready.localPorts.slice(0, 3);
    blackholePorts(far, dead);
    assert.equal(keepaliveTimers(near, server.ready.port), 0);

    const r = await runCli(["probe", "--netns", near.name, "--sport", String(server.ready.port), "--json"], {
      IDLEREAP_RUN_DIR: mkdtempSync(join(tmpdir(), "irt-run-")),
    });
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as ProbeJson;
    assert.deepEqual(report.summary, { alive: 5, dead: 3, unknown: 0, notRestored: 0 });
    for (const c of report.connections) {
      assert.equal(c.liveness, dead.includes(c.remotePort) ? "dead" : "alive", `peer port ${c.remotePort}`);
      assert.equal(c.restored, true);
      assert.equal(c.before?.enabled, false);
    }
    assert.equal(keepaliveTimers(near, server.ready.port), 0, "keepalive is off again, as before");
    // The dead peers' connections are still there: a probe classifies, it does not close.
    const established = near.exec("ss", [
      "-tanH",
      "state",
      "established",
      `( sport = :${server.ready.port} )`,
    ]);
    assert.equal(established.trim().split("\n").length, 8);

    // Probed again: the kernel still counts the first probe's unanswered probes (only an ACK resets
    // them), but the report counts the probes this probe sent.
    const again = await runCli(
      ["probe", "--netns", near.name, "--sport", String(server.ready.port), "--json"],
      {
        IDLEREAP_RUN_DIR: mkdtempSync(join(tmpdir(), "irt-run-")),
      },
    );
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as ProbeJson;
    assert.deepEqual(second.summary, { alive: 5, dead: 3, unknown: 0, notRestored: 0 });
    for (const c of second.connections) {
      if (c.liveness === "dead") assert.equal(c.unanswered, 3, `peer port ${c.remotePort}`);
    }
  });
});

test("probe: an application's own keepalive settings survive the probe exactly", async (t) => {
  if (!needsPrivilege(t)) return;
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ listen: nearAddress, keepaliveMs: 45_000 }),
    ]);
    await far.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ connect: nearAddress, port: server.ready.port, count: 2 }),
    ]);
    const first = await runCli(
      ["probe", "--netns", near.name, "--sport", String(server.ready.port), "--json"],
      {
        IDLEREAP_RUN_DIR: mkdtempSync(join(tmpdir(), "irt-run-")),
      },
    );
    assert.equal(first.code, 0, first.stderr);
    const report = JSON.parse(first.stdout) as ProbeJson;
    assert.equal(report.summary.alive, 2);
    for (const c of report.connections) {
      // Node's setKeepAlive(true, 45 s): SO_KEEPALIVE and TCP_KEEPIDLE 45; libuv sets 1 s and 10 probes.
      assert.deepEqual(c.before, { enabled: true, idleS: 45, intervalS: 1, count: 10, userTimeoutMs: 0 });
    }
    const again = JSON.parse(
      (
        await runCli(["probe", "--netns", near.name, "--sport", String(server.ready.port), "--json"], {
          IDLEREAP_RUN_DIR: mkdtempSync(join(tmpdir(), "irt-run-")),
        })
      ).stdout,
    ) as ProbeJson;
    for (const c of again.connections) assert.deepEqual(c.before, report.connections[0]?.before);
  });
});

test("probe: a probe killed mid-way is undone by the next one from its journal", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  const runDir = mkdtempSync(join(tmpdir(), "irt-run-"));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(PEERS, [JSON.stringify({ listen: nearAddress })]);
    const client = await far.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ connect: nearAddress, port: server.ready.port, count: 4 }),
    ]);
    blackholePorts(far, client.ready.localPorts); // unanswered, the probe is still out when it is killed
    const child = await probeInFlight(near, runDir);
    const journalDir = join(runDir, "probes");
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.equal(keepaliveTimers(near, server.ready.port), 4, "the killed probe left keepalive on");

    const r = await runCli(["probe", "--recover", "--json"], { IDLEREAP_RUN_DIR: runDir });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { restored: 4, gone: 0, failed: [] });
    assert.equal(keepaliveTimers(near, server.ready.port), 0);
    assert.deepEqual(readdirSync(journalDir), []);
  });
});

test("probe: a probe killed mid-way is undone when the daemon starts (a killed daemon's restart)", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  const runDir = mkdtempSync(join(tmpdir(), "irt-run-"));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(PEERS, [JSON.stringify({ listen: nearAddress })]);
    const client = await far.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ connect: nearAddress, port: server.ready.port, count: 2 }),
    ]);
    blackholePorts(far, client.ready.localPorts);
    const child = await probeInFlight(near, runDir);
    child.kill("SIGKILL");
    await new Promise((r) => child.once("exit", r));
    assert.equal(keepaliveTimers(near, server.ready.port), 2, "the killed probe left keepalive on");

    const policy = join(runDir, "policy.yaml");
    writeFileSync(
      policy,
      `namespaces: [${near.name}]\nmetrics: { enabled: false }\naudit: { file: ${join(runDir, "audit.jsonl")} }\nrules:\n  - name: l\n    match: { state: listen }\n`,
    );
    const r = await runCli(["run", "--once", "--config", policy], { IDLEREAP_RUN_DIR: runDir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /an interrupted probe had changed 2 connection\(s\): 2 put back, 0 gone, 0 failed/,
    );
    assert.equal(keepaliveTimers(near, server.ready.port), 0);
    assert.deepEqual(readdirSync(join(runDir, "probes")), []);
  });
});

test("probe: SIGTERM ends the probe early and puts every option back before exiting", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  const runDir = mkdtempSync(join(tmpdir(), "irt-run-"));
  t.after(() => rmSync(runDir, { recursive: true, force: true }));
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(PEERS, [JSON.stringify({ listen: nearAddress })]);
    const client = await far.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ connect: nearAddress, port: server.ready.port, count: 3 }),
    ]);
    blackholePorts(far, client.ready.localPorts);
    const child = await probeInFlight(near, runDir);
    const journalDir = join(runDir, "probes");
    assert.equal(keepaliveTimers(near, server.ready.port), 3, "the probe is out");
    child.kill("SIGTERM");
    const code = await new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
    assert.equal(code, 130);
    assert.equal(keepaliveTimers(near, server.ready.port), 0);
    assert.deepEqual(readdirSync(journalDir), []);
  });
});

test("probe: found through dumps of the table as well as by lookups, the same peers are dead", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(PEERS, [JSON.stringify({ listen: nearAddress })]);
    const client = await far.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ connect: nearAddress, port: server.ready.port, count: 6 }),
    ]);
    const dead = client.ready.localPorts.slice(0, 2);
    blackholePorts(far, dead);
    const ref = resolveNetns(near.name);
    const { sockets } = collectSockets([ref], {
      filter: compileFilter({ states: ["established"], sports: [server.ready.port] }),
      owners: true,
    });
    // lookupAtMost 0: every poll dumps the namespace's table (what a probe of thousands does).
    const results = await probeLiveness(sockets, new Map([[ref.name, ref]]), { lookupAtMost: 0 });
    assert.deepEqual(
      results.map((r) => [r.socket.remotePort, r.liveness, r.restored]).sort(),
      sockets.map((s) => [s.remotePort, dead.includes(s.remotePort) ? "dead" : "alive", true]).sort(),
    );
  });
});

test("probe: more connections than the descriptor limit allows at once are probed in batches", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "prlimit")) return;
  await withNetns(async (ns) => {
    const server = await ns.spawnFixture<Ready>(PEERS, [JSON.stringify({ listen: "127.0.0.1" })]);
    await ns.spawnFixture(PEERS, [
      JSON.stringify({ connect: "127.0.0.1", port: server.ready.port, count: 300 }),
    ]);
    // 256 descriptors in all: fewer than the 300 duplicates one batch would hold.
    const child = spawnSync(
      "prlimit",
      ["--nofile=256:256", process.execPath, "--import", "tsx", "src/cli/dev-entry.ts"].concat([
        "probe",
        "--netns",
        ns.name,
        "--sport",
        String(server.ready.port),
        "--json",
      ]),
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, IDLEREAP_RUN_DIR: mkdtempSync(join(tmpdir(), "irt-run-")) },
      },
    );
    assert.equal(child.status, 0, child.stderr);
    const report = JSON.parse(child.stdout) as ProbeJson;
    assert.deepEqual(report.summary, { alive: 300, dead: 0, unknown: 0, notRestored: 0 });
  });
});
