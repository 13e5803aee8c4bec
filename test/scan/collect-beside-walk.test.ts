// The owner walk on a worker thread beside the dump attributes every socket exactly as the walk on
// the calling thread does.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveNetns } from "../../src/kernel/netns.js";
import { OwnerWalkPool } from "../../src/proc/owner-walk-pool.js";
import { collectSockets, collectSocketsBesideWalk } from "../../src/scan/collect.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const PEERS = new URL("../fixtures/peers.mjs", import.meta.url).pathname;

test("collect beside a walker thread: the same sockets with the same owners", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const server = await ns.spawnFixture<{ port: number; pid: number }>(PEERS, [
      JSON.stringify({ listen: "127.0.0.1" }),
    ]);
    const client = await ns.spawnFixture<{ pid: number }>(PEERS, [
      JSON.stringify({ connect: "127.0.0.1", port: server.ready.port, count: 50 }),
    ]);
    const ref = resolveNetns(ns.name);
    const options = { filter: compileFilter({ states: ["established"] }), owners: true } as const;
    const pool = new OwnerWalkPool({ threads: 1, minDescriptors: 0 });
    try {
      const beside = await collectSocketsBesideWalk([ref], options, pool);
      assert.equal(pool.running, 1, "the walk ran on the worker thread");
      const here = collectSockets([ref], options);
      const owners = (c: typeof here) =>
        c.sockets.map((s) => `${s.localPort}>${s.remotePort} ${s.pid}/${s.fd} ${s.command}`).sort();
      assert.equal(beside.sockets.length, 100);
      assert.deepEqual(owners(beside), owners(here));
      const pids = new Set(beside.sockets.map((s) => s.pid));
      assert.deepEqual([...pids].sort(), [server.ready.pid, client.ready.pid].sort());
    } finally {
      await pool.close();
    }
  });
});
