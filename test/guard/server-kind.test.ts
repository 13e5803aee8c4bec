// Server kinds: HTTPS and HTTP/2 over TLS are tracked from their TLS sockets; WebSocketServers
// with their own port; anything else is refused.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import tls from "node:tls";
import { WebSocketServer } from "ws";
import { KIND_HTTP, KIND_NET } from "../../src/guard/conn-state.js";
import { guard } from "../../src/guard/index.js";
import { describeServer } from "../../src/guard/server-kind.js";
import { closeServer, listen, waitFor } from "./support.js";

const QUIET = { keepAlive: false, userTimeout: 0, heartbeat: false } as const;

function selfSigned(t: TestContext): { key: Buffer; cert: Buffer } | null {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-guard-"));
  try {
    execFileSync(
      "openssl",
      ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"].concat([
        "-keyout",
        join(dir, "k.pem"),
        "-out",
        join(dir, "c.pem"),
        "-days",
        "1",
        "-subj",
        "/CN=localhost",
      ]),
      { stdio: "ignore" },
    );
    return { key: readFileSync(join(dir, "k.pem")), cert: readFileSync(join(dir, "c.pem")) };
  } catch {
    t.skip("needs openssl to make a test certificate");
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("servers are recognised by kind", () => {
  assert.equal(describeServer(net.createServer()).kind, KIND_NET);
  assert.equal(describeServer(http.createServer()).kind, KIND_HTTP);
  const h2 = describeServer(http2.createServer());
  assert.equal(h2.http2, true);
  assert.equal(h2.tls, false);
  assert.equal(describeServer(http2.createSecureServer()).tls, true);
  assert.equal(describeServer(tls.createServer()).kind, KIND_NET);
  const wss = new WebSocketServer({ noServer: true });
  assert.equal(describeServer(wss).server, null);
  assert.throws(() => describeServer(new EventTarget()), { code: "IDLEREAP_ERR_GUARD_SERVER" });
});

test("HTTPS: an idle keep-alive connection closes while a slow request completes", async (t) => {
  const creds = selfSigned(t);
  if (creds === null) return;
  const server = https.createServer(creds, (req, res) => {
    setTimeout(() => res.end("ok"), req.url === "/slow" ? 300 : 0);
  });
  const g = guard(server, { ...QUIET, idleTimeout: 120 });
  const port = await listen(server);
  // A raw TLS client: an Agent would honour the `Keep-Alive: timeout=0` that a 120ms idleTimeout
  // announces and close the connection itself.
  const c = tls.connect({ host: "127.0.0.1", port, rejectUnauthorized: false });
  c.on("error", () => {});
  try {
    await once(c, "secureConnect");
    let response = "";
    c.on("data", (d: Buffer) => {
      response += d.toString("latin1");
    });
    c.write("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
    await waitFor(() => response.endsWith("ok"), 2000, "the slow response");
    assert.match(response, /^HTTP\/1.1 200/);
    assert.equal(g.stats().closed.idle, 0, "the slow request outlived idleTimeout");
    const t0 = performance.now();
    await waitFor(() => g.stats().closed.idle === 1, 1000, "idle close");
    assert.ok(performance.now() - t0 >= 100);
  } finally {
    c.destroy();
    await closeServer(server);
  }
});

test("a WebSocketServer with its own port is guarded through its HTTP server", async () => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  const g = guard(wss, { ...QUIET, idleTimeout: 80 });
  const port = (wss.address() as net.AddressInfo).port;
  const raw = net.connect({ port, host: "127.0.0.1" });
  raw.on("error", () => {});
  try {
    await once(raw, "connect");
    await waitFor(() => g.stats().closed.idle === 1, 1000, "idle close of a connection that never upgraded");
  } finally {
    raw.destroy();
    await new Promise((r) => wss.close(r));
  }
});

test("a server is guarded once; stop() hands its connections back untouched", async () => {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("error", () => {});
  });
  const g = guard(server, { ...QUIET, idleTimeout: 80 });
  assert.throws(() => guard(server, QUIET), { code: "IDLEREAP_ERR_GUARD_SERVER" });
  const port = await listen(server);
  const c = net.connect({ port, host: "127.0.0.1" });
  c.on("error", () => {});
  c.unref();
  try {
    await once(c, "connect");
    await waitFor(() => g.conns.size === 1, 1000, "tracked");
    g.stop();
    assert.equal(g.conns.size, 0);
    assert.equal(g.wheel.size, 0);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(c.readableEnded || c.destroyed, false, "no longer closed for idleness");
    const again = guard(server, { ...QUIET, idleTimeout: 80 });
    const c2 = net.connect({ port, host: "127.0.0.1" });
    c2.on("error", () => {});
    c2.resume();
    await once(c2, "end");
    assert.equal(again.stats().closed.idle, 1);
    assert.equal(c.readableEnded, false, "the connection from before stop() is left alone");
    c2.destroy();
  } finally {
    c.destroy();
    for (const s of sockets) s.destroy();
    await closeServer(server);
  }
});
