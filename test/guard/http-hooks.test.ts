// HTTP/1 and HTTP/2 servers: idle keep-alive closes between requests, never during one; max age
// answers with Connection: close; Node's keepAliveTimeout is handed over to guard.
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import type net from "node:net";
import { test } from "node:test";
import { keepAliveHintMs } from "../../src/guard/http-hooks.js";
import { guard } from "../../src/guard/index.js";
import { closeServer, connect, listen, serverClosed, sleep, waitFor } from "./support.js";

const QUIET = { keepAlive: false, userTimeout: 0, heartbeat: false } as const;

function slowServer(): http.Server {
  return http.createServer((req, res) => {
    const delay = req.url === "/slow" ? 400 : 0;
    setTimeout(() => res.end("ok"), delay);
  });
}

/** Sends one request on a raw socket and resolves with the response head and the time it ended. */
function request(sock: net.Socket, path: string): Promise<{ head: string; at: number }> {
  return new Promise((resolve, reject) => {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("latin1");
      const i = buf.indexOf("\r\n\r\n");
      if (i >= 0 && buf.endsWith("ok")) {
        sock.off("data", onData);
        resolve({ head: buf.slice(0, i), at: performance.now() });
      }
    };
    sock.on("data", onData);
    sock.once("error", reject);
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

test("an idle keep-alive connection closes at idleTimeout while a slow request completes", async () => {
  const server = slowServer();
  const g = guard(server, { ...QUIET, idleTimeout: 150 });
  assert.equal(server.keepAliveTimeout, 0, "guard owns the idle time between requests");
  const port = await listen(server);
  const idle = await connect(port);
  const busy = await connect(port);
  try {
    const first = await request(idle, "/");
    const closedIdle = serverClosed(idle, first.at);
    const slow = await request(busy, "/slow");
    assert.match(slow.head, /^HTTP\/1.1 200/);
    assert.match(slow.head, /Connection: keep-alive/i);
    const end = await closedIdle;
    assert.equal(end.how, "fin");
    assert.ok(end.ms >= 140 && end.ms < 150 + 150, `idle keep-alive closed after ${end.ms}ms`);
    const busyEnd = await serverClosed(busy, slow.at);
    assert.ok(busyEnd.ms >= 140, "the idle clock starts after the response");
    assert.equal(g.stats().closed.idle, 2);
  } finally {
    await closeServer(server);
  }
});

test("the Keep-Alive hint ends at least a second before the idle close, in whole seconds", () => {
  assert.equal(keepAliveHintMs(60_000), 59_000);
  assert.equal(keepAliveHintMs(65_500), 64_000);
  assert.equal(keepAliveHintMs(2999), 1000);
  // Under 2s there is no whole second left: 1ms makes Node write timeout=0 (do not reuse).
  assert.equal(keepAliveHintMs(1999), 1);
  assert.equal(keepAliveHintMs(150), 1);
});

test("responses announce guard's Keep-Alive hint; with idleTimeout 0 Node's own stays", async () => {
  const heads: string[] = [];
  for (const idleTimeout of ["5s", 150, 0] as const) {
    const server = slowServer();
    guard(server, { ...QUIET, idleTimeout });
    const c = await connect(await listen(server));
    try {
      heads.push((await request(c, "/")).head);
    } finally {
      c.destroy();
      await closeServer(server);
    }
  }
  assert.match(heads[0] ?? "", /\r\nKeep-Alive: timeout=4\r\n/);
  assert.match(heads[1] ?? "", /\r\nKeep-Alive: timeout=0\r\n/);
  assert.match(heads[2] ?? "", /\r\nKeep-Alive: timeout=5\r\n/, "Node's keepAliveTimeout (5s) is left alone");
});

test("stop() takes guard's hint off the server's responses", async () => {
  const server = slowServer();
  const g = guard(server, { ...QUIET, idleTimeout: "5s" });
  const c = await connect(await listen(server));
  try {
    assert.match((await request(c, "/")).head, /Keep-Alive: timeout=4/);
    g.stop();
    // guard had set keepAliveTimeout to 0, and stop() leaves that: Node then announces nothing.
    assert.doesNotMatch((await request(c, "/")).head, /Keep-Alive:/);
  } finally {
    c.destroy();
    await closeServer(server);
  }
});

test("at max age an in-flight response carries Connection: close", async () => {
  const server = slowServer();
  const g = guard(server, { ...QUIET, idleTimeout: 0, maxAge: 150, maxAgeJitter: 0 });
  const port = await listen(server);
  const c = await connect(port);
  try {
    const fresh = await request(c, "/");
    assert.match(fresh.head, /Connection: keep-alive/i);
    await sleep(20);
    const slow = await request(c, "/slow");
    assert.match(slow.head, /Connection: close/i);
    await serverClosed(c, slow.at, 1000);
    assert.equal(g.stats().closed["max-age"], 1);
  } finally {
    await closeServer(server);
  }
});

test("headersTimeout is kept within requestTimeout", async () => {
  const server = http.createServer();
  server.requestTimeout = 1000;
  server.headersTimeout = 1000;
  server.headersTimeout = 5000;
  guard(server, QUIET);
  assert.equal(server.headersTimeout, 1000);
});

test("HTTP/2: an idle session gets GOAWAY and closes; one with an open stream lives", async () => {
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    const delay = headers[":path"] === "/slow" ? 400 : 0;
    setTimeout(() => {
      stream.respond({ ":status": 200 });
      stream.end("ok");
    }, delay);
  });
  const g = guard(server, { ...QUIET, idleTimeout: 150 });
  const port = await listen(server);
  const idle = http2.connect(`http://127.0.0.1:${port}`);
  const busy = http2.connect(`http://127.0.0.1:${port}`);
  idle.on("error", () => {});
  busy.on("error", () => {});
  try {
    let goaway = false;
    idle.on("goaway", () => {
      goaway = true;
    });
    const t0 = performance.now();
    const slowDone = new Promise<number>((resolve) => {
      const req = busy.request({ ":path": "/slow" });
      req.resume();
      req.on("end", () => resolve(performance.now() - t0));
    });
    await waitFor(() => goaway, 2000, "GOAWAY on the idle session");
    assert.ok(performance.now() - t0 < 400, "idle session closed before the slow stream ended");
    const slowMs = await slowDone;
    assert.ok(slowMs >= 390, "the slow stream completed");
    await waitFor(() => busy.closed || busy.destroyed, 2000, "busy session closed after going idle");
    assert.equal(g.stats().closed.idle, 2);
  } finally {
    idle.destroy();
    busy.destroy();
    await closeServer(server);
  }
});

