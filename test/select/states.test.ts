import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_STATES, parseStates } from "../../src/select/states.js";

test("state lists parse to the kernel's bit mask", () => {
  assert.equal(parseStates("established"), 1 << 1);
  assert.equal(parseStates("established,close-wait"), (1 << 1) | (1 << 8));
  assert.equal(parseStates(["estab", "CLOSE_WAIT", "time-wait"]), (1 << 1) | (1 << 8) | (1 << 6));
  assert.equal(parseStates("all"), 0xffe);
  assert.equal(parseStates("connected"), DEFAULT_STATES);
  assert.equal(DEFAULT_STATES & (1 << 10), 0, "listen is not connected");
  assert.equal(DEFAULT_STATES & (1 << 6), 0, "time-wait is not connected (as in ss)");
});

test("an unknown state names itself and the choices", () => {
  assert.throws(() => parseStates("establishd"), /unknown state "establishd" \(one of established, /);
  assert.throws(() => parseStates(""), /empty state list/);
});
