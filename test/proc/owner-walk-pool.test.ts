import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { walkFds } from "../../src/proc/fd-walk.js";
import { OwnerWalkPool } from "../../src/proc/owner-walk-pool.js";
import { ArraySink, replayReply } from "../../src/proc/owner-walk-wire.js";
import { findSocketOwners, OwnerMapBuilder } from "../../src/proc/socket-owners.js";

const root = mkdtempSync(join(tmpdir(), "idlereap-pool-"));
after(() => rmSync(root, { recursive: true, force: true }));
function fakeProcess(pid: number, fds: Record<number, string>): void {
  mkdirSync(join(root, String(pid), "fd"), { recursive: true });
  for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(root, String(pid), "fd", fd));
}
fakeProcess(10, { 0: "/dev/null", 3: "socket:[1]", 4: "socket:[2]" });
fakeProcess(11, { 3: "socket:[1]", 5: "socket:[3]" });
fakeProcess(12, { 7: "socket:[4]", 8: "socket:[5]", 9: "socket:[6]" });
fakeProcess(13, { 4: "socket:[1]" });

function walkPart(id: number, pids: number[]) {
  const sink = new ArraySink();
  return sink.reply(id, walkFds({ procRoot: root, pids, wants: () => true }, sink));
}

test("replaying thread replies keeps the lowest pid and adds up holders", () => {
  const builder = new OwnerMapBuilder(undefined);
  const stats = { walked: 0, otherNetns: 0, unreadable: 0, links: 0, stopped: false };
  replayReply(builder, stats, walkPart(1, [11, 12]));
  replayReply(builder, stats, walkPart(2, [10, 13]));
  const merged = builder.finish(root, stats, performance.now());
  assert.deepEqual(merged.owners.get(1), { pid: 10, fd: 3, holders: 3, others: [11, 3, 13, 4] });
  assert.deepEqual(merged.owners.get(5), { pid: 12, fd: 8, holders: 1 });
  assert.equal(merged.owners.size, 6);
  assert.equal(merged.stats.walked, 4);
  assert.equal(merged.stats.links, 9);
  assert.equal(merged.processes.get(12)?.fds, 3);
  assert.equal(merged.processes.get(11)?.sockets, 1, "socket 1 moved to pid 10");
  assert.equal(merged.processes.get(10)?.sockets, 2);
});

test("the pool finds what the single-threaded walk finds", async () => {
  const pool = new OwnerWalkPool({ threads: 2, minDescriptors: 0 });
  try {
    const serial = findSocketOwners({ procRoot: root });
    const parallel = await pool.find({ procRoot: root });
    assert.equal(pool.running, 2);
    assert.deepEqual(new Map([...parallel.owners].sort()), new Map([...serial.owners].sort()));
    assert.equal(parallel.processes.size, serial.processes.size);
    const some = await pool.find({ procRoot: root, wanted: new Set([2, 6]) });
    assert.deepEqual([...some.owners.keys()].sort(), [2, 6]);
    assert.ok(some.stats.complete);
    assert.equal(some.processes.get(12)?.sockets, 1);
    const filtered = await pool.find({ procRoot: root, wanted: (inode) => inode === 3 });
    assert.deepEqual([...filtered.owners.keys()], [3], "a predicate walks on the calling thread");
  } finally {
    await pool.close();
  }
});

test("a thread that does not answer in time is replaced and the walk redone here", async () => {
  const pool = new OwnerWalkPool({ threads: 2, timeoutMs: 1, minDescriptors: 0 });
  try {
    const m = await pool.find({ procRoot: root });
    assert.equal(m.owners.size, 6);
  } finally {
    await pool.close();
  }
});

test("a walk of few descriptors stays on the calling thread", async () => {
  const pool = new OwnerWalkPool({ threads: 2, minDescriptors: 1000 });
  try {
    const m = await pool.find({ procRoot: root });
    assert.equal(m.owners.size, 6);
    assert.equal(pool.running, 0, "no thread started for a handful of descriptors");
  } finally {
    await pool.close();
  }
});