test("HTTP/2: at max age a session with a stream in flight gets GOAWAY and the stream completes", async () => {
  const server = http2.createServer();
  server.on("stream", (stream) => {
    setTimeout(() => {
      stream.respond({ ":status": 200 });
      stream.end("ok");
    }, 250);
  });
  const g = guard(server, { ...QUIET, idleTimeout: 0, maxAge: 100, maxAgeJitter: 0 });
  const port = await listen(server);
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => {});
  try {
    let goawayAt = 0;
    session.on("goaway", () => {
      goawayAt = performance.now();
    });
    const t0 = performance.now();
    const status = await new Promise<number>((resolve) => {
      const req = session.request({ ":path": "/" });
      req.on("response", (h) => resolve(Number(h[":status"])));
      req.resume();
    });
    assert.equal(status, 200);
    assert.ok(goawayAt > 0 && goawayAt - t0 < 250, "GOAWAY came before the response");
    await waitFor(() => session.closed || session.destroyed, 2000, "session closed");
    assert.equal(g.stats().closed["max-age"], 1);
  } finally {
    session.destroy();
    await closeServer(server);
  }
});

test("at max age, after a response whose headers were already sent, the next one says Connection: close", async () => {
  const server = http.createServer((req, res) => {
    if (req.url !== "/stream") return res.end("ok");
    res.setHeader("Content-Length", "first ok".length);
    res.write("first ");
    setTimeout(() => res.end("ok"), 250);
  });
  // A long halfCloseTimeout spaces the checks (1s): the next request comes well before the one that
  // would find the retiring connection idle and close it.
  const g = guard(server, {
    ...QUIET,
    idleTimeout: 0,
    halfCloseTimeout: "50s",
    maxAge: 100,
    maxAgeJitter: 0,
  });
  const port = await listen(server);
  const c = await connect(port);
  try {
    const streamed = await request(c, "/stream");
    assert.match(streamed.head, /Connection: keep-alive/i, "its headers went out before max age");
    const next = await request(c, "/");
    assert.match(next.head, /Connection: close/i);
    await serverClosed(c, next.at, 1000);
    assert.equal(g.stats().closed["max-age"], 1);
    assert.equal(server.listenerCount("request"), 1, "the hook is gone once nothing retires");
  } finally {
    await closeServer(server);
  }
});
