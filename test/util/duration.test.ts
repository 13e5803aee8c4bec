import assert from "node:assert/strict";
import { test } from "node:test";
import type { IdlereapError } from "../../src/errors.js";
import { formatDuration, parseDuration } from "../../src/util/duration.js";

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
