// Keepalive semantics as tcp_keepalive_timer() applies them: the user timeout that keeps the count,
// when a silent peer is given up with and without a user timeout, and the warning text.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  keepaliveOutcome,
  matchingUserTimeout,
  RETRIES2_DEFAULT_MS,
  resolveUserTimeout,
  worstCaseDetection,
} from "../../src/model/keepalive.js";

const K = { idleMs: 30_000, intervalMs: 5000, count: 3 };

test("the matching user timeout is idle + interval × count", () => {
  assert.equal(matchingUserTimeout(K), 45_000);
  assert.equal(matchingUserTimeout({ idleMs: 1000, intervalMs: 1000, count: 2 }), 3000);
});

test("without a user timeout the count decides; with the matching one the outcome is the same", () => {
  assert.deepEqual(keepaliveOutcome(K, 0), { giveUpMs: 45_000, probes: 3 });
  assert.deepEqual(keepaliveOutcome(K, 45_000), { giveUpMs: 45_000, probes: 3 });
  // Anything in (idle + interval × (count - 1), idle + interval × count] lands on the same run.
  assert.deepEqual(keepaliveOutcome(K, 40_001), { giveUpMs: 45_000, probes: 3 });
});

test("a user timeout replaces the count: shorter gives up after fewer probes, longer after more", () => {
  // issue 12: guard's old fixed 45s with idle 1s, interval 1s, count 2 probed for 44 more seconds.
  assert.deepEqual(keepaliveOutcome({ idleMs: 1000, intervalMs: 1000, count: 2 }, 45_000), {
    giveUpMs: 45_000,
    probes: 44,
  });
  assert.deepEqual(keepaliveOutcome(K, 20_000), { giveUpMs: 35_000, probes: 1 });
  assert.deepEqual(keepaliveOutcome(K, 1), { giveUpMs: 35_000, probes: 1 }, "never before one probe");
  assert.deepEqual(keepaliveOutcome(K, 38_000), { giveUpMs: 40_000, probes: 2 });
  assert.deepEqual(keepaliveOutcome(K, 90_000), { giveUpMs: 90_000, probes: 12 });
});

test("no explicit user timeout: the matching one, and no warning", () => {
  assert.deepEqual(resolveUserTimeout(K, undefined), { userTimeoutMs: 45_000, warning: null });
});

test("a matching user timeout past what setsockopt takes is left unset (the count holds without one)", () => {
  const huge = { idleMs: 32_767_000, intervalMs: 32_767_000, count: 127 };
  assert.deepEqual(resolveUserTimeout(huge, undefined), { userTimeoutMs: 0, warning: null });
});

test("an explicit user timeout with the count's outcome (or 0) passes without a warning", () => {
  assert.deepEqual(resolveUserTimeout(K, 45_000), { userTimeoutMs: 45_000, warning: null });
  assert.deepEqual(resolveUserTimeout(K, 42_000), { userTimeoutMs: 42_000, warning: null });
  assert.deepEqual(resolveUserTimeout(K, 0), { userTimeoutMs: 0, warning: null });
});

test("a shorter explicit user timeout warns that one lost probe can close a healthy connection", () => {
  const r = resolveUserTimeout(K, 20_000);
  assert.equal(r.userTimeoutMs, 20_000, "the user's value is kept");
  assert.equal(
    r.warning,
    "userTimeout 20s replaces the keepalive count: the kernel gives up on a silent peer after 1 unanswered " +
      "probe (35s), not 3 (45s, idle 30s + interval 5s × count 3); one lost probe can close a healthy " +
      "connection. Leave userTimeout unset to keep the count, or set it to 45s",
  );
  assert.match(
    resolveUserTimeout(K, 38_000).warning ?? "",
    /after 2 unanswered probes \(40s\).*2 lost probes in a row/,
  );
});

test("a longer explicit user timeout warns that a dead peer is held longer", () => {
  const r = resolveUserTimeout({ idleMs: 1000, intervalMs: 1000, count: 2 }, 45_000);
  assert.match(r.warning ?? "", /after 44 unanswered probes \(45s\), not 2 \(3s/);
  assert.match(r.warning ?? "", /a dead peer holds the connection longer than the count says/);
});

test("worst-case detection: idle by keepalive, with data by the user timeout or the kernel's retries", () => {
  assert.deepEqual(worstCaseDetection(K, 45_000), { idleMs: 45_000, withDataMs: 45_000 });
  assert.deepEqual(worstCaseDetection(K, 0), { idleMs: 45_000, withDataMs: RETRIES2_DEFAULT_MS });
  assert.deepEqual(worstCaseDetection(null, 0), {
    idleMs: Number.POSITIVE_INFINITY,
    withDataMs: RETRIES2_DEFAULT_MS,
  });
});
