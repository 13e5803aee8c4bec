// Dead-peer detection latency of `idlereap run`: a rule `deadPeer: 5s` with interval 1s, the peer
// blackholed (nft drop in its own namespace, across a veth pair) while the client keeps writing.
// Every trial must be acted on within T + interval + 1 s of the blackhole; prints each latency and
// the worst, side by side with what the kernel alone does (tcp_retries2 = 15: ~924.6 s, computed from
// the kernel's backoff, not waited for) and the old definition (last data sent: never, as every
// retransmission refreshes it).
// Run: `npx tsx bench/dead-peer-latency.ts` (env: BENCH_TRIALS, default 20). Needs root and nft.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import { Daemon } from "../src/daemon/daemon.js";
import { RETRIES2_DEFAULT_MS } from "../src/model/keepalive.js";
import { parsePolicy } from "../src/policy/policy-load.js";
import { blackholePorts, withVethPair } from "../test/helpers/veth.js";

const THRESHOLD_MS = 5000;
const INTERVAL_MS = 1000;
const BUDGET_MS = THRESHOLD_MS + INTERVAL_MS + 1000;
const TRIALS = Number(process.env.BENCH_TRIALS ?? 20);
// The audit log goes to stdout without a file: keep the bench's output readable.
const AUDIT = join(mkdtempSync(join(tmpdir(), "idlereap-bench-")), "audit.jsonl");
const FLOW = new URL("../test/fixtures/dead-peer-flow.mjs", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  localPorts: number[];
}

async function trial(): Promise<{ ms: number; code: string | null }> {
  return withVethPair(async ({ near, far, farAddress }) => {
    const server = await far.spawnFixture<Ready>(FLOW, [JSON.stringify({ listen: farAddress })]);
    const port = server.ready.port;
    const client = await near.spawnFixture<Ready>(FLOW, [
      JSON.stringify({ connect: farAddress, port, write: true }),
    ]);
    const policy = parsePolicy(
      `interval: ${INTERVAL_MS}ms\nnamespaces: [${near.name}]\nmetrics: { enabled: false }\naudit: { file: ${AUDIT} }\nrules:\n  - name: dead-peers\n    match: { state: established, dport: ${port}, deadPeer: ${THRESHOLD_MS}ms }\n    action: abort\n`,
      "bench.yaml",
    );
    const daemon = new Daemon(policy, { registry: new Registry(), log: () => {} });
    try {
      await daemon.start();
      // A random phase against the daemon's interval.
      await new Promise((r) => setTimeout(r, 1000 + Math.random() * INTERVAL_MS));
      blackholePorts(far, [port]);
      const t0 = Date.now();
      const end = await Promise.race([
        client.next<{ code: string | null; at: number }>(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error("not acted on within 30s")), 30_000),
        ),
      ]);
      return { ms: end.at - t0, code: end.code };
    } finally {
      await daemon.stop();
    }
  });
}

const latencies: number[] = [];
for (let i = 1; i <= TRIALS; i++) {
  const r = await trial();
  latencies.push(r.ms);
  console.log(`trial ${i}: acted on ${r.ms} ms after the blackhole (${r.code})`);
}
const worst = Math.max(...latencies);
const late = latencies.filter((ms) => ms > BUDGET_MS).length;
console.log(
  `\n${TRIALS} trials, deadPeer ${THRESHOLD_MS} ms, interval ${INTERVAL_MS} ms: worst ${worst} ms, median ${
    [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length / 2)]
  } ms, budget ${BUDGET_MS} ms, late ${late}`,
);
console.log(
  `kernel alone (tcp_retries2 = 15, computed): ${RETRIES2_DEFAULT_MS} ms, ${(RETRIES2_DEFAULT_MS / worst).toFixed(0)}x the worst here`,
);
console.log("previous rule (time since last data sent): never fires while retransmissions refresh it");
if (late > 0) process.exitCode = 1;
