import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import net from "node:net";
import { test } from "node:test";
import { OwnerIndex, socketInodesOf, stillHolds } from "../../src/proc/owner-index.js";

test("a process's socket inodes, who holds one, and whether it still does", async () => {
  const before = socketInodesOf("self");
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const after = socketInodesOf("self");
    const added = [...after].filter((i) => !before.has(i));
    assert.equal(added.length, 1, "the listening socket");
    const inode = added[0] as number;
    const fd = Number(
      readdirSync("/proc/self/fd").find((f) => {
        try {
          return readlinkSync(`/proc/self/fd/${f}`) === `socket:[${inode}]`;
        } catch {
          return false;
        }
      }),
    );
    const index = OwnerIndex.walk({ pids: [process.pid], wanted: new Set([inode]) });
    assert.deepEqual(index.ownerOf(inode), {
      pid: process.pid,
      fd,
      command: index.commandOf(process.pid),
      holders: 1,
    });
    assert.equal(index.pidOf(inode), process.pid);
    assert.ok(stillHolds({ pid: process.pid, fd, command: null }, inode));
    assert.ok(!stillHolds({ pid: process.pid, fd, command: null }, inode + 1), "another inode");
  } finally {
    await new Promise((r) => server.close(r));
  }
  assert.equal(socketInodesOf(2 ** 22 + 1).size, 0, "a pid that does not exist has none");
});
