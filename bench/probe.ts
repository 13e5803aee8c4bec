// Liveness probe at scale: 10k idle connections across two namespaces joined by veth, a fifth of
// their peers cut off by an nft drop in the peers' namespace. `idlereap probe` must classify every
// one right, in at most 3 s of wall time with 3 probes, and put back every option. What a user has
// instead: nothing tells an idle dead peer from an idle live one; keepalive at the kernel's defaults
// finds the dead ones after 7200 + 75 x 9 s (if the application enabled it at all).
// Run: `npm run build && npx tsx bench/probe.ts` (BENCH_CONNECTIONS, BENCH_DEAD_SHARE, BENCH_RUNS).

import { spawnSync } from "node:child_process";
import type { TestNetns } from "../test/helpers/netns.js";
import { blackholePorts, withVethPair } from "../test/helpers/veth.js";
import { median } from "./lib/measure.js";
import { dropExtraCaCerts } from "./lib/node-env.js";

dropExtraCaCerts();

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10_000);
const DEAD_SHARE = Number(process.env.BENCH_DEAD_SHARE ?? 0.2);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET_MS = 3000;
const root = new URL("..", import.meta.url).pathname;
const idlereap = `${root}bin/idlereap.cjs`;
const PEERS = `${root}test/fixtures/peers.mjs`;

interface Ready {
  pid: number;
  port: number;
  localPorts: number[];
}

interface ProbeJson {
  elapsedMs: number;
  summary: { alive: number; dead: number; unknown: number; notRestored: number };
  connections: { remotePort: number; liveness: string; restored: boolean }[];
}

function probeOnce(near: TestNetns, port: number, dead: Set<number>) {
  const t0 = performance.now();
  const r = spawnSync(
    "ip",
    ["netns", "exec", near.name, process.execPath, idlereap, "probe", "--sport", String(port), "--json"],
    {
      encoding: "utf8",
      maxBuffer: 1 << 30,
      env: { ...process.env, IDLEREAP_RUN_DIR: "/run/idlereap-bench" },
    },
  );
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`probe exited ${r.status}: ${r.stderr}`);
  const report = JSON.parse(r.stdout) as ProbeJson;
  let wrong = 0;
  for (const c of report.connections) {
    if (c.liveness !== (dead.has(c.remotePort) ? "dead" : "alive")) wrong++;
  }
  return { wallMs, report, wrong };
}

await withVethPair(async ({ near, far, nearAddress }) => {
  const server = await near.spawnFixture<Ready>(PEERS, [JSON.stringify({ listen: nearAddress })]);
  const clients: Ready[] = [];
  for (let left = CONNECTIONS; left > 0; left -= 5000) {
    const c = await far.spawnFixture<Ready>(PEERS, [
      JSON.stringify({ connect: nearAddress, port: server.ready.port, count: Math.min(5000, left) }),
    ]);
    clients.push(c.ready);
  }
  const ports = clients.flatMap((c) => c.localPorts);
  const dead = new Set(ports.slice(0, Math.round(ports.length * DEAD_SHARE)));
  blackholePorts(far, [...dead]);
  // Opening 10k connections keeps the machine busy for a moment after the fixtures say they are
  // ready (as bench/top.ts waits after its farm): the runs measure the probe, not the setup.
  await new Promise((r) => setTimeout(r, 3000));
  console.log(`${ports.length} idle connections, ${dead.size} with a blackholed peer; 3 probes, 1 s apart`);
  const walls: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { wallMs, report, wrong } = probeOnce(near, server.ready.port, dead);
    walls.push(wallMs);
    const s = report.summary;
    console.log(
      `run ${i + 1}: ${wallMs.toFixed(0)} ms wall (${report.elapsedMs} ms in the command): alive ${s.alive}, dead ${s.dead}, unknown ${s.unknown}, misclassified ${wrong}, options not put back ${s.notRestored}`,
    );
    if (report.connections.length !== ports.length) {
      console.log(`  ! ${report.connections.length} connections probed, ${ports.length} expected`);
    }
  }
  const m = median(walls);
  console.log(
    `median ${m.toFixed(0)} ms wall: ${(m / TARGET_MS).toFixed(2)} of the 3 s target; ` +
      `keepalive at the kernel's defaults: 7875 s (ratio ${(m / 7_875_000).toExponential(1)})`,
  );
});
