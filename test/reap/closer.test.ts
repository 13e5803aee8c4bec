import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { close } from "../../src/kernel/libc.js";
import { type NetnsRef, resolveNetns } from "../../src/kernel/netns.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { Closer } from "../../src/reap/closer.js";
import { Escalations } from "../../src/reap/escalations.js";
import type { ActionKind, Outcome } from "../../src/reap/outcome.js";
import { planActions } from "../../src/reap/plan.js";
import { Protection } from "../../src/reap/protect.js";
import { carryOut } from "../../src/reap/reaper.js";
import { waitForEscalations } from "../../src/reap/wait-escalations.js";
import { collectSockets } from "../../src/scan/collect.js";
import { compileFilter, type SocketFilterSpec } from "../../src/select/socket-filter.js";
import { type Fixture, type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { sharedFixture } from "../helpers/shared-fixture.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const REAP_ONE = new URL("../fixtures/reap-one.ts", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  groups: Record<string, number[]>;
}
interface FixtureEvent {
  side: "client" | "server";
  event: string;
  code?: string;
  port: number;
}

function scan(ns: TestNetns, spec: SocketFilterSpec): { ref: NetnsRef; sockets: TcpSocket[] } {
  const ref = resolveNetns(ns.name);
  const { sockets } = collectSockets([ref], { filter: compileFilter(spec), owners: true });
  return { ref, sockets };
}

async function act(
  ref: NetnsRef,
  sockets: TcpSocket[],
  action: ActionKind,
  options: { graceMs?: number; protection?: Protection; force?: boolean } = {},
): Promise<Outcome[]> {
  const closer = new Closer(new Map([[ref.name, ref]]));
  const escalations = new Escalations();
  const plan = planActions(
    sockets.map((socket) => ({
      socket,
      action,
      force: options.force ?? false,
      graceMs: options.graceMs ?? 2000,
      allowAbort: false,
    })),
    { protection: options.protection ?? new Protection() },
  );
  try {
    const outcomes = carryOut(plan.act, { closer, escalations, dryRun: false });
    await waitForEscalations(escalations, closer);
    return [...outcomes, ...plan.skipped];
  } finally {
    closer.release();
  }
}

async function events(f: Fixture<Ready>): Promise<FixtureEvent[]> {
  await new Promise((r) => setTimeout(r, 150));
  f.send({ cmd: "events" });
  return (await f.next<{ events: FixtureEvent[] }>()).events;
}

const clientSide = (f: Fixture<Ready>): SocketFilterSpec => ({
  states: "established",
  dports: [f.ready.port],
});

test("graceful close: the peer gets FIN and the owner EOF, not an error", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 3 })]);
    const { ref, sockets } = scan(ns, clientSide(f));
    assert.equal(sockets.length, 3);
    const outcomes = await act(ref, sockets, "close");
    assert.deepEqual(
      outcomes.map((o) => o.result),
      ["closed", "closed", "closed"],
    );
    const seen = await events(f);
    for (const port of f.ready.groups.idle ?? []) {
      const mine = seen.filter((e) => e.port === port);
      assert.ok(
        mine.some((e) => e.side === "client" && e.event === "end"),
        `owner EOF on ${port}`,
      );
      assert.ok(
        mine.some((e) => e.side === "server" && e.event === "end"),
        `peer FIN on ${port}`,
      );
      assert.ok(!mine.some((e) => e.event === "error"), `no error on ${port}: ${JSON.stringify(mine)}`);
    }
  });
});

test("abort: the owner gets ECONNABORTED and the peer RST", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
    const { ref, sockets } = scan(ns, clientSide(f));
    const outcomes = await act(ref, sockets, "abort");
    assert.deepEqual(
      outcomes.map((o) => o.result),
      ["aborted", "aborted"],
    );
    const seen = await events(f);
    for (const port of f.ready.groups.idle ?? []) {
      assert.ok(seen.some((e) => e.side === "client" && e.port === port && e.code === "ECONNABORTED"));
      assert.ok(seen.some((e) => e.side === "server" && e.port === port && e.code === "ECONNRESET"));
    }
  });
});

test("active connections, queued data and protected ports survive an idle filter", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2, active: 3, unread: 1 })]);
    const ssh = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ port: 22, idle: 2 })]);
    await new Promise((r) => setTimeout(r, 1100));
    const { ref, sockets } = scan(ns, { states: "established", idleOverMs: 900 });
    const outcomes = await act(ref, sockets, "close");
    const byPort = (port: number) =>
      outcomes.filter((o) => o.socket.localPort === port || o.socket.remotePort === port);
    for (const port of f.ready.groups.active ?? [])
      assert.equal(byPort(port).length, 0, "active not matched");
    for (const port of f.ready.groups.unread ?? []) {
      assert.ok(byPort(port).length > 0);
      for (const o of byPort(port)) assert.equal(o.reason, "queued-data");
    }
    for (const port of ssh.ready.groups.idle ?? []) {
      for (const o of byPort(port)) assert.equal(o.reason, "protected-port");
    }
    const idle = new Set(f.ready.groups.idle);
    // The fixture's server ends are half-open (allowHalfOpen) and never closed by it: "closed-held".
    const closed = outcomes.filter((o) => o.result === "closed" || o.result === "closed-held");
    // Closing one end lets the fixture close the other itself, sometimes before we get to it.
    assert.ok(closed.length >= 2, "at least one end of each idle connection");
    for (const o of outcomes.filter((x) => idle.has(x.socket.localPort) || idle.has(x.socket.remotePort))) {
      assert.ok(
        o.result === "closed" ||
          o.result === "closed-held" ||
          o.reason === "gone" ||
          o.reason === "identity-changed",
        JSON.stringify(o),
      );
    }
    for (const o of closed) assert.ok(idle.has(o.socket.localPort) || idle.has(o.socket.remotePort));
    const seen = await events(f);
    for (const port of [...(f.ready.groups.active ?? []), ...(f.ready.groups.unread ?? [])]) {
      assert.ok(!seen.some((e) => e.port === port), `connection ${port} untouched`);
    }
    assert.deepEqual((await events(ssh)).length, 0);
  });
});

