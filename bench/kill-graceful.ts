// Graceful closing rate: FIN through a pidfd_getfd duplicate of each owner's descriptor, for every
// socket of a farm of idle loopback connections (a fresh farm per run). Measured as a library call
// (scan with owners, checks, shutdowns) and through the CLI. The farm's processes never read, so no
// owner closes on its own: the figure is idlereap's work only. Grace 0: no escalation wait.
// Run: `npm run build && npx tsx bench/kill-graceful.ts`. Target: at least 5000 sockets/s.
// BENCH_BASE_BIN=/path/to/other/bin/idlereap.cjs adds that build's figure for the same command.
import { execFileSync, spawnSync } from "node:child_process";
import { resolveNetns } from "../src/kernel/netns.js";
import { Reaper } from "../src/reap/reaper.js";
import { compileFilter } from "../src/select/socket-filter.js";
import { createNetns, destroyNetns } from "../test/helpers/netns.js";
import { buildFarm } from "./lib/farm.js";
import { fmt, median } from "./lib/measure.js";

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 16_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const TARGET = 5000;
const root = new URL("..", import.meta.url).pathname;

function established(netns: string): number {
  const out = execFileSync("ip", ["netns", "exec", netns, "ss", "-tanH", "state", "established"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  return out.split("\n").filter(Boolean).length;
}

type Run = { ms: number; closed: number };

async function onFreshFarm(netns: string, close: () => Run | Promise<Run>) {
  const farm = await buildFarm({ connections: SOCKETS / 2, processes: 2, netns });
  try {
    const before = established(netns);
    const r = await close();
    const left = established(netns);
    if (left !== 0) throw new Error(`${left} of ${before} sockets still established`);
    return r;
  } finally {
    await farm.close();
  }
}

async function library(netns: string): Promise<Run> {
  const t0 = performance.now();
  const { outcomes } = await new Reaper().kill([resolveNetns(netns)], {
    filter: compileFilter({ states: "established" }),
    mode: "graceful",
    graceMs: 0,
  });
  const ms = performance.now() - t0;
  return { ms, closed: outcomes.filter((o) => o.result === "closed").length };
}

/** Another build's bin (e.g. a checkout of the previous commit) timed with the same arguments. */
const BASE_BIN = process.env.BENCH_BASE_BIN;

function cli(netns: string, bin = `${root}bin/idlereap.cjs`): Run {
  const t0 = performance.now();
  const r = spawnSync(
    "ip",
    ["netns", "exec", netns, process.execPath, bin, "kill", "--state", "established"].concat([
      "--grace",
      "0",
      "--yes",
      "--quiet",
    ]),
    { encoding: "utf8" },
  );
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`kill: exit ${r.status}: ${r.stderr}`);
  const closed = Number(/closed gracefully (\d+)/.exec(r.stdout)?.[1] ?? 0);
  return { ms, closed };
}

const ns = createNetns("irbench");
const lib: { ms: number; closed: number }[] = [];
const viaCli: Run[] = [];
const viaBase: Run[] = [];
try {
  for (let i = 0; i < RUNS; i++) {
    lib.push(await onFreshFarm(ns.name, () => library(ns.name)));
    // The run right after the library's is slower (the kernel still tears down the last farm's
    // sockets), so the two builds take turns going first.
    const both = [
      async () => viaCli.push(await onFreshFarm(ns.name, () => cli(ns.name))),
      async () => BASE_BIN && viaBase.push(await onFreshFarm(ns.name, () => cli(ns.name, BASE_BIN))),
    ];
    for (const run of i % 2 ? both.reverse() : both) await run();
  }
} finally {
  await destroyNetns(ns);
}
const rate = (r: { ms: number; closed: number }) => (r.closed / r.ms) * 1000;
const show = (name: string, runs: { ms: number; closed: number }[]) => {
  const rates = runs.map(rate);
  const m = median(rates);
  console.log(
    `  ${name.padEnd(44)} ${m.toFixed(0).padStart(7)} sockets/s  ratio ${(m / TARGET).toFixed(2)} ${m >= TARGET ? "ok" : "MISSED"}   runs ${runs.map((r) => `${r.closed} in ${fmt(r.ms)}`).join(", ")}`,
  );
};
console.log(
  `graceful close of ${SOCKETS} idle sockets, median of ${RUNS} runs (target >= ${TARGET} sockets/s)`,
);
show("library: scan with owners + shutdowns", lib);
show("idlereap kill --grace 0 --yes (with Node start)", viaCli);
if (BASE_BIN) show("the same, BENCH_BASE_BIN", viaBase);
