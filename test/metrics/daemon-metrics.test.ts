import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { Registry } from "prom-client";
import { DaemonMetrics } from "../../src/metrics/daemon-metrics.js";
import { startMetricsServer } from "../../src/metrics/metrics-server.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import type { Outcome } from "../../src/reap/outcome.js";

const socket = { netns: "host", cookie: "1" } as TcpSocket;

test("counters, gauges and the idle histogram in Prometheus text, on the caller's registry", async () => {
  const registry = new Registry();
  const m = new DaemonMetrics(registry);
  m.sawNetns("a", { byState: new Map([["established", 3]]), establishedWithoutKeepalive: 2 });
  m.publishIdle([1, 0, 2, 0, 0, 0, 0, 0, 0], 130);
  const outcomes: Outcome[] = [
    { socket, action: "close", rule: "r", result: "closed" },
    { socket, action: "close", rule: "r", result: "closed" },
    { socket, action: "abort", rule: "r", result: "skipped", reason: "queued-data" },
  ];
  for (const o of outcomes) m.outcome(o);
  m.scanned("a", 12, false);
  m.scanned("b", 3, true);
  const text = await registry.metrics();
  assert.match(text, /idlereap_sockets\{netns="a",state="established"\} 3/);
  assert.match(text, /idlereap_established_without_keepalive_sockets\{netns="a"\} 2/);
  assert.match(text, /idlereap_actions_total\{rule="r",action="close",result="closed"\} 2/);
  assert.match(text, /idlereap_skips_total\{rule="r",reason="queued-data"\} 1/);
  assert.match(text, /idlereap_scan_duration_seconds\{netns="a"\} 0.012/);
  assert.match(text, /idlereap_scan_errors_total\{netns="b"\} 1/);
  assert.match(text, /# TYPE idlereap_established_idle_seconds histogram/);
  assert.match(text, /idlereap_established_idle_seconds_bucket\{le="1"\} 1\n/);
  assert.match(text, /idlereap_established_idle_seconds_bucket\{le="60"\} 3\n/);
  assert.match(text, /idlereap_established_idle_seconds_bucket\{le="\+Inf"\} 3\n/);
  assert.match(text, /idlereap_established_idle_seconds_sum 130\n/);
  assert.match(text, /idlereap_established_idle_seconds_count 3\n/);
  for (const line of text.split("\n").filter((l) => l.startsWith("# TYPE") && l.endsWith("counter"))) {
    assert.match(line, /_total counter$/, line);
  }
  assert.ok(!/cookie|port=|pid=/.test(text), "no per-connection labels");
});

test("a vanished state or namespace loses its series", async () => {
  const registry = new Registry();
  const m = new DaemonMetrics(registry);
  m.sawNetns("a", {
    byState: new Map([
      ["established", 3],
      ["close-wait", 1],
    ]),
    establishedWithoutKeepalive: 0,
  });
  m.sawNetns("a", { byState: new Map([["established", 2]]), establishedWithoutKeepalive: 0 });
  m.pressureOf("a", "ports", 0.5);
  assert.ok(!(await registry.metrics()).includes('state="close-wait"'));
  m.forgetNetns("a");
  const text = await registry.metrics();
  assert.ok(!text.includes('netns="a"'), text);
});

test("the endpoint serves /metrics on loopback and says why it cannot listen", async () => {
  const registry = new Registry();
  new DaemonMetrics(registry).scanDone();
  const server = await startMetricsServer(registry, "127.0.0.1:0");
  try {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
    const res = await fetch(`http://${server.address}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /idlereap_scans_total 1/);
    assert.equal((await fetch(`http://${server.address}/nope`)).status, 404);
  } finally {
    await server.close();
  }
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  const port = (busy.address() as { port: number }).port;
  try {
    await assert.rejects(startMetricsServer(registry, `127.0.0.1:${port}`), {
      code: "IDLEREAP_ERR_METRICS_LISTEN",
    });
  } finally {
    busy.close();
  }
});
