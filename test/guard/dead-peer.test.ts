// Dead peers over a real link: two namespaces joined by a veth pair, the peer blackholed by an nft
// drop in its own namespace. Keepalive numbers without a userTimeout find it in idle + interval ×
// count (issue 12: the old fixed 45s user timeout overrode the count); an explicit longer userTimeout
// makes the kernel probe past the count, as guard's warning says.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { Fixture, TestNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { blackholePeer, needsNft, withVethPair } from "./veth-pair.js";

const SERVER_FIXTURE = fileURLToPath(new URL("../fixtures/guard-server.mjs", import.meta.url));
const CLIENT_FIXTURE = fileURLToPath(new URL("../fixtures/guard-client.mjs", import.meta.url));

interface Ready {
  port: number;
  warnings: { code: string | null; message: string }[];
}

interface CloseLine {
  event: string;
  reason: string;
  ageMs: number;
  code: string | null;
}

function startServer(ns: TestNetns, host: string, options: object): Promise<Fixture<Ready>> {
  return ns.spawnFixture<Ready>(SERVER_FIXTURE, [JSON.stringify({ host, options })]);
}

/** One idle connection from `ns` (it sends a few bytes, then nothing). */
function connectFrom(ns: TestNetns, host: string, server: Fixture<Ready>): Promise<unknown> {
  return ns.spawnFixture(CLIENT_FIXTURE, [JSON.stringify({ host, port: server.ready.port })]);
}

/** The server's next close line and the time from `t0` it took, failing past `limitMs`. */
async function nextClose(server: Fixture<Ready>, t0: number, limitMs: number) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no dead-peer close within ${limitMs}ms`)), limitMs);
  });
  try {
    const line = await Promise.race([server.next<CloseLine>(), late]);
    return { line, ms: performance.now() - t0 };
  } finally {
    clearTimeout(timer);
  }
}

test("over a veth link, keepalive numbers without a userTimeout find a dead peer within idle + interval × count + 1.5s", async (t) => {
  if (!needsPrivilege(t) || !needsNft(t)) return;
  await withVethPair(async ({ server: sns, client: cns, serverAddress }) => {
    const keepAlive = { idle: "1s", interval: "1s", count: 2 };
    const counted = 1000 + 1000 * 2;
    const [byCount, byUserTimeout] = await Promise.all([
      startServer(sns, serverAddress, { idleTimeout: 0, keepAlive }),
      startServer(sns, serverAddress, { idleTimeout: 0, keepAlive, userTimeout: "5s" }),
    ]);
    assert.deepEqual(byCount.ready.warnings, [], "no warning without an explicit userTimeout");
    assert.equal(byUserTimeout.ready.warnings[0]?.code, "IDLEREAP_GUARD_USER_TIMEOUT");
    assert.match(
      byUserTimeout.ready.warnings[0]?.message ?? "",
      /after 4 unanswered probes \(5s\), not 2 \(3s/,
    );

    // Connected together and blackholed at once, well within `idle`: no probe is answered, and a
    // close's ageMs (time since accept) is the kernel's time since the peer's last segment.
    await Promise.all([
      connectFrom(cns, serverAddress, byCount),
      connectFrom(cns, serverAddress, byUserTimeout),
    ]);
    blackholePeer(cns, serverAddress);
    const t0 = performance.now();
    const [a, b] = await Promise.all([
      nextClose(byCount, t0, counted + 1500),
      nextClose(byUserTimeout, t0, 6500),
    ]);

    t.diagnostic(
      `by the count: found ${Math.round(a.ms)}ms after the blackhole, ${a.line.ageMs}ms after the last data`,
    );
    assert.equal(a.line.reason, "dead-peer");
    assert.equal(a.line.code, "ETIMEDOUT");
    // The kernel counts from the peer's last segment, which came just after accept: the count held
    // (one probe fewer would have given up at 2s).
    assert.ok(a.line.ageMs >= counted - 100, `given up ${a.line.ageMs}ms after accept, before ${counted}ms`);
    assert.ok(a.ms <= counted + 1500, `found after ${a.ms}ms`);

    t.diagnostic(
      `userTimeout 5s: found ${Math.round(b.ms)}ms after the blackhole, ${b.line.ageMs}ms after the last data`,
    );
    assert.equal(b.line.reason, "dead-peer");
    assert.equal(b.line.code, "ETIMEDOUT");
    assert.ok(
      b.line.ageMs >= 5000 - 100,
      `the user timeout replaced the count: given up at ${b.line.ageMs}ms`,
    );
  });
});
