// Deadlines on raw TCP: idle (FIN or RST), activity keeps a connection, half-close, max age.
import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { type ConnState, stateOf } from "../../src/guard/conn-state.js";
import { type GuardCloseEvent, guard } from "../../src/guard/index.js";
import { nowMs } from "../../src/guard/timer-wheel.js";
import { closeServer, connect, listen, serverClosed, sleep, waitFor } from "./support.js";

const QUIET = { keepAlive: false, userTimeout: 0, heartbeat: false } as const;

function netServer(allowHalfOpen = false): { server: net.Server; sockets: Set<net.Socket> } {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen }, (s) => {
    sockets.add(s);
    s.on("error", () => {});
    s.on("close", () => sockets.delete(s));
    s.resume();
  });
  return { server, sockets };
}

async function shutdown(server: net.Server, sockets: Set<net.Socket>, clients: net.Socket[]): Promise<void> {
  for (const c of clients) c.destroy();
  for (const s of sockets) s.destroy();
  await closeServer(server);
}

test("an idle raw TCP connection closes with FIN at idleTimeout while an active one lives", async () => {
  const { server, sockets } = netServer();
  const g = guard(server, { ...QUIET, idleTimeout: 150, halfCloseTimeout: 0 });
  const events: GuardCloseEvent[] = [];
  g.on("close", (e) => events.push(e));
  const port = await listen(server);
  const t0 = performance.now();
  const idle = await connect(port);
  const active = await connect(port);
  const pump = setInterval(() => active.write("x"), 30);
  try {
    const end = await serverClosed(idle, t0);
    assert.equal(end.how, "fin");
    assert.ok(end.ms >= 140 && end.ms < 150 + 150, `closed after ${end.ms}ms`);
    await sleep(200);
    assert.equal(active.destroyed, false, "the active connection is still open");
    assert.equal(active.readableEnded, false);
    assert.equal(events.length, 1);
    assert.equal(events[0]?.reason, "idle");
    assert.ok((events[0]?.idleMs ?? 0) >= 150);
    assert.equal(g.stats().closed.idle, 1);
    assert.equal(g.stats().connections, 1);
  } finally {
    clearInterval(pump);
    await shutdown(server, sockets, [idle, active]);
  }
});

test("reset: true closes an idle connection with RST", async () => {
  const { server, sockets } = netServer();
  guard(server, { ...QUIET, idleTimeout: 80, reset: true });
  const port = await listen(server);
  const c = await connect(port);
  try {
    const end = await serverClosed(c, performance.now());
    assert.equal(end.how, "reset");
  } finally {
    await shutdown(server, sockets, [c]);
  }
});

test("reset: true on a socket the application has just ended closes it (no reset EINVAL, no handle left open)", async () => {
  // Node 20's resetAndDestroy() fails with EINVAL while an end()'s shutdown is pending and then
  // never closes the handle: the socket never emits 'close' and its descriptor stays open.
  const { server, sockets } = netServer();
  const g = guard(server, { ...QUIET, idleTimeout: "10s", reset: true });
  const errors: string[] = [];
  server.on("connection", (s: net.Socket) => s.on("error", (e) => errors.push(e.message)));
  const port = await listen(server);
  const c = await connect(port);
  try {
    await waitFor(() => sockets.size === 1, 1000, "the server's socket");
    const sock = [...sockets][0] as net.Socket;
    sock.unref(); // a handle left open must not keep the test process alive
    const closed = new Promise((r) => sock.once("close", r));
    sock.end();
    // end() issues the shutdown on the next tick; guard's idle close (run by hand, as if idleTimeout
    // had passed) follows it in the same turn of the loop, before the shutdown completes.
    process.nextTick(() => process.nextTick(() => g.onDue(stateOf(sock) as ConnState, nowMs() + 60_000)));
    await Promise.race([closed, sleep(1000).then(() => assert.fail("the socket never closed"))]);
    assert.deepEqual(errors, []);
    assert.equal(g.stats().closed.idle, 1);
  } finally {
    // server.close() waits for every connection: a leaked one would stall it.
    await Promise.race([shutdown(server, sockets, [c]), sleep(500)]);
  }
});
test("a peer that never closes after our FIN is destroyed after the linger", async () => {
  const { server, sockets } = netServer();
  const g = guard(server, { ...QUIET, idleTimeout: 60, linger: 80 });
  const port = await listen(server);
  const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  c.on("error", () => {});
  await new Promise((r) => c.once("connect", r));
  c.resume();
  try {
    await waitFor(() => c.readableEnded, 2000, "FIN");
    assert.equal(g.stats().byState.closing, 1);
    const t = performance.now();
    await waitFor(() => g.stats().connections === 0, 2000, "destroy after linger");
    assert.ok(performance.now() - t < 300);
  } finally {
    await shutdown(server, sockets, [c]);
  }
});

