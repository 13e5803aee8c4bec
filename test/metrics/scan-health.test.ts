import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { DaemonMetrics } from "../../src/metrics/daemon-metrics.js";
import { startMetricsServer } from "../../src/metrics/metrics-server.js";
import { ScanHealth } from "../../src/metrics/scan-health.js";

test("health: unhealthy before the first good scan, healthy within three intervals of one, then late", () => {
  const h = new ScanHealth();
  assert.deepEqual(h.state(1000, 0), { ok: false, reason: "no scan has succeeded yet" });
  h.part("namespaces", true, 5);
  h.part("sockets", true, 10);
  h.part("actions", false, 1); // an action part failing is not a failed scan
  h.cycleDone(10_000);
  assert.equal(h.state(1000, 12_900).ok, true);
  const late = h.state(1000, 13_100);
  assert.equal(late.ok, false);
  assert.match(late.reason, /last successful scan 3\.1s ago, more than 3\.0s; no cycle has finished since/);
});

test("health: a cycle whose sockets part failed does not count, and the reason names the part", () => {
  const h = new ScanHealth();
  h.part("sockets", true, 1);
  h.cycleDone(0);
  h.part("namespaces", true, 1);
  h.part("sockets", false, 1);
  h.cycleDone(1000);
  const s = h.state(200, 1000);
  assert.equal(s.ok, false);
  assert.match(s.reason, /more than 0\.6s; last cycle: part sockets failed/);
  h.part("sockets", true, 1);
  h.cycleDone(1100);
  assert.equal(h.state(200, 1150).ok, true);
});

test("health: a cycle slower than the interval widens the window", () => {
  const h = new ScanHealth();
  h.part("sockets", true, 2000);
  h.cycleDone(0);
  assert.equal(h.state(200, 5900).ok, true);
  assert.equal(h.state(200, 6100).ok, false);
});

test("/healthz answers the daemon's health: 200 or 503 with the reason", async () => {
  const registry = new Registry();
  const m = new DaemonMetrics(registry);
  const server = await startMetricsServer(registry, "127.0.0.1:0", { health: () => m.healthState(60_000) });
  try {
    const before = await fetch(`http://${server.address}/healthz`);
    assert.equal(before.status, 503);
    assert.match(await before.text(), /no scan has succeeded yet/);
    m.part("namespaces", true, 1);
    m.part("sockets", true, 1);
    m.scanDone();
    const after = await fetch(`http://${server.address}/healthz`);
    assert.equal(after.status, 200);
    assert.match(await after.text(), /^ok: last successful scan 0\.\ds ago/);
    m.part("sockets", false, 1);
    m.scanDone();
    const text = await (await fetch(`http://${server.address}/metrics`)).text();
    assert.match(text, /idlereap_scan_part_success\{part="sockets"\} 0/);
  } finally {
    await server.close();
  }
});
