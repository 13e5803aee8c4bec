// Keepalive and TCP_USER_TIMEOUT on the socket's own descriptor: the values the kernel reports, no
// descriptor kept, and a blackholed peer found by keepalive and by the user timeout.
import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import net from "node:net";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { guard } from "../../src/guard/index.js";
import { socketFd } from "../../src/guard/socket-options.js";
import {
  getsockoptInt,
  IPPROTO_TCP,
  SO_KEEPALIVE,
  SOL_SOCKET,
  TCP_KEEPCNT,
  TCP_KEEPIDLE,
  TCP_KEEPINTVL,
  TCP_USER_TIMEOUT,
} from "../../src/kernel/libc.js";
import { type TestNetns, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";
import { closeServer, connect, listen, waitFor } from "./support.js";

const SERVER_FIXTURE = fileURLToPath(new URL("../fixtures/guard-server.mjs", import.meta.url));
const CLIENT_FIXTURE = fileURLToPath(new URL("../fixtures/guard-client.mjs", import.meta.url));

/** Socket descriptors this process holds. */
function openSockets(): number {
  let n = 0;
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith("socket:")) n++;
    } catch {}
  }
  return n;
}

test("keepalive and user timeout are set on the socket's own descriptor, and no descriptor is kept", async () => {
  const seen: number[][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    const fd = socketFd(s);
    seen.push([
      getsockoptInt(fd, SOL_SOCKET, SO_KEEPALIVE),
      getsockoptInt(fd, IPPROTO_TCP, TCP_KEEPIDLE),
      getsockoptInt(fd, IPPROTO_TCP, TCP_KEEPINTVL),
      getsockoptInt(fd, IPPROTO_TCP, TCP_KEEPCNT),
      getsockoptInt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT),
    ]);
  });
  guard(server, {
    keepAlive: { idle: "7s", interval: "2s", count: 4 },
    userTimeout: "15s",
    heartbeat: false,
  });
  const port = await listen(server);
  const before = openSockets();
  const clients = await Promise.all(Array.from({ length: 5 }, () => connect(port)));
  try {
    await waitFor(() => seen.length === 5, 1000, "5 connections");
    assert.equal(openSockets(), before + 10, "one descriptor per end, no duplicates");
    for (const v of seen) assert.deepEqual(v, [1, 7, 2, 4, 15_000]);
  } finally {
    for (const c of clients) c.destroy();
    await waitFor(() => sockets.size === 0, 1000, "server sockets closed");
    await closeServer(server);
  }
  assert.equal(openSockets(), before - 1, "every socket's descriptor is closed (and the listener's)");
});

function blackhole(ns: TestNetns, port: number): void {
  ns.exec("nft", ["add", "table", "inet", "blackhole"]);
  ns.exec("nft", ["add", "chain", "inet", "blackhole", "out", "{ type filter hook output priority 0 ; }"]);
  ns.exec("nft", ["add", "rule", "inet", "blackhole", "out", "tcp", "sport", String(port), "drop"]);
  ns.exec("nft", ["add", "rule", "inet", "blackhole", "out", "tcp", "dport", String(port), "drop"]);
}

interface CloseLine {
  event: string;
  reason: string;
  ageMs: number;
  code: string | null;
}

test("a blackholed idle peer is found by keepalive in idle + interval × count", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withNetns(async (ns) => {
    const options = { idleTimeout: 0, keepAlive: { idle: "1s", interval: "1s", count: 2 }, userTimeout: 0 };
    const server = await ns.spawnFixture<{ port: number }>(SERVER_FIXTURE, [JSON.stringify({ options })]);
    const client = await ns.spawnFixture<{ ports: number[] }>(CLIENT_FIXTURE, [
      JSON.stringify({ port: server.ready.port }),
    ]);
    const t0 = performance.now();
    blackhole(ns, client.ready.ports[0] as number);
    const line = await server.next<CloseLine>();
    const ms = performance.now() - t0;
    assert.equal(line.reason, "dead-peer");
    assert.equal(line.code, "ETIMEDOUT");
    t.diagnostic(`keepalive found the dead peer after ${Math.round(ms)}ms`);
    assert.ok(ms >= 2500 && ms < 4500, `found after ${ms}ms (expected about 3000)`);
  }, "irg");
});

test("a blackholed peer with data outstanding is found by the user timeout", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withNetns(async (ns) => {
    const options = { idleTimeout: 0, keepAlive: false, userTimeout: 600 };
    const server = await ns.spawnFixture<{ port: number }>(SERVER_FIXTURE, [JSON.stringify({ options })]);
    const client = await ns.spawnFixture<{ ports: number[] }>(CLIENT_FIXTURE, [
      JSON.stringify({ port: server.ready.port }),
    ]);
    blackhole(ns, client.ready.ports[0] as number);
    const t0 = performance.now();
    server.send({ cmd: "write", bytes: 4096 });
    assert.deepEqual(await server.next(), { wrote: 1 });
    const line = await server.next<CloseLine>();
    const ms = performance.now() - t0;
    assert.equal(line.reason, "dead-peer");
    assert.equal(line.code, "ETIMEDOUT");
    t.diagnostic(`the user timeout found the dead peer after ${Math.round(ms)}ms`);
    assert.ok(ms >= 550 && ms < 2500, `found after ${ms}ms (user timeout 600ms)`);
  }, "irg");
});
