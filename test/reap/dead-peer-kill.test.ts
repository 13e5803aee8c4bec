// A graceful kill of a dead peer over a real link aborts it and says why (a FIN would queue behind
// the unacknowledged data and leave an orphan retransmitting), and the shipped kubernetes-node
// policy's dead-peers rule acts on such a socket despite its full send queue.
import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveNetns } from "../../src/kernel/netns.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { loadPolicyFile } from "../../src/policy/policy-load.js";
import { compileRule } from "../../src/policy/rule-match.js";
import { planActions } from "../../src/reap/plan.js";
import { Protection } from "../../src/reap/protect.js";
import { Reaper } from "../../src/reap/reaper.js";
import { collectSockets } from "../../src/scan/collect.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";
import { blackholePorts, withVethPair } from "../helpers/veth.js";

const FLOW = new URL("../fixtures/dead-peer-flow.mjs", import.meta.url).pathname;
const root = new URL("../../", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  localPorts: number[];
}

test("graceful kill of a dead peer aborts it with the reason, and nothing of the flow is left", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withVethPair(async ({ near, far, farAddress }) => {
    const server = await far.spawnFixture<Ready>(FLOW, [JSON.stringify({ listen: farAddress })]);
    const port = server.ready.port;
    const client = await near.spawnFixture<Ready>(FLOW, [
      JSON.stringify({ connect: farAddress, port, write: true }),
    ]);
    await new Promise((r) => setTimeout(r, 300));
    blackholePorts(far, [port]);
    // The peer has been silent for 2 s with data retransmitting.
    await new Promise((r) => setTimeout(r, 2500));
    const ns = [resolveNetns(near.name)];
    const r = await new Reaper().kill(ns, {
      filter: compileFilter({ states: "established", dports: [port], deadPeerOverMs: 2000 }),
      mode: "graceful",
      graceMs: 0,
      deadPeerMs: 2000,
    });
    assert.equal(r.outcomes.length, 1, JSON.stringify(r.summary));
    const [o] = r.outcomes;
    assert.equal(o?.action, "abort");
    assert.equal(o?.result, "aborted", JSON.stringify(o));
    assert.ok((o?.deadPeerMs ?? 0) >= 2000, String(o?.deadPeerMs));
    assert.match(o?.detail ?? "", /dead peer: no answer for .* aborted instead of FIN/);
    assert.ok((o?.socket.sendQ ?? 0) > 0, "it had data queued, which did not block the abort");
    const end = await client.next<{ code: string | null }>();
    assert.equal(end.code, "ECONNABORTED");
    const { sockets } = collectSockets(ns, {
      filter: compileFilter({ states: "all", dports: [port] }),
      owners: false,
    });
    assert.deepEqual(
      sockets.map((s) => s.state),
      [],
      "no orphan left in FIN_WAIT1 or any state",
    );
  });
});

test("the shipped kubernetes-node policy's dead-peers rule acts on a dead peer with a full send queue", () => {
  const policy = loadPolicyFile(`${root}deploy/policies/kubernetes-node.yaml`);
  const rule = policy.rules.find((r) => r.name === "dead-peers");
  assert.ok(rule);
  const compiled = compileRule(rule);
  assert.equal(compiled.unackedMs, 120_000);
  const socket = {
    netns: "pod",
    state: "established",
    localPort: 40000,
    remotePort: 8080,
    recvQ: 0,
    sendQ: 623_000,
    notsentBytes: 400_000,
    idleMs: 100,
    unacked: 30,
    retransmits: 9,
    lastAckMs: 125_000,
    inode: 7,
    pid: 4242,
    command: "gateway",
  } as TcpSocket;
  const plan = planActions([{ ...compiled.spec, socket }], {
    protection: new Protection({ ports: [22, 10250], processes: ["sshd", "kubelet", "containerd*"] }),
  });
  assert.deepEqual(plan.skipped, []);
  assert.equal(plan.act[0]?.action, "abort");
});
