// maxConnections: past the limit, the connection idle the longest makes room, or the new one is
// refused.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { guard } from "../../src/guard/index.js";
import { closeServer, connect, listen, serverClosed, sleep } from "./support.js";

const QUIET = { keepAlive: false, userTimeout: 0, heartbeat: false, idleTimeout: "10s" } as const;

function echoless(): { server: net.Server; sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    s.resume();
  });
  return { server, sockets };
}

test("saturation evicts the idlest connection, not the oldest", async () => {
  const { server, sockets } = echoless();
  const g = guard(server, { ...QUIET, maxConnections: 3, onSaturation: "evict-idlest" });
  const reasons: string[] = [];
  g.on("close", (e) => reasons.push(e.reason));
  const port = await listen(server);
  const oldestBusy = await connect(port);
  const idle = await connect(port);
  const busy = await connect(port);
  const pump = setInterval(() => {
    oldestBusy.write("x");
    busy.write("x");
  }, 20);
  const clients = [oldestBusy, idle, busy];
  try {
    await sleep(100);
    const t0 = performance.now();
    const newcomer = await connect(port);
    clients.push(newcomer);
    const end = await serverClosed(idle, t0, 1000);
    assert.ok(end.ms < 300, `evicted after ${end.ms}ms`);
    await sleep(50);
    assert.equal(oldestBusy.destroyed || oldestBusy.readableEnded, false);
    assert.equal(busy.destroyed || busy.readableEnded, false);
    assert.equal(newcomer.destroyed || newcomer.readableEnded, false);
    assert.deepEqual(reasons, ["evicted"]);
    assert.equal(g.stats().connections, 3);
  } finally {
    clearInterval(pump);
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
    await closeServer(server);
  }
});

test("onSaturation: reject refuses the new connection", async () => {
  const { server, sockets } = echoless();
  const g = guard(server, { ...QUIET, maxConnections: 2, onSaturation: "reject" });
  const port = await listen(server);
  const clients = [await connect(port), await connect(port)];
  try {
    const late = await connect(port);
    clients.push(late);
    await serverClosed(late, performance.now(), 1000);
    assert.equal(g.stats().rejected, 1);
    assert.equal(g.stats().connections, 2);
    assert.equal(clients[0]?.destroyed, false);
  } finally {
    for (const c of clients) c.destroy();
    for (const s of sockets) s.destroy();
    await closeServer(server);
  }
});
