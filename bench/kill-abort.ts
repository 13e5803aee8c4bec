// Abort of many idle sockets: `idlereap kill --state established --port P --mode abort --yes` as users
// type it (owners looked up only when needed: here never) against `ss -K` with the equivalent filter,
// on farms of idle loopback connections in a throwaway namespace (a fresh farm for every run, since
// both destroy it). Also shown: the same abort as a library call (Reaper.kill, no process start) and
// the cost of merely starting Node here. Run: `npm run build && npx tsx bench/kill-abort.ts`.
// BENCH_BASE_BIN=/path/to/other/bin/idlereap.cjs adds that build's figure for the same command.
// Target: idlereap <= 1.0 x ss -K.

import { execFileSync, spawnSync } from "node:child_process";
import { resolveNetns } from "../src/kernel/netns.js";
import { Reaper } from "../src/reap/reaper.js";
import { compileFilter } from "../src/select/socket-filter.js";
import { createNetns, destroyNetns } from "../test/helpers/netns.js";
import { buildFarm } from "./lib/farm.js";
import { fmt, median, ratio } from "./lib/measure.js";
import { dropExtraCaCerts } from "./lib/node-env.js";

dropExtraCaCerts();

const SOCKETS = Number(process.env.BENCH_SOCKETS ?? 16_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const root = new URL("..", import.meta.url).pathname;
const idlereap = `${root}bin/idlereap.cjs`;
/** Another build's bin (e.g. a checkout of the previous commit) timed with the same arguments. */
const BASE_BIN = process.env.BENCH_BASE_BIN;
/** The farm's listening port (on each worker's own 127.0.0.x address). */
const PORT = 7411;
/** BENCH_FILTER=state drops the port condition on both sides (ss -K then has no bytecode to run). */
const BY_PORT = process.env.BENCH_FILTER !== "state";
const KILL = [
  "kill",
  "--state",
  "established",
  ...(BY_PORT ? ["--port", String(PORT)] : []),
  "--mode",
  "abort",
  "--yes",
];
const SS_K = [
  "-K",
  "-t",
  "state",
  "established",
  ...(BY_PORT ? [`( sport = :${PORT} or dport = :${PORT} )`] : []),
];

function established(netns: string): number {
  const out = execFileSync("ip", ["netns", "exec", netns, "ss", "-tanH", "state", "established"], {
    encoding: "utf8",
    maxBuffer: 1 << 30,
  });
  return out.split("\n").filter(Boolean).length;
}

function inNetns(netns: string, cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync("ip", ["netns", "exec", netns, cmd, ...args], {
    stdio: ["ignore", "ignore", "pipe"],
    maxBuffer: 1 << 30,
  });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.status}: ${r.stderr}`);
  return ms;
}

/** Builds a farm, runs `abort` once, checks it left no established socket. */
async function onFreshFarm(netns: string, abort: () => number | Promise<number>): Promise<number> {
  const farm = await buildFarm({ connections: SOCKETS / 2, processes: 2, netns, port: PORT });
  try {
    const before = established(netns);
    if (before < SOCKETS) throw new Error(`farm has ${before} established sockets, wanted ${SOCKETS}`);
    const ms = await abort();
    const left = established(netns);
    if (left !== 0) throw new Error(`the abort left ${left} of ${before} established sockets`);
    return ms;
  } finally {
    await farm.close();
  }
}

async function libraryAbort(netns: string): Promise<number> {
  const t0 = performance.now();
  const r = await new Reaper().kill([resolveNetns(netns)], {
    filter: compileFilter({ states: "established", ...(BY_PORT ? { ports: [PORT] } : {}) }),
    mode: "abort",
    keepOutcomes: 0,
  });
  const ms = performance.now() - t0;
  if (r.summary.failed > 0) throw new Error(`library abort: ${r.summary.failed} failed`);
  return ms;
}

const ns = createNetns("irbench");
const runs: Record<string, number[]> = { ss: [], cli: [], quiet: [], library: [], node: [], base: [] };
try {
  const node = process.execPath;
  const measures: [string, () => number | Promise<number>][] = [
    ["ss", () => inNetns(ns.name, "ss", SS_K)],
    ["cli", () => inNetns(ns.name, node, [idlereap, ...KILL])],
    ["quiet", () => inNetns(ns.name, node, [idlereap, ...KILL, "--quiet"])],
    ["library", () => libraryAbort(ns.name)],
    ...(BASE_BIN
      ? [["base", () => inNetns(ns.name, node, [BASE_BIN, ...KILL])] as [string, () => number]]
      : []),
  ];
  for (let i = 0; i < RUNS; i++) {
    // Each run starts with another measure: the one right after a destroyed farm runs slower while
    // the kernel tears its sockets down, and no measure should always be the one to pay for it.
    const order = [...measures.slice(i % measures.length), ...measures.slice(0, i % measures.length)];
    for (const [key, abort] of order) runs[key]?.push(await onFreshFarm(ns.name, abort));
    runs.node?.push(inNetns(ns.name, node, ["-e", "0"]));
  }
} finally {
  await destroyNetns(ns);
}
const m = (k: string) => median(runs[k] ?? []);
const ss = m("ss");
const line = (name: string, k: string, compare = true) =>
  console.log(
    `  ${name.padEnd(52)} ${fmt(m(k)).padStart(10)}${compare ? `  ratio ${ratio(m(k), ss)} ${m(k) <= ss ? "ok" : "MISSED"}` : ""}   runs ${(runs[k] ?? []).map(fmt).join(", ")}`,
  );
console.log(
  `abort of ${SOCKETS} idle established sockets, median of ${RUNS} runs, each on a fresh farm (target <= 1.0 x ss -K)`,
);
const port = BY_PORT ? " --port P" : "";
line(`ss -K -t state established${BY_PORT ? " '( sport = :P or dport = :P )'" : ""}`, "ss", false);
line(`idlereap kill --state established${port} --mode abort --yes`, "cli");
line("idlereap kill ... --quiet (summary only)", "quiet");
line("library call Reaper.kill (no process start)", "library");
if (BASE_BIN) line(`the same kill, BENCH_BASE_BIN (${BASE_BIN})`, "base");
line("node -e 0 (starting Node alone, for reference)", "node", false);
