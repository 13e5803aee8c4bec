// guard and Node's own HTTP client: 40 keep-alive agents with a timeout of their own (so Node 20's
// Agent honours the server's Keep-Alive hint) make 5 requests each, ~2s apart, to a server guarded
// with idleTimeout 2s, through a relay that delays each direction by 20ms. Without a hint the
// agents reuse sockets the server is closing ("socket hang up", ECONNRESET: 47 to 60 of 200 before).
import assert from "node:assert/strict";
import http from "node:http";
import { test } from "node:test";
import { guard } from "../../src/guard/index.js";
import { startDelayRelay } from "./delay-relay.js";
import { closeServer, listen, sleep } from "./support.js";

const AGENTS = 40;
const REQUESTS = 5;
const SPACING_MS = 2000;

interface Tally {
  ok: number;
  errors: string[];
  reused: number;
  hints: Set<string>;
}

function get(agent: http.Agent, port: number, tally: Tally): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      tally.hints.add(String(res.headers["keep-alive"]));
      res.resume();
      res.on("end", () => {
        tally.ok++;
        resolve();
      });
    });
    req.on("socket", () => {
      if (req.reusedSocket) tally.reused++;
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      tally.errors.push(e.code ?? e.message);
      resolve();
    });
  });
}

async function client(port: number, tally: Tally): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, timeout: 10_000 });
  try {
    for (let i = 0; i < REQUESTS; i++) {
      if (i > 0) await sleep(SPACING_MS);
      await get(agent, port, tally);
    }
  } finally {
    agent.destroy();
  }
}

test("keep-alive agents honouring guard's Keep-Alive hint never race its idle close (20ms each way)", async (t) => {
  const server = http.createServer((_req, res) => res.end("ok"));
  guard(server, { idleTimeout: "2s", keepAlive: false, heartbeat: false });
  const port = await listen(server);
  const relay = await startDelayRelay(port, 20);
  const tally: Tally = { ok: 0, errors: [], reused: 0, hints: new Set() };
  try {
    await Promise.all(Array.from({ length: AGENTS }, () => client(relay.port, tally)));
  } finally {
    await relay.close();
    await closeServer(server);
  }
  t.diagnostic(
    `${tally.ok} ok, ${tally.errors.length} errors, ${tally.reused} on reused sockets, hints ${[...tally.hints].join(" | ")}`,
  );
  assert.deepEqual(tally.errors, []);
  assert.equal(tally.ok, AGENTS * REQUESTS);
});
