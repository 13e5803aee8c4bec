// Metrics on a registry the caller passes in: Prometheus names, _total counters, no per-connection
// labels.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { Registry } from "prom-client";
import { guard } from "../../src/guard/index.js";
import { closeServer, connect, listen, serverClosed } from "./support.js";

test("counters and gauges follow what guard does", async () => {
  const registry = new Registry();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  });
  // 400ms: b, written to every 20ms, counts as active for 200ms after each write, which a loaded
  // machine's event-loop stalls do not exceed (with 100ms the window was 50ms, and b sometimes idle).
  guard(server, { idleTimeout: 400, keepAlive: false, userTimeout: 0, metrics: { registry } });
  const port = await listen(server);
  const a = await connect(port);
  const b = await connect(port);
  const pump = setInterval(() => b.write("x"), 20);
  try {
    await serverClosed(a, performance.now());
    const text = await registry.metrics();
    assert.match(text, /^idlereap_guard_connections_accepted_total 2$/m);
    assert.match(text, /^idlereap_guard_connections_closed_total\{reason="idle"\} 1$/m);
    assert.match(text, /^idlereap_guard_connections_rejected_total 0$/m);
    assert.match(text, /^idlereap_guard_connections\{state="active"\} 1$/m);
    assert.match(text, /^idlereap_guard_idle_timeout_seconds 0.4$/m);
    assert.doesNotMatch(text, /port|remote|address/i, "no per-connection labels");
  } finally {
    clearInterval(pump);
    a.destroy();
    b.destroy();
    for (const s of sockets) s.destroy();
    await closeServer(server);
  }
});

test("a custom prefix keeps two guards apart on one registry", () => {
  const registry = new Registry();
  guard(net.createServer(), { metrics: { registry } });
  guard(net.createServer(), { metrics: { registry, prefix: "api_guard_" } });
  assert.ok(registry.getSingleMetric("api_guard_connections_closed_total"));
  assert.throws(() => guard(net.createServer(), { metrics: { registry } }), {
    code: "IDLEREAP_ERR_GUARD_OPTION",
  });
});
