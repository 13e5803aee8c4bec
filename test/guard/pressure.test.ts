// Pressure scaling of idleTimeout: the curve, the /proc limits parser and the sampling cadence.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { guard } from "../../src/guard/index.js";
import { openFileLimit, PressureGauge, pressureScale, sampleUsage } from "../../src/guard/pressure.js";
import { closeServer, connect, listen, serverClosed } from "./support.js";

const CFG = { scaleAt: 0.8, saturateAt: 0.95, minScale: 0.1 };

test("the scale is 1 below scaleAt, minScale from saturateAt, linear between", () => {
  assert.equal(pressureScale(0.5, CFG), 1);
  assert.equal(pressureScale(0.8, CFG), 1);
  assert.ok(Math.abs(pressureScale(0.875, CFG) - 0.55) < 1e-9);
  assert.equal(pressureScale(0.95, CFG), 0.1);
  assert.equal(pressureScale(1, CFG), 0.1);
});

test("the soft open-files limit is read from /proc/self/limits", () => {
  const text = [
    "Limit                     Soft Limit           Hard Limit           Units",
    "Max open files            20000                20000                files",
  ].join("\n");
  assert.equal(openFileLimit(text), 20000);
  assert.equal(openFileLimit("nothing here"), Number.POSITIVE_INFINITY);
  const usage = sampleUsage();
  assert.ok(usage > 0 && usage < 1);
});

test("the gauge samples at most once per period", () => {
  let usage = 0.5;
  let samples = 0;
  const gauge = new PressureGauge(
    CFG,
    () => {
      samples++;
      return usage;
    },
    1000,
  );
  assert.equal(gauge.update(0), false);
  usage = 0.95;
  assert.equal(gauge.update(500), false);
  assert.equal(gauge.update(1000), true);
  assert.equal(gauge.scale, 0.1);
  assert.equal(samples, 2);
});

test("under pressure a guard closes idle connections sooner", async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  });
  // Any heap in use is past these thresholds: the scale drops to minScale at once.
  const g = guard(server, {
    idleTimeout: 1000,
    keepAlive: false,
    userTimeout: 0,
    pressure: { scaleAt: 0.0001, saturateAt: 0.0002, minScale: 0.1 },
  });
  const port = await listen(server);
  // The server's idle clock starts at accept, so time from before connecting (a busy event loop may
  // deliver the client's connect late).
  const started = performance.now();
  const c = await connect(port);
  try {
    const end = await serverClosed(c, started, 2000);
    assert.ok(end.ms >= 90 && end.ms < 600, `closed after ${end.ms}ms, not at the unscaled 1000ms`);
    assert.equal(g.stats().pressureScale, 0.1);
    assert.equal(g.stats().idleTimeoutMs, 100);
  } finally {
    c.destroy();
    for (const s of sockets) s.destroy();
    await closeServer(server);
  }
});
