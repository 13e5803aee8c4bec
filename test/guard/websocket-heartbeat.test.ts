// WebSockets: the heartbeat terminates a peer that stops answering pings, pings never count as
// activity for the idle timeout, and max age closes with 1001.
import assert from "node:assert/strict";
import { once } from "node:events";
import http from "node:http";
import { test } from "node:test";
import { WebSocket, WebSocketServer } from "ws";
import { guard } from "../../src/guard/index.js";
import { closeServer, listen, sleep, waitFor } from "./support.js";

const QUIET = { keepAlive: false, userTimeout: 0 } as const;

async function wsServer(): Promise<{ wss: WebSocketServer; server: http.Server; url: string }> {
  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  wss.on("connection", (ws) => ws.on("error", () => {}));
  const port = await listen(server);
  return { wss, server, url: `ws://127.0.0.1:${port}` };
}

async function open(url: string, autoPong = true): Promise<WebSocket> {
  const ws = new WebSocket(url, { autoPong });
  ws.on("error", () => {});
  await once(ws, "open");
  return ws;
}

function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => ws.once("close", (code) => resolve(code)));
}

async function shutdown(wss: WebSocketServer, server: http.Server, clients: WebSocket[]): Promise<void> {
  for (const c of clients) c.terminate();
  for (const c of wss.clients) c.terminate();
  wss.close();
  await closeServer(server);
}

test("a client that never answers pings is terminated; one that answers lives", async () => {
  const { wss, server, url } = await wsServer();
  const g = guard(wss, { ...QUIET, idleTimeout: 0, heartbeat: { interval: 60, timeout: 80 } });
  const t0 = performance.now();
  const mute = await open(url, false);
  const healthy = await open(url);
  let pings = 0;
  healthy.on("ping", () => pings++);
  try {
    const code = await closeCode(mute);
    const ms = performance.now() - t0;
    assert.equal(code, 1006, "terminated without a close frame");
    // Never before interval + timeout; the upper bound only catches a heartbeat that never fires
    // (a loaded machine delays the wheel's ticks).
    assert.ok(ms >= 140 && ms < 3000, `terminated after ${ms}ms`);
    await sleep(250);
    assert.equal(healthy.readyState, WebSocket.OPEN);
    assert.ok(pings >= 3, `healthy client saw ${pings} pings`);
    assert.equal(g.stats().closed.heartbeat, 1);
    assert.equal(g.stats().connections, 1);
  } finally {
    await shutdown(wss, server, [mute, healthy]);
  }
});

test("heartbeat frames are not activity: a quiet client closes at idleTimeout with 1000", async () => {
  const { wss, server, url } = await wsServer();
  const g = guard(wss, { ...QUIET, idleTimeout: 250, heartbeat: { interval: 40, timeout: 100 } });
  const t0 = performance.now();
  const quiet = await open(url);
  const chatty = await open(url);
  let pings = 0;
  quiet.on("ping", () => pings++);
  const pump = setInterval(() => chatty.send("hi"), 40);
  try {
    const code = await closeCode(quiet);
    const ms = performance.now() - t0;
    assert.equal(code, 1000);
    assert.ok(ms >= 240 && ms < 250 + 150, `closed after ${ms}ms`);
    assert.ok(pings >= 4, `${pings} pings before the idle close`);
    assert.equal(chatty.readyState, WebSocket.OPEN);
    assert.equal(g.stats().closed.idle, 1);
  } finally {
    clearInterval(pump);
    await shutdown(wss, server, [quiet, chatty]);
  }
});

test("max age closes a WebSocket with 1001", async () => {
  const { wss, server, url } = await wsServer();
  const g = guard(wss, { ...QUIET, idleTimeout: 0, heartbeat: false, maxAge: 120, maxAgeJitter: 0 });
  const ws = await open(url);
  try {
    assert.equal(await closeCode(ws), 1001);
    await waitFor(() => g.stats().connections === 0, 2000, "socket closed");
    assert.equal(g.stats().closed["max-age"], 1);
  } finally {
    await shutdown(wss, server, [ws]);
  }
});

test("a WebSocketServer in noServer mode is guarded from its connections", async () => {
  const server = http.createServer();
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req)),
  );
  const g = guard(wss, { ...QUIET, idleTimeout: 100, heartbeat: false });
  const port = await listen(server);
  const ws = await open(`ws://127.0.0.1:${port}`);
  try {
    assert.equal(await closeCode(ws), 1000);
    assert.equal(g.stats().closed.idle, 1);
  } finally {
    await shutdown(wss, server, [ws]);
  }
});
