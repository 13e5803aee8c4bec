import assert from "node:assert/strict";
import { test } from "node:test";
import type { IdlereapError } from "../../src/errors.js";
import { formatDuration, MAX_TIMER_MS, parseDuration } from "../../src/util/duration.js";

test("durations parse from strings with units and from milliseconds", () => {
  assert.equal(parseDuration("250ms"), 250);
  assert.equal(parseDuration("30s"), 30_000);
  assert.equal(parseDuration("5m"), 300_000);
  assert.equal(parseDuration("1h30m"), 5_400_000);
  assert.equal(parseDuration("1.5s"), 1500);
  assert.equal(parseDuration("2d"), 172_800_000);
  assert.equal(parseDuration("1500"), 1500);
  assert.equal(parseDuration(42), 42);
  assert.equal(parseDuration(0), 0);
});

test("bad durations name the option", () => {
  for (const bad of [
    "",
    "5 minutes",
    "1h 30x",
    "-5s",
    "s",
    "5s5",
    Number.NaN,
    -1,
    Number.POSITIVE_INFINITY,
  ]) {
    assert.throws(
      () => parseDuration(bad as string, "--idle-over"),
      (e: IdlereapError) => e.code === "IDLEREAP_ERR_DURATION_INVALID" && e.message.startsWith("--idle-over"),
      String(bad),
    );
  }
});

test("durations format the way people read them", () => {
  assert.equal(formatDuration(950), "950ms");
  assert.equal(formatDuration(42_000), "42s");
  assert.equal(formatDuration(312_000), "5m12s");
  assert.equal(formatDuration(7_875_000), "2h11m");
  assert.equal(formatDuration(432_000_000), "5d");
});

test("durations past what a number can hold are refused everywhere, timer or not", () => {
  for (const bad of ["99999999999999999999d", `${"9".repeat(400)}`, `${"9".repeat(400)}ms`, 2 ** 60]) {
    assert.throws(
      () => parseDuration(bad, "idle"),
      (e: IdlereapError) => e.code === "IDLEREAP_ERR_DURATION_INVALID" && /too long/.test(e.message),
      String(bad),
    );
  }
});

test("a duration that feeds a timer is at most 2^31-1 ms; a threshold may be longer", () => {
  assert.equal(MAX_TIMER_MS, 2_147_483_647);
  assert.equal(parseDuration(MAX_TIMER_MS, "interval", { timer: true }), MAX_TIMER_MS);
  assert.equal(parseDuration("24d", "interval", { timer: true }), 24 * 86_400_000);
  for (const bad of ["30d", "25d", MAX_TIMER_MS + 1]) {
    assert.throws(
      () => parseDuration(bad, "interval", { timer: true }),
      (e: IdlereapError) =>
        e.code === "IDLEREAP_ERR_DURATION_INVALID" &&
        /^interval: .* longer than a timer can wait/.test(e.message),
      String(bad),
    );
  }
  assert.equal(parseDuration("30d", "idle"), 30 * 86_400_000);
});
