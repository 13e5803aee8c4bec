// guard() options: durations in strings or milliseconds, defaults, and a typed error naming the
// option for every bad value.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { IdlereapError } from "../../src/errors.js";
import { guard } from "../../src/guard/index.js";
import { GUARD_DEFAULTS, resolveOptions } from "../../src/guard/options.js";
import { captureWarnings } from "./support.js";

test("durations take strings with units or milliseconds", () => {
  const o = resolveOptions({
    idleTimeout: "1m30s",
    maxAge: 2500,
    keepAlive: { idle: "10s", interval: 2000 },
  });
  assert.equal(o.idleTimeout, 90_000);
  assert.equal(o.maxAge, 2500);
  assert.deepEqual(o.keepAlive, { idle: 10_000, interval: 2000, count: GUARD_DEFAULTS.keepAlive.count });
});

test("defaults match the documented policy", () => {
  const o = resolveOptions(undefined);
  assert.equal(o.idleTimeout, 60_000);
  assert.deepEqual(o.keepAlive, { idle: 30_000, interval: 5000, count: 3 });
  assert.equal(o.userTimeout, 45_000);
  assert.equal(o.halfCloseTimeout, 10_000);
  assert.deepEqual(o.heartbeat, { interval: 30_000, timeout: 10_000 });
  assert.equal(o.maxAge, 0);
  assert.equal(o.maxConnections, 0);
  assert.equal(o.onSaturation, "evict-idlest");
  assert.equal(o.pressure, null);
  assert.equal(o.metrics, null);
});

test("true takes a feature's defaults", () => {
  const o = resolveOptions({ keepAlive: true, heartbeat: true });
  assert.deepEqual(o.keepAlive, { idle: 30_000, interval: 5000, count: 3 });
  assert.deepEqual(o.heartbeat, { interval: 30_000, timeout: 10_000 });
});

test("false and 0 turn features off; pressure: true takes the default thresholds", () => {
  const o = resolveOptions({ keepAlive: false, heartbeat: false, idleTimeout: 0, pressure: true });
  assert.equal(o.keepAlive, null);
  assert.equal(o.heartbeat, null);
  assert.equal(o.idleTimeout, 0);
  assert.deepEqual(o.pressure, { scaleAt: 0.8, saturateAt: 0.95, minScale: 0.1 });
});

const BAD: [string, unknown][] = [
  ["idleTimeout", { idleTimeout: "soon" }],
  ["idleTimeout", { idleTimeout: -5 }],
  ["keepAlive.interval", { keepAlive: { interval: "5x" } }],
  ["keepAlive.idle", { keepAlive: { idle: "500ms" } }],
  ["keepAlive.count", { keepAlive: { count: 0 } }],
  ["keepAlive.probes", { keepAlive: { probes: 3 } }],
  ["maxAgeJitter", { maxAgeJitter: 2 }],
  ["heartbeat.timeout", { heartbeat: { timeout: 0 } }],
  ["maxConnections", { maxConnections: 1.5 }],
  ["onSaturation", { onSaturation: "panic" }],
  ["pressure.saturateAt", { pressure: { scaleAt: 0.9, saturateAt: 0.5 } }],
  ["pressure.minScale", { pressure: { minScale: 3 } }],
  ["metrics.registry", { metrics: { registry: {} } }],
  ["idelTimeout", { idelTimeout: "5s" }],
  ["linger", { linger: 0 }],
];

for (const [key, options] of BAD) {
  test(`a bad ${key} throws IDLEREAP_ERR_GUARD_OPTION naming it`, () => {
    assert.throws(
      () => guard(net.createServer(), options as never),
      (e: unknown) => {
        assert.ok(e instanceof IdlereapError);
        assert.equal(e.code, "IDLEREAP_ERR_GUARD_OPTION");
        assert.equal((e as IdlereapError & { key?: string }).key, key);
        assert.ok(e.message.includes(key), e.message);
        return true;
      },
    );
  });
}

test("something that is not a server throws IDLEREAP_ERR_GUARD_SERVER", () => {
  assert.throws(() => guard({} as never), { code: "IDLEREAP_ERR_GUARD_SERVER" });
});

test("keepalive numbers and no userTimeout: the user timeout keeps the count (idle + interval × count)", () => {
  // issue 12: the old fixed 45s made this case find a dead peer after 44.5s instead of ~3s.
  const o = resolveOptions({ keepAlive: { idle: "1s", interval: "1s", count: 2 } });
  assert.equal(o.userTimeout, 3000);
  assert.equal(o.userTimeoutWarning, null);
  assert.equal(resolveOptions({ keepAlive: { idle: "2m", interval: "10s", count: 6 } }).userTimeout, 180_000);
});

test("keepAlive false and no userTimeout leaves the user timeout unset; an explicit one is kept", () => {
  assert.equal(resolveOptions({ keepAlive: false }).userTimeout, 0);
  assert.equal(resolveOptions({ keepAlive: false, userTimeout: "20s" }).userTimeout, 20_000);
  assert.equal(resolveOptions({ keepAlive: false, userTimeout: "20s" }).userTimeoutWarning, null);
});

test("an explicit userTimeout shorter than the count's outcome warns, naming what the kernel will do", async () => {
  const keepAlive = { idle: "30s", interval: "5s", count: 3 };
  const warnings = await captureWarnings(() => {
    guard(net.createServer(), { keepAlive, userTimeout: "20s" });
    guard(net.createServer(), { keepAlive, userTimeout: "45s" });
    guard(net.createServer(), { keepAlive, userTimeout: 0 });
    guard(net.createServer(), { keepAlive });
  });
  assert.equal(warnings.length, 1);
  assert.equal((warnings[0] as NodeJS.ErrnoException).code, "IDLEREAP_GUARD_USER_TIMEOUT");
  assert.equal(warnings[0]?.name, "IdlereapWarning");
  assert.match(warnings[0]?.message ?? "", /^guard\(\): userTimeout 20s replaces the keepalive count/);
  assert.match(warnings[0]?.message ?? "", /after 1 unanswered probe \(35s\), not 3 \(45s/);
  assert.match(warnings[0]?.message ?? "", /one lost probe can close a healthy connection/);
});

test("an explicit userTimeout longer than the count's outcome warns that probing goes on", async () => {
  const warnings = await captureWarnings(() => {
    guard(net.createServer(), { keepAlive: { idle: "1s", interval: "1s", count: 2 }, userTimeout: "45s" });
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]?.message ?? "", /after 44 unanswered probes \(45s\), not 2 \(3s/);
});
