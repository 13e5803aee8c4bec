// What counts as data a close would lose: the receive queue holds the peer's FIN as one until the
// application reads EOF, so a CLOSE_WAIT socket whose owner never read has nothing deliverable.
import assert from "node:assert/strict";
import { test } from "node:test";
import { hasQueuedData, unreadBytes } from "../../src/reap/safety.js";

const sock = (state: string, recvQ: number, sendQ = 0) =>
  ({ state, recvQ, sendQ, notsentBytes: 0 }) as unknown as Parameters<typeof hasQueuedData>[0];

test("an unread FIN is not data: CLOSE_WAIT with a receive queue of 1 has nothing queued", () => {
  assert.equal(unreadBytes(sock("close-wait", 1)), 0);
  assert.equal(hasQueuedData(sock("close-wait", 1)), false);
  assert.equal(hasQueuedData(sock("close-wait", 0)), false);
  assert.equal(hasQueuedData(sock("last-ack", 1)), false);
});

test("data before the FIN, or any byte on an open connection, is queued data", () => {
  assert.equal(unreadBytes(sock("close-wait", 5)), 4);
  assert.equal(hasQueuedData(sock("close-wait", 2)), true);
  assert.equal(hasQueuedData(sock("established", 1)), true);
  assert.equal(hasQueuedData(sock("close-wait", 0, 10)), true, "unsent data still counts");
});
