// The probe's per-socket work (probe/arming.ts) against real sockets whose owner set keepalive
// options of its own: read through duplicates, armed, and put back exactly.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type KeepaliveOptions, readKeepaliveOptions } from "../../src/kernel/keepalive-options.js";
import { close } from "../../src/kernel/libc.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import type { ArmTarget } from "../../src/probe/arming.js";
import { Arming } from "../../src/probe/arming.js";
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

test("arming: every socket is read, armed and put back exactly", async (t) => {
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
    const arming = new Arming();
    const closer = new Closer(new Map([[ref.name, ref]]));
    try {
      const before = optionsNow(closer, sockets);
      assert.ok(before.every((o) => o.enabled && o.idleS === 30));
      const targets = sockets.map(target);
      const reads = arming.read(targets);
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
      const armed = arming.arm(probing);
      assert.ok(
        armed.every((a) => a !== undefined && "at" in a),
        JSON.stringify(armed.find((a) => !a || !("at" in a))),
      );
      assert.deepEqual(
        optionsNow(closer, sockets),
        sockets.map(() => probing),
      );
      const back = arming.putBack(
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
      arming.release();
    }
  });
});
