// guard and Node's own HTTP clients, through a relay that delays each direction by 20ms, against
// idleTimeout 2s, 40 clients making 5 requests each ~2s apart (both protocols at once, to keep the
// wall time at one run's). HTTP/1: keep-alive agents with a timeout of their own (so Node 20's Agent
// honours the Keep-Alive hint) never reuse a socket guard is closing (without the hint 47 to 80 of
// 200 failed with "socket hang up"). HTTP/2 has no hint: a request racing the GOAWAY is refused
// unprocessed (REFUSED_STREAM, safe to retry), never reset after the handler saw it.
import assert from "node:assert/strict";
import http from "node:http";
import http2 from "node:http2";
import { test } from "node:test";
import { guard } from "../../src/guard/index.js";
import { type DelayRelay, startDelayRelay } from "./delay-relay.js";
import { closeServer, listen, sleep } from "./support.js";

const CLIENTS = 40;
const REQUESTS = 5;
const SPACING_MS = 2000;
const DELAY_MS = 20;
const OPTIONS = { idleTimeout: "2s", keepAlive: false, heartbeat: false } as const;

interface Tally {
  ok: number;
  errors: string[];
  reused: number;
  hints: Set<string>;
}

const tally = (): Tally => ({ ok: 0, errors: [], reused: 0, hints: new Set() });

/** Runs `CLIENTS` clients of `REQUESTS` requests each, `SPACING_MS` apart. */
async function load(request: (client: number) => Promise<void>, done: (client: number) => void) {
  const run = async (client: number) => {
    try {
      for (let i = 0; i < REQUESTS; i++) {
        if (i > 0) await sleep(SPACING_MS);
        await request(client);
      }
    } finally {
      done(client);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => run(i)));
}

function get(agent: http.Agent, port: number, t: Tally): Promise<void> {
  return new Promise((resolve) => {
    const req = http.get({ host: "127.0.0.1", port, path: "/", agent }, (res) => {
      t.hints.add(String(res.headers["keep-alive"]));
      res.resume();
      res.on("end", () => {
        t.ok++;
        resolve();
      });
    });
    req.on("socket", () => {
      if (req.reusedSocket) t.reused++;
    });
    req.on("error", (e: NodeJS.ErrnoException) => {
      t.errors.push(e.code ?? e.message);
      resolve();
    });
  });
}

async function http1(relayTo: (port: number) => Promise<DelayRelay>): Promise<Tally> {
  const server = http.createServer((_req, res) => res.end("ok"));
  guard(server, OPTIONS);
  const relay = await relayTo(await listen(server));
  const t = tally();
  const agents = Array.from({ length: CLIENTS }, () => new http.Agent({ keepAlive: true, timeout: 10_000 }));
  try {
    await load(
      (i) => get(agents[i] as http.Agent, relay.port, t),
      (i) => agents[i]?.destroy(),
    );
  } finally {
    await relay.close();
    await closeServer(server);
  }
  return t;
}

/** One request on the client's session (a new one once guard closed the last), answered "ok". */
function h2get(session: http2.ClientHttp2Session, t: Tally): Promise<boolean> {
  return new Promise((resolve) => {
    const req = session.request({ ":path": "/" });
    req.resume();
    req.on("end", () => {
      t.ok++;
      resolve(true);
    });
    req.on("error", (e: Error) => {
      t.errors.push(e.message);
      resolve(false);
    });
  });
}

async function http2Clients(
  relayTo: (port: number) => Promise<DelayRelay>,
): Promise<Tally & { handled: number }> {
  let handled = 0;
  const server = http2.createServer();
  server.on("stream", (stream) => {
    handled++;
    stream.respond({ ":status": 200 });
    stream.end("ok");
  });
  guard(server, OPTIONS);
  const relay = await relayTo(await listen(server));
  const t = tally();
  const sessions: (http2.ClientHttp2Session | null)[] = Array.from({ length: CLIENTS }, () => null);
  const sessionOf = (i: number) => {
    const s = sessions[i];
    if (s && !s.closed && !s.destroyed) return s;
    const fresh = http2.connect(`http://127.0.0.1:${relay.port}`);
    fresh.on("error", () => {});
    sessions[i] = fresh;
    return fresh;
  };
  try {
    await load(
      async (i) => {
        // A refused stream was never processed: retry it once on a new session, as browsers do.
        if (!(await h2get(sessionOf(i), t))) await h2get(sessionOf(i), t);
      },
      (i) => sessions[i]?.close(),
    );
  } finally {
    await relay.close();
    await closeServer(server);
  }
  return { ...t, handled };
}

test("40 clients, 5 requests 2s apart, idleTimeout 2s, 20ms each way: no request races guard's close", {
  concurrency: 2,
}, async (t) => {
  const relayTo = (port: number) => startDelayRelay(port, DELAY_MS);
  await Promise.all([
    t.test("HTTP/1 keep-alive agents honouring the Keep-Alive hint get no ECONNRESET", async (t1) => {
      const r = await http1(relayTo);
      t1.diagnostic(
        `${r.ok} ok, ${r.errors.length} errors, ${r.reused} on reused sockets, hint ${[...r.hints].join(" | ")}`,
      );
      assert.deepEqual(r.errors, []);
      assert.equal(r.ok, CLIENTS * REQUESTS);
      assert.deepEqual([...r.hints], ["timeout=1"]);
    }),
    t.test(
      "HTTP/2 sessions: a request racing the GOAWAY is refused unprocessed, and its retry succeeds",
      async (t2) => {
        const r = await http2Clients(relayTo);
        t2.diagnostic(`${r.ok} ok, ${r.errors.length} refused and retried, ${r.handled} handled`);
        assert.deepEqual(
          r.errors.filter((e) => !/NGHTTP2_REFUSED_STREAM/.test(e)),
          [],
          "only REFUSED_STREAM (never processed), no reset",
        );
        assert.equal(r.ok, CLIENTS * REQUESTS, "every request succeeded, at the latest on its retry");
        assert.equal(r.handled, CLIENTS * REQUESTS, "the server handled each request exactly once");
      },
    ),
  ]);
});
