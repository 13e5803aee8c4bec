import assert from "node:assert/strict";
import { test } from "node:test";
import type { KernelError } from "../../src/errors.js";
import { compileBytecode } from "../../src/kernel/inet-diag-bytecode.js";
import type { DiagMessageView } from "../../src/kernel/inet-diag-codec.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import { DiagSocket } from "../../src/kernel/sock-diag.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

interface Ready {
  port: number;
  groups: Record<string, number[]>;
}

function dumpAll(ns: TestNetns, visit: (v: DiagMessageView) => void, bytecode?: Buffer): void {
  const sock = DiagSocket.open(resolveNetns(ns.name));
  try {
    for (const family of [4, 6] as const) sock.dump({ family, states: 0xfff, info: true, bytecode }, visit);
  } finally {
    sock.close();
  }
}

function ssCounts(ns: TestNetns): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of ns.exec("ss", ["-tanH"]).trim().split("\n")) {
    const state = (line.split(/\s+/)[0] as string).toLowerCase().replace("estab", "established");
    counts.set(state, (counts.get(state) ?? 0) + 1);
  }
  return counts;
}

test("the dump's counts by state agree with ss", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    await ns.spawnFixture(new URL("../fixtures/conns.mjs", import.meta.url).pathname, [
      JSON.stringify({ idle: 5, active: 2, closeWait: 3, keepalive: 2 }),
    ]);
    await ns.spawnFixture(new URL("../fixtures/conns.mjs", import.meta.url).pathname, [
      JSON.stringify({ host: "::1", idle: 3 }),
    ]);
    const ours = new Map<string, number>();
    dumpAll(ns, (v) => ours.set(v.state, (ours.get(v.state) ?? 0) + 1));
    assert.deepEqual(ours, ssCounts(ns));
    assert.equal(ours.get("close-wait"), 3);
    assert.equal(ours.get("fin-wait-2"), 3);
    assert.equal(ours.get("listen"), 2);
    assert.equal(ours.get("established"), (5 + 2 + 2 + 3) * 2);
  });
});

test("idle and active connections are told apart, keepalive and queues are seen", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(new URL("../fixtures/conns.mjs", import.meta.url).pathname, [
      JSON.stringify({ idle: 3, active: 3, keepalive: 1, unread: 1 }),
    ]);
    await new Promise((r) => setTimeout(r, 600));
    const byClientPort = new Map<number, { idle: number; ka: boolean; recvQ: number; sendQ: number }>();
    dumpAll(ns, (v) => {
      if (v.state !== "established" || v.remotePort !== f.ready.port) return;
      byClientPort.set(v.localPort, {
        idle: v.idleMs as number,
        ka: v.timer === "keepalive",
        recvQ: v.recvQ,
        sendQ: v.sendQ,
      });
    });
    for (const p of f.ready.groups.idle ?? [])
      assert.ok((byClientPort.get(p)?.idle ?? 0) >= 500, `idle ${p}`);
    for (const p of f.ready.groups.active ?? [])
      assert.ok((byClientPort.get(p)?.idle ?? 1e9) < 300, `active ${p}`);
    for (const p of f.ready.groups.keepalive ?? []) assert.equal(byClientPort.get(p)?.ka, true);
    for (const p of f.ready.groups.idle ?? []) assert.equal(byClientPort.get(p)?.ka, false);
    let serverRecvQ = 0;
    dumpAll(ns, (v) => {
      if (v.localPort === f.ready.port && f.ready.groups.unread?.includes(v.remotePort))
        serverRecvQ = v.recvQ;
    });
    assert.ok(serverRecvQ > 0, "unread data shows in the server side's receive queue");
  });
});

test("the kernel accepts compiled bytecode and returns exactly the matching sockets", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const a = await ns.spawnFixture<Ready>(new URL("../fixtures/conns.mjs", import.meta.url).pathname, [
      JSON.stringify({ idle: 4 }),
    ]);
    await ns.spawnFixture<Ready>(new URL("../fixtures/conns.mjs", import.meta.url).pathname, [
      JSON.stringify({ idle: 6 }),
    ]);
    const port = a.ready.port;
    const bc = compileBytecode([
      [
        { kind: "sport", port },
        { kind: "dport", port },
      ],
    ]);
    let n = 0;
    dumpAll(
      ns,
      (v) => {
        n++;
        assert.ok(v.localPort === port || v.remotePort === port);
      },
      bc,
    );
    assert.equal(n, 1 + 4 * 2, "listener and both ends of 4 connections");
  });
});

