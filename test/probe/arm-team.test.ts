// The probe's per-socket work shared with a worker thread: every socket is read, armed and put back
// whichever thread holds it, against real sockets whose owner set keepalive options of its own.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type KeepaliveOptions, readKeepaliveOptions } from "../../src/kernel/keepalive-options.js";
import { close } from "../../src/kernel/libc.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { ArmTeam } from "../../src/probe/arm-team.js";
import type { ArmTarget } from "../../src/probe/arming.js";
import { Closer } from "../../src/reap/closer.js";
import { collectSockets } from "../../src/scan/collect.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const PEERS = new URL("../fixtures/peers.mjs", import.meta.url).pathname;
const CONNECTIONS = 40;

interface Ready {
  port: number;
}

const target = (s: TcpSocket): ArmTarget => ({
  pid: s.pid as number,
  fd: s.fd as number,
  inode: s.inode,
  cookie: s.cookie,
  command: s.command,
});

/** What each socket holds now, read through a duplicate of its owner's descriptor. */
function optionsNow(closer: Closer, sockets: readonly TcpSocket[]): KeepaliveOptions[] {
  return sockets.map((s) => {
    const dup = closer.duplicate(s);
    assert.ok("fd" in dup, JSON.stringify(dup));
    try {
      return readKeepaliveOptions(dup.fd);
    } finally {
      close(dup.fd);
    }
  });
}

test("arm team: a worker thread's share is read, armed and put back like this thread's", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    // The server sets keepalive itself (30 s idle), so "before" is not the kernel's default.
    const server = await ns.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ listen: "127.0.0.1", keepaliveMs: 30_000 }),
    ]);
    await ns.spawnFixture(PEERS, [
      JSON.stringify({ connect: "127.0.0.1", port: server.ready.port, count: CONNECTIONS }),
    ]);
    const ref = resolveNetns(ns.name);
    const { sockets } = collectSockets([ref], {
      filter: compileFilter({ states: ["established"], sports: [server.ready.port] }),
      owners: true,
    });
    assert.equal(sockets.length, CONNECTIONS);
    const team = new ArmTeam({ threads: 1, minShare: 1 });
    const closer = new Closer(new Map([[ref.name, ref]]));
    try {
      const deadline = Date.now() + 20_000;
      while (team.workersUp < 1) {
        assert.ok(Date.now() < deadline, "the worker thread came up");
        await new Promise((r) => setTimeout(r, 20));
      }
      const before = optionsNow(closer, sockets);
      assert.ok(before.every((o) => o.enabled && o.idleS === 30));
      const targets = sockets.map(target);
      const reads = await team.read(targets);
      assert.deepEqual(
        reads.map((r) => ("before" in r ? r.before : r.failed)),
        before,
      );
      const probing: KeepaliveOptions = {
        enabled: true,
        idleS: 1,
        intervalS: 1,
        count: 127,
        userTimeoutMs: 0,
      };
      const armed = await team.arm(probing, before, targets);
      assert.ok(
        armed.every((a) => a !== undefined && "at" in a),
        JSON.stringify(armed.find((a) => !a || !("at" in a))),
      );
      // Both halves were armed: the worker's as well as this thread's.
      assert.deepEqual(
        optionsNow(closer, sockets),
        sockets.map(() => probing),
      );
      const back = await team.putBack(
        targets.map((tg, i) => ({ target: tg, before: before[i] as KeepaliveOptions })),
        probing,
      );
      assert.deepEqual(
        back,
        sockets.map(() => ({ restored: true })),
      );
      assert.deepEqual(optionsNow(closer, sockets), before);
    } finally {
      closer.release();
      await team.close();
    }
  });
});
