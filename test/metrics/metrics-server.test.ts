// The endpoint's limits with real sockets: the cap, and clients that send nothing, half a request
// line or headers a byte at a time are all ended in seconds.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { Registry } from "prom-client";
import { METRICS_TIMEOUTS_MS, startMetricsServer } from "../../src/metrics/metrics-server.js";

function open(address: string): Promise<{ socket: Socket; closed: Promise<number> }> {
  const [host, port] = address.split(":") as [string, string];
  const started = Date.now();
  const socket = connect(Number(port), host);
  socket.on("error", () => {});
  socket.resume(); // reads, so that the server's FIN is seen
  const closed = new Promise<number>((r) => socket.once("close", () => r(Date.now() - started)));
  return new Promise((resolve) => socket.once("connect", () => resolve({ socket, closed })));
}

test("connections past maxConnections are closed at once; the first ones are served", async () => {
  const server = await startMetricsServer(new Registry(), "127.0.0.1:0", { maxConnections: 3 });
  try {
    const held = await Promise.all([1, 2, 3].map(() => open(server.address)));
    await new Promise((r) => setTimeout(r, 100));
    const extra = await open(server.address);
    const ms = await Promise.race([extra.closed, new Promise<number>((r) => setTimeout(() => r(-1), 2000))]);
    assert.ok(ms >= 0, "the fourth connection is closed by the server");
    const first = held[0] as { socket: Socket };
    first.socket.write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
    const reply = await new Promise<string>((r) => first.socket.once("data", (d) => r(String(d))));
    assert.match(reply, /^HTTP\/1\.1 200 OK/);
    for (const h of held) h.socket.destroy();
  } finally {
    await server.close();
  }
});

test("silent, half-line and byte-at-a-time clients are ended within seconds", async (t) => {
  const server = await startMetricsServer(new Registry(), "127.0.0.1:0");
  try {
    const silent = await open(server.address);
    const half = await open(server.address);
    half.socket.write("GET /metr");
    const trickle = await open(server.address);
    trickle.socket.write("GET /metrics HTTP/1.1\r\n");
    const drip = setInterval(() => trickle.socket.write("X-A: b\r\n"), 300);
    try {
      // Node's defaults keep such clients for 30 s and more; the headers timeout is a few seconds.
      const bound = 2 * (METRICS_TIMEOUTS_MS.headers + METRICS_TIMEOUTS_MS.check);
      for (const c of [silent, half, trickle]) {
        const ms = await Promise.race([c.closed, new Promise<number>((r) => setTimeout(() => r(-1), bound))]);
        t.diagnostic(`closed after ${ms} ms`);
        assert.ok(ms > 0, `still open after ${bound} ms`);
      }
    } finally {
      clearInterval(drip);
    }
  } finally {
    await server.close();
  }
});