test("one dump of both families (TCPDIAG_GETSOCK) returns what the two per-family dumps return", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const conns = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
    const v4 = await ns.spawnFixture<Ready>(conns, [JSON.stringify({ idle: 3, closeWait: 1 })]);
    await ns.spawnFixture<Ready>(conns, [JSON.stringify({ host: "::1", idle: 2 })]);
    const key = (v: DiagMessageView) =>
      `${v.family} ${v.state} ${v.localPort} ${v.remotePort} ${v.idleMs !== undefined}`;
    const perFamily: string[] = [];
    dumpAll(ns, (v) => perFamily.push(key(v)));
    const both: string[] = [];
    const sock = DiagSocket.open(resolveNetns(ns.name));
    try {
      sock.dump({ family: 0, states: 0xfff, info: true }, (v) => both.push(key(v)));
      assert.deepEqual(both.sort(), perFamily.sort());
      assert.ok(both.some((k) => k.startsWith("6 ")) && both.some((k) => k.startsWith("4 ")));
      const port = v4.ready.port;
      const bc = compileBytecode([
        [
          { kind: "sport", port },
          { kind: "dport", port },
        ],
      ]);
      let n = 0;
      sock.dump({ family: 0, states: 0xfff, info: true, bytecode: bc }, (v) => {
        n++;
        assert.ok(v.localPort === port || v.remotePort === port);
      });
      assert.equal(n, 1 + 4 * 2, "the kernel applies bytecode to it too");
    } finally {
      sock.close();
    }
  });
});

test("SOCK_DESTROY aborts exactly the socket named by its cookie", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(new URL("../fixtures/conns.mjs", import.meta.url).pathname, [
      JSON.stringify({ idle: 2 }),
    ]);
    const victim = f.ready.groups.idle?.[0] as number;
    const survivor = f.ready.groups.idle?.[1] as number;
    const sock = DiagSocket.open(resolveNetns(ns.name));
    try {
      let id: ReturnType<DiagMessageView["sockId"]> | undefined;
      sock.dump({ family: 4, states: 1 << 1, info: false }, (v) => {
        if (v.localPort === victim) id = v.sockId();
      });
      assert.ok(id);
      assert.throws(
        () =>
          sock.destroy({
            ...(id as NonNullable<typeof id>),
            cookie: (id as NonNullable<typeof id>).cookie + 1n,
          }),
        (e: KernelError) => e.errno === 2,
        "a wrong cookie is refused (ENOENT)",
      );
      sock.destroy(id);
    } finally {
      sock.close();
    }
    await new Promise((r) => setTimeout(r, 100));
    f.send({ cmd: "events" });
    const { events } = await f.next<{
      events: { side: string; event: string; code?: string; port: number }[];
    }>();
    assert.ok(
      events.some(
        (e) => e.side === "client" && e.port === victim && e.event === "error" && e.code === "ECONNABORTED",
      ),
    );
    assert.ok(!events.some((e) => e.port === survivor));
  });
});

test("lookups by id find exactly the sockets still there, in batches larger than one send", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const peers = new URL("../fixtures/peers.mjs", import.meta.url).pathname;
    const server = await ns.spawnFixture<{ port: number }>(peers, [JSON.stringify({ listen: "127.0.0.1" })]);
    await ns.spawnFixture(peers, [
      JSON.stringify({ connect: "127.0.0.1", port: server.ready.port, count: 300 }),
    ]);
    const sock = DiagSocket.open(resolveNetns(ns.name));
    try {
      const ids: ReturnType<DiagMessageView["sockId"]>[] = [];
      sock.dump({ family: 4, states: 1 << 1, info: false }, (v) => {
        ids.push(v.sockId());
      });
      assert.equal(ids.length, 600);
      // Each socket by its id, and by its id with a wrong cookie (ENOENT): 1200 lookups, five sends.
      const wrong = ids.map((id) => ({ ...id, cookie: id.cookie + 1_000_000n }));
      const found: bigint[] = [];
      let withInfo = 0;
      sock.lookup([...ids, ...wrong], true, (v) => {
        found.push(v.cookie);
        if (v.rttMs !== undefined) withInfo++;
      });
      assert.deepEqual(found.sort(), ids.map((id) => id.cookie).sort());
      assert.equal(withInfo, 600);
    } finally {
      sock.close();
    }
  });
});
