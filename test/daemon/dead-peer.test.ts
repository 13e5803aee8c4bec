// Dead peers over a real link (two namespaces joined by a veth pair, the far side blackholed by an
// nft drop): the daemon's deadPeer rule acts while the client keeps writing and leaves nothing of
// the flow, and the keepalive retrofit into a server that never asked for keepalive finds the dead
// peer in idle + interval × count (its user timeout derived, issue 12).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { Daemon } from "../../src/daemon/daemon.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { collectSockets } from "../../src/scan/collect.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import type { Fixture } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";
import { blackholePorts, withVethPair } from "../helpers/veth.js";

const FLOW = new URL("../fixtures/dead-peer-flow.mjs", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  localPorts: number[];
}

interface End {
  event: string;
  code: string | null;
  localPort: number;
  at: number;
}

function daemonFor(yaml: string, logs: string[]): Daemon {
  const policy = parsePolicy(`${yaml}\nmetrics: { enabled: false }\n`, "dead-peer.yaml");
  return new Daemon(policy, { registry: new Registry(), log: (l) => logs.push(l) });
}

/** The fixture's next end line, or a failure naming what was awaited after `limitMs`. */
async function nextEnd(f: Fixture<Ready>, limitMs: number, what: string): Promise<End> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${limitMs}ms`)), limitMs);
  });
  try {
    return await Promise.race([f.next<End>(), late]);
  } finally {
    clearTimeout(timer);
  }
}

test("a deadPeer rule aborts a blackholed flow while the client keeps writing, and nothing of it is left", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withVethPair(async ({ near, far, farAddress }) => {
    const server = await far.spawnFixture<Ready>(FLOW, [JSON.stringify({ listen: farAddress })]);
    const port = server.ready.port;
    const client = await near.spawnFixture<Ready>(FLOW, [
      JSON.stringify({ connect: farAddress, port, write: true }),
    ]);
    const localPort = client.ready.localPorts[0] as number;
    const logs: string[] = [];
    // No force: the send queue is full of data the peer will never take, which must not block the abort.
    const daemon = daemonFor(
      `interval: 1s\nnamespaces: [${near.name}]\nrules:\n  - name: dead-peers\n    match: { state: established, dport: ${port}, deadPeer: 3s }\n    action: abort\n`,
      logs,
    );
    try {
      await daemon.start();
      await new Promise((r) => setTimeout(r, 1500));
      blackholePorts(far, [port]);
      // The peer is silent once the last drop rule is in (each nft call takes a while here).
      const t0 = Date.now();
      const end = await nextEnd(client, 20_000, "the client's connection to end");
      const tookMs = end.at - t0;
      t.diagnostic(`aborted ${tookMs}ms after the blackhole`);
      assert.equal(end.code, "ECONNABORTED", `aborted by the daemon, not timed out: ${JSON.stringify(end)}`);
      assert.ok(
        tookMs <= 3000 + 1000 + 1000,
        `acted ${tookMs}ms after the blackhole (threshold 3s + interval 1s + 1s)`,
      );
    } finally {
      await daemon.stop();
    }
    const { sockets } = collectSockets([resolveNetns(near.name)], {
      filter: compileFilter({ states: "all", dports: [port], sports: [localPort] }),
      owners: false,
    });
    assert.deepEqual(
      sockets.map((s) => s.state),
      [],
      "no socket of the flow in any state (no orphan retransmitting)",
    );
  });
});

test("a keepalive retrofit into a server that never asked for it finds the blackholed peer in idle + interval × count", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(FLOW, [JSON.stringify({ listen: nearAddress })]);
    const port = server.ready.port;
    const client = await far.spawnFixture<Ready>(FLOW, [JSON.stringify({ connect: nearAddress, port })]);
    await new Promise((r) => setTimeout(r, 200));
    const logs: string[] = [];
    // No userTimeout: derived as idle + interval × count = 3 s. The old fixed 90 s one overrode the count.
    const daemon = daemonFor(
      `namespaces: [${near.name}]\nrules:\n  - name: retrofit\n    match: { state: established, sport: ${port}, keepalive: false }\n    action: keepalive\n    keepalive: { idle: 1s, interval: 1s, count: 2 }\n`,
      logs,
    );
    try {
      const t0 = Date.now();
      const outcomes = daemon.scanOnce();
      assert.deepEqual(
        outcomes.map((o) => o.result),
        ["keepalive-set"],
      );
      // The far side goes silent: everything to and from the client's port is dropped there.
      blackholePorts(far, client.ready.localPorts);
      const end = await nextEnd(server, 1000 + 1000 * 2 + 1500, "the server to find the dead peer");
      assert.equal(end.code, "ETIMEDOUT", JSON.stringify(end));
      t.diagnostic(`dead peer found ${end.at - t0}ms after the retrofit`);
      assert.ok(end.at - t0 <= 4500, `found ${end.at - t0}ms after the retrofit`);
    } finally {
      await daemon.stop();
    }
  });
});

test("peer: dead reaps only the idle connection whose peer does not answer the probe", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withVethPair(async ({ near, far, nearAddress }) => {
    const server = await near.spawnFixture<Ready>(FLOW, [JSON.stringify({ listen: nearAddress })]);
    const port = server.ready.port;
    const clients = await far.spawnFixture<Ready>(FLOW, [
      JSON.stringify({ connect: nearAddress, port, count: 2 }),
    ]);
    const [deadPort, alivePort] = clients.ready.localPorts as [number, number];
    blackholePorts(far, [deadPort]);
    await new Promise((r) => setTimeout(r, 1200));
    const logs: string[] = [];
    const daemon = daemonFor(
      `namespaces: [${near.name}]\nrules:\n  - name: idle-and-dead\n    match: { state: established, sport: ${port}, idle: 1s, peer: dead }\n    action: abort\n`,
      logs,
    );
    try {
      // Both are idle candidates; neither is acted on before the probe answers.
      assert.deepEqual(daemon.scanOnce(), []);
      const end = await nextEnd(server, 15_000, "the dead peer's connection to be aborted");
      assert.equal(end.code, "ECONNABORTED", JSON.stringify(end));
      assert.equal((end as End & { remotePort: number }).remotePort, deadPort);
      assert.ok(
        logs.some((l) => /peer probe: .*aborted 1/.test(l)),
        logs.join("\n"),
      );
    } finally {
      await daemon.stop();
    }
    const { sockets } = collectSockets([resolveNetns(near.name)], {
      filter: compileFilter({ states: "established", sports: [port] }),
      owners: false,
    });
    assert.deepEqual(
      sockets.map((s) => s.remotePort),
      [alivePort],
      "the quiet but alive connection stays",
    );
  });
});
