import assert from "node:assert/strict";
import { test } from "node:test";
import { InodeStates } from "../../src/report/holders.js";

test("InodeStates answers membership and state for inodes added in any order", () => {
  const s = new InodeStates();
  const inodes = Array.from({ length: 3000 }, (_, i) => 4_000_000_000 - i * 7);
  for (const [i, inode] of inodes.entries()) s.add(inode, (i % 11) + 1);
  s.add(0, 6); // TIME_WAIT sockets have no inode: ignored
  for (const [i, inode] of inodes.entries()) assert.equal(s.stateOf(inode), (i % 11) + 1);
  assert.equal(s.stateOf(0), undefined);
  assert.equal(s.stateOf(4_000_000_001), undefined);
  assert.equal(s.stateOf(4_000_000_000 - 3), undefined);
  s.add(5, 10);
  assert.equal(s.stateOf(5), 10, "adding after a lookup sorts again");
});
