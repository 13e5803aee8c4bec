// Drain: stop accepting, close idle connections now, let in-flight requests finish with
// Connection: close, send 1001 to WebSockets, destroy what is left at the end of the grace.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import type net from "node:net";
import { test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import { guard } from "../../src/guard/index.js";
import { connect, listen, serverClosed } from "./support.js";

const QUIET = { keepAlive: false, userTimeout: 0, idleTimeout: "10s", heartbeat: false } as const;

function get(sock: net.Socket, path: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = "";
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.endsWith("done")) resolve(buf);
    });
    sock.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
  });
}

test("drain finishes in-flight work, closes idle connections and WebSockets, stops accepting", async () => {
  const server = http.createServer((req, res) => {
    setTimeout(() => res.end("done"), req.url === "/slow" ? 300 : 0);
  });
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => ws.on("error", () => {}));
  const g = guard(wss, QUIET);
  const port = await listen(server);
  const idle = await connect(port);
  await get(idle, "/");
  const busy = await connect(port);
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  ws.on("error", () => {});
  await once(ws, "open");
  const wsCode = new Promise<number>((r) => ws.once("close", (code) => r(code)));
  const slow = get(busy, "/slow");
  await new Promise((r) => setTimeout(r, 50));

  const t0 = performance.now();
  const drained = g.drain({ grace: "2s" });
  const idleEnd = await serverClosed(idle, t0);
  assert.ok(idleEnd.ms < 300, `idle connection closed after ${idleEnd.ms}ms`);
  assert.equal(await wsCode, 1001);
  await assert.rejects(connect(port), /ECONNREFUSED/, "no longer accepting");
  const response = await slow;
  assert.match(response, /^HTTP\/1.1 200/);
  assert.match(response, /Connection: close/i);
  const result = await drained;
  assert.deepEqual(result, { closed: 3, destroyed: 0 });
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(g.stats().closed.drain, 3);
  assert.equal(g.stats().connections, 0);
  busy.destroy();
  idle.destroy();
});

test("drain destroys what is still open at the end of the grace period", async () => {
  const server = http.createServer(() => {
    // Never answers.
  });
  const g = guard(server, QUIET);
  const port = await listen(server);
  const stuck = await connect(port);
  stuck.write("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
  await new Promise((r) => setTimeout(r, 30));
  const t0 = performance.now();
  const result = await g.drain({ grace: 150 });
  const ms = performance.now() - t0;
  assert.deepEqual(result, { closed: 0, destroyed: 1 });
  assert.ok(ms >= 145 && ms < 400, `drain took ${ms}ms`);
  await once(stuck, "close");
});