test("a graceful close the owner never completes is escalated to abort after the grace period", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
    const { ref, sockets } = scan(ns, clientSide(f));
    process.kill(f.pid, "SIGSTOP"); // a hung owner: the kernel answers the FIN, nobody closes
    try {
      const started = Date.now();
      const outcomes = await act(ref, sockets, "close", { graceMs: 400 });
      assert.deepEqual(
        outcomes.map((o) => o.result),
        ["escalated", "escalated"],
      );
      assert.ok(Date.now() - started >= 400);
    } finally {
      process.kill(f.pid, "SIGCONT");
    }
    const seen = await events(f);
    for (const port of f.ready.groups.idle ?? []) {
      assert.ok(seen.some((e) => e.side === "client" && e.port === port && e.code === "ECONNABORTED"));
    }
  });
});

test("a process that exits and a namespace deleted after the scan are reported, not fatal", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
    const { ref, sockets } = scan(ns, clientSide(f));
    await f.kill();
    const graceful = await act(ref, sockets, "close");
    assert.deepEqual(
      graceful.map((o) => [o.result, o.reason]),
      [
        ["skipped", "gone"],
        ["skipped", "gone"],
      ],
    );
    const aborted = await act(ref, sockets, "abort");
    assert.deepEqual(
      aborted.map((o) => o.reason),
      ["gone", "gone"],
    );
  });
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 1 })]);
    const { ref, sockets } = scan(ns, clientSide(f));
    await f.kill();
    execFileSync("ip", ["netns", "del", ns.name]);
    const outcomes = await act(ref, sockets, "abort");
    assert.equal(outcomes[0]?.result, "skipped");
    assert.equal(outcomes[0]?.reason, "gone");
    const rescan = collectSockets([ref], { filter: compileFilter({}), owners: true });
    assert.ok(rescan.namespaces[0]?.error, "the deleted namespace is reported by the scan");
  });
});

test("a descriptor that now holds another socket is not touched (identity check)", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
    const { ref, sockets } = scan(ns, clientSide(f));
    const [a, b] = sockets as [TcpSocket, TcpSocket];
    // a's descriptor, as if it now held b: checked by the cookie, which the scan knows.
    const swapped = { ...a, inode: b.inode, cookie: b.cookie };
    const [outcome] = await act(ref, [swapped], "close");
    assert.equal(outcome?.reason, "identity-changed");
    assert.match(
      outcome?.detail ?? "",
      new RegExp(`now socket cookie ${a.cookie}, not socket cookie ${b.cookie}`),
    );
    // Without a cookie (a probe journal knows only the inode), by the inode.
    const closer = new Closer(new Map([[ref.name, ref]]));
    try {
      const byInode = closer.duplicate({ pid: a.pid, fd: a.fd, inode: b.inode, command: a.command });
      assert.ok("result" in byInode && byInode.reason === "identity-changed", JSON.stringify(byInode));
      const same = closer.duplicate({ pid: a.pid, fd: a.fd, inode: a.inode, command: a.command });
      assert.ok("fd" in same, JSON.stringify(same));
      close(same.fd);
    } finally {
      closer.release();
    }
    assert.equal((await events(f)).length, 0);
  });
});

test("a refused pidfd_getfd is reported, and falls back to abort only when allowed", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    // The owner runs as another user; the closer runs as root without CAP_SYS_PTRACE, so the kernel
    // refuses it the ptrace-attach right pidfd_getfd needs.
    const child = spawn(
      "ip",
      ["netns", "exec", ns.name, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"].concat([
        process.execPath,
        sharedFixture(CONNS),
        JSON.stringify({ idle: 2 }),
      ]),
      { stdio: ["pipe", "pipe", "inherit"] },
    );
    try {
      const lines = createInterface({ input: child.stdout });
      const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      const [line] = (await Promise.race([
        once(lines, "line"),
        once(lines, "close").then(() => {
          throw new Error("the fixture exited before it was ready");
        }),
      ])) as [string];
      clearTimeout(killer);
      const ready = JSON.parse(line) as Ready;
      const { ref, sockets } = scan(ns, { states: "established", dports: [ready.port] });
      assert.equal(sockets.length, 2);
      assert.ok(sockets.every((s) => s.pid === ready.pid));
      const run = (socket: TcpSocket, allowAbort: boolean) =>
        JSON.parse(
          execFileSync(
            "setpriv",
            [
              "--inh-caps=-sys_ptrace",
              "--bounding-set=-sys_ptrace",
              process.execPath,
              "--import",
              "tsx",
            ].concat([REAP_ONE, JSON.stringify({ netns: ref, socket, allowAbort })]),
            { encoding: "utf8", timeout: 20_000 },
          ),
        );
      const refused = run(sockets[0] as TcpSocket, false);
      assert.equal(refused.result, "skipped");
      assert.equal(refused.reason, "pidfd-refused");
      assert.equal(refused.code, "IDLEREAP_ERR_REAP_PIDFD");
      const fellBack = run(sockets[1] as TcpSocket, true);
      assert.equal(fellBack.result, "aborted");
      assert.equal(fellBack.fellBack, true);
    } finally {
      child.kill("SIGKILL");
    }
  });
});
