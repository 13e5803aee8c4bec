import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { runCli } from "../helpers/cli.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  groups: Record<string, number[]>;
}

async function ls(ns: TestNetns | string, ...args: string[]): Promise<TcpSocket[]> {
  const name = typeof ns === "string" ? ns : ns.name;
  const r = await runCli(["ls", "--netns", name, "--json", ...args]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as TcpSocket[];
}

test("ls --json lists every field and agrees with ss", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2, closeWait: 1 })]);
    const rows = await ls(ns, "--state", "all");
    const ssLines = ns.exec("ss", ["-tanH"]).trim().split("\n");
    assert.equal(rows.length, ssLines.length);
    const fields =
      "netns family state localAddress localPort remoteAddress remotePort recvQ sendQ idleMs lastSendMs lastRecvMs lastAckMs rttMs unacked retransmits timer keepalive inode cookie uid pid fd command cgroup";
    for (const key of fields.split(" ")) assert.ok(key in (rows[0] as object), `field ${key}`);
    for (const r of rows) {
      assert.equal(r.netns, ns.name);
      assert.equal(r.pid, f.pid, `${r.state} ${r.localPort} owned by the fixture`);
      assert.equal(r.command, "node");
      assert.ok((r.fd ?? -1) > 2);
    }
    assert.equal(rows.filter((r) => r.state === "close-wait").length, 1);
    assert.equal(rows.filter((r) => r.state === "listen").length, 1);
  });
});

test("ls filters select what they say", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const a = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 3, active: 2, keepalive: 1 })]);
    const b = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ host: "::1", idle: 2, closeWait: 1 })]);
    await new Promise((r) => setTimeout(r, 700));

    const est = await ls(ns, "--state", "established");
    assert.ok(est.every((r) => r.state === "established"));
    assert.equal(est.length, (3 + 2 + 1 + 2) * 2);

    const byPort = await ls(ns, "--port", String(a.ready.port));
    assert.equal(byPort.length, (3 + 2 + 1) * 2);
    assert.ok(byPort.every((r) => r.localPort === a.ready.port || r.remotePort === a.ready.port));

    const sport = await ls(ns, "--sport", String(a.ready.port));
    assert.ok(sport.length === 6 && sport.every((r) => r.localPort === a.ready.port));
    const dport = await ls(ns, "--dport", String(a.ready.port));
    assert.ok(dport.length === 6 && dport.every((r) => r.remotePort === a.ready.port));

    const idle = await ls(ns, "--port", String(a.ready.port), "--idle-over", "500ms");
    const activePorts = new Set(a.ready.groups.active);
    assert.ok(idle.length >= 6);
    assert.ok(
      idle.every((r) => !activePorts.has(r.localPort) && !activePorts.has(r.remotePort)),
      "active ones are not idle",
    );

    const v6 = await ls(ns, "--src", "::1/128");
    assert.ok(v6.length > 0 && v6.every((r) => r.family === 6 && r.localAddress === "::1"));
    assert.equal((await ls(ns, "--dst", "10.0.0.0/8")).length, 0);

    const byPid = await ls(ns, "--pid", String(b.pid), "--state", "all");
    assert.ok(byPid.length > 0 && byPid.every((r) => r.pid === b.pid));
    assert.equal((await ls(ns, "--comm", "nosuchprogram")).length, 0);
    assert.equal((await ls(ns, "--comm", "no*")).length, est.length + 2);

    const ka = await ls(ns, "--keepalive", "on");
    assert.equal(ka.length, 1);
    assert.equal(ka[0]?.localPort, a.ready.groups.keepalive?.[0]);

    const sorted = await ls(ns, "--sort", "idle", "--limit", "3");
    assert.equal(sorted.length, 3);
    assert.ok((sorted[0]?.idleMs ?? 0) >= (sorted[2]?.idleMs ?? 0));

    const fast = await ls(ns, "--no-process");
    assert.ok(fast.every((r) => r.pid === null));
    // The streaming writer (kernel order) and the collecting path (--limit) agree.
    const collected = await ls(ns, "--no-process", "--limit", "100000");
    const stable = (rows: TcpSocket[]) =>
      rows
        .map((r) => ({
          id: [
            r.cookie,
            r.inode,
            r.state,
            r.family,
            r.localAddress,
            r.localPort,
            r.remoteAddress,
            r.remotePort,
          ],
          owner: [r.netns, r.uid, r.cgroup, r.pid],
          keys: Object.keys(r).join(),
        }))
        .sort((x, y) => Number(BigInt(x.id[0] as string) - BigInt(y.id[0] as string)));
    assert.deepEqual(stable(fast), stable(collected));
  });
});

test("ls --netns all finds sockets in two namespaces", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (one) => {
    await withNetns(async (two) => {
      const f1 = await one.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 1 })]);
      const f2 = await two.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
      const rows = await ls("all", "--state", "established");
      const inOne = rows.filter((r) => r.netns === one.name);
      const inTwo = rows.filter((r) => r.netns === two.name);
      assert.equal(inOne.length, 2);
      assert.equal(inTwo.length, 4);
      assert.ok(inOne.every((r) => r.pid === f1.pid));
      assert.ok(inTwo.every((r) => r.pid === f2.pid));
    });
  });
});

test("bad flags get a clear message and exit 2", async () => {
  const cases: [string[], RegExp][] = [
    [["ls", "--port", "http"], /--port: "http" is not a port/],
    [["ls", "--state", "establishd"], /unknown state "establishd"/],
    [["ls", "--idle-over", "5 minutes"], /--idle-over: "5 minutes" is not a duration/],
    [["ls", "--src", "10.0.0.0/40"], /prefix must be 0..32/],
    [["ls", "--sort", "size"], /--sort: "size" is not one of/],
    [["ls", "--limit", "0"], /--limit/],
    [["ls", "--keepalive", "maybe"], /--keepalive/],
    [["ls", "--netns", "no-such-namespace-here"], /network namespace "no-such-namespace-here" not found/],
    [["status", "--fail-on", "bad"], /--fail-on/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(args);
    assert.match(r.stderr, message, args.join(" "));
    assert.notEqual(r.code, 0, args.join(" "));
    assert.equal(r.code, 2, args.join(" "));
  }
  const unknown = await runCli(["ls", "--bogus"]);
  assert.equal(unknown.code, 2);
});