test("half-close: a peer's FIN left unanswered is closed after halfCloseTimeout", async () => {
  const { server, sockets } = netServer(true);
  const g = guard(server, { ...QUIET, idleTimeout: 0, halfCloseTimeout: 120 });
  const events: string[] = [];
  g.on("close", (e) => events.push(e.reason));
  const port = await listen(server);
  const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: true });
  c.on("error", () => {});
  await new Promise((r) => c.once("connect", r));
  c.end();
  const t0 = performance.now();
  try {
    const end = await serverClosed(c, t0);
    assert.ok(end.ms >= 110 && end.ms < 400, `closed after ${end.ms}ms`);
    assert.deepEqual(events, ["half-close"]);
  } finally {
    await shutdown(server, sockets, [c]);
  }
});

test("max age recycles busy connections, spread by jitter", async () => {
  const { server, sockets } = netServer();
  const g = guard(server, { ...QUIET, idleTimeout: 0, maxAge: 200, maxAgeJitter: 0.4 });
  const ages: number[] = [];
  g.on("close", (e) => {
    assert.equal(e.reason, "max-age");
    ages.push(e.ageMs);
  });
  const port = await listen(server);
  const clients = await Promise.all(Array.from({ length: 12 }, () => connect(port)));
  const pump = setInterval(() => {
    for (const c of clients) if (!c.destroyed) c.write("x");
  }, 20);
  try {
    await waitFor(() => ages.length === 12, 3000, "all recycled");
    for (const a of ages) assert.ok(a >= 200 * 0.6 && a <= 200 * 1.4 + 40, `age ${a}`);
    const spread = Math.max(...ages) - Math.min(...ages);
    assert.ok(spread > 30, `ages spread over ${spread}ms`);
  } finally {
    clearInterval(pump);
    await shutdown(server, sockets, clients);
  }
});

test("every way of closing leaves no state, count or timer behind", async () => {
  for (const options of [
    { idleTimeout: 60 },
    { idleTimeout: 60, reset: true },
    { idleTimeout: 60, linger: 40 },
    { idleTimeout: 0, maxAge: 60 },
  ]) {
    const { server, sockets } = netServer();
    const g = guard(server, { ...QUIET, ...options });
    const port = await listen(server);
    const keepOpen = "linger" in options;
    const clients = await Promise.all(
      Array.from({ length: 5 }, async () => {
        const c = net.connect({ port, host: "127.0.0.1", allowHalfOpen: keepOpen });
        c.on("error", () => {});
        c.unref();
        await new Promise((r) => c.once("connect", r));
        c.resume();
        return c;
      }),
    );
    try {
      // Without stats(), which would sweep: the wheel itself must drop every closed connection.
      await waitFor(() => g.conns.size === 0, 2000, `all forgotten with ${JSON.stringify(options)}`);
      assert.equal(g.closing, 0);
      assert.equal(g.wheel.size, 0);
    } finally {
      await shutdown(server, sockets, clients);
    }
  }
});
