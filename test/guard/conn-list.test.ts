// The connection list: least recently active first, O(1) touch and remove, safe double removal.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { ConnList } from "../../src/guard/conn-list.js";
import { ConnState, KIND_NET, R_IDLE, R_NONE } from "../../src/guard/conn-state.js";

function states(n: number): ConnState[] {
  return Array.from({ length: n }, (_, i) => new ConnState(new net.Socket(), KIND_NET, i));
}

const order = (list: ConnList) => list.toArray().map((s) => s.bornAt);

test("push, touch and remove keep the least recently active first", () => {
  const list = new ConnList();
  const [a, b, c, d] = states(4) as [ConnState, ConnState, ConnState, ConnState];
  for (const s of [a, b, c, d]) list.push(s);
  assert.deepEqual(order(list), [0, 1, 2, 3]);
  list.touch(a);
  assert.deepEqual(order(list), [1, 2, 3, 0]);
  assert.equal(list.head, b);
  assert.equal(list.remove(c), true);
  assert.equal(list.remove(c), false, "removing twice is harmless");
  assert.deepEqual(order(list), [1, 3, 0]);
  list.touch(a);
  assert.deepEqual(order(list), [1, 3, 0]);
  list.remove(b);
  list.remove(a);
  list.remove(d);
  assert.equal(list.size, 0);
  assert.equal(list.head, null);
});

test("the close reason lives in the flags next to the kind", () => {
  const [s] = states(1) as [ConnState];
  assert.equal(s.reason, R_NONE);
  s.reason = R_IDLE;
  assert.equal(s.reason, R_IDLE);
  assert.equal(s.flags & 3, KIND_NET);
  s.pingAt = 42;
  assert.equal(s.streams, 42, "ping time and stream count share a field");
});
