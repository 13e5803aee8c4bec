// idlereap ls / the socket scan against ss, on a farm of loopback connections in a throwaway
// namespace. Prints each figure, the ratio and the target. Run: `npm run build && npx tsx bench/ls.ts`.
import { execFileSync } from "node:child_process";
import { createNetns, destroyNetns } from "../test/helpers/netns.js";
import { buildFarm } from "./lib/farm.js";
import { fmt, inNetnsArgs, median, ratio, timeCommand } from "./lib/measure.js";
import { dropExtraCaCerts } from "./lib/node-env.js";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50_000);
const SMALL = Math.round(CONNECTIONS / 10);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
// The sizes are measured in turn, this many times over, and each figure is the median of the
// rounds: this VM runs fast or slow for stretches of a minute or so, and one size measured wholly in
// a slow stretch would skew the per-socket comparison between sizes.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const root = new URL("..", import.meta.url).pathname;
dropExtraCaCerts();
const rawDump = "/tmp/idlereap-raw-dump";
execFileSync("gcc", ["-O2", "-o", rawDump, `${root}bench/lib/raw-dump.c`]);

interface Figures {
  sockets: number;
  lsOwners: number;
  ssOwners: number;
  lsPlain: number;
  ssPlain: number;
  scan: number;
  raw: number;
  rssMiB: number;
}

function measure(netns: string, runs: number): Figures {
  const node = (script: string, ...args: string[]) => inNetnsArgs(netns, process.execPath, [script, ...args]);
  const idlereap = `${root}bin/idlereap.cjs`;
  const scan = JSON.parse(
    execFileSync(...node(`${root}bench/lib/scan-run.mjs`, String(runs)), { encoding: "utf8" }),
  );
  const raw = JSON.parse(execFileSync(...inNetnsArgs(netns, rawDump, [String(runs)]), { encoding: "utf8" }));
  const rssOut = execFileSync(
    "sh",
    [
      "-c",
      `ip netns exec ${netns} ${process.execPath} ${root}bench/lib/rss-run.mjs ls --json 2>&1 >/dev/null`,
    ],
    { encoding: "utf8" },
  );
  const rssKiB = Number(/maxrss_kib=(\d+)/.exec(rssOut)?.[1] ?? Number.NaN);
  return {
    sockets: scan.sockets,
    lsOwners: timeCommand(...node(idlereap, "ls", "--json"), runs).ms,
    ssOwners: timeCommand(...inNetnsArgs(netns, "ss", ["-tinp"]), runs).ms,
    lsPlain: timeCommand(...node(idlereap, "ls", "--json", "--no-process"), runs).ms,
    ssPlain: timeCommand(...inNetnsArgs(netns, "ss", ["-tin"]), runs).ms,
    scan: scan.ms,
    raw: raw.ms,
    rssMiB: rssKiB / 1024,
  };
}

async function atSize(connections: number): Promise<Figures> {
  const ns = createNetns("irbench");
  // Small tables take little time, so noise weighs more: they get three times the runs.
  const runs = connections < 20_000 ? RUNS * 3 : RUNS;
  try {
    const farm = await buildFarm({
      connections,
      processes: Math.max(2, Math.ceil(connections / 9000)),
      netns: ns.name,
    });
    try {
      // Let the farm's processes settle (accepts, first acks) before timing anything.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      return measure(ns.name, runs);
    } finally {
      await farm.close();
    }
  } finally {
    await destroyNetns(ns);
  }
}

// The baseline: one connection in one process, so process start, module load, the walker thread
// and the kernel's walk of empty hash buckets are all in it.
const rounds: Figures[][] = [];
for (let r = 0; r < ROUNDS; r++) {
  rounds.push([await atSize(1), await atSize(SMALL), await atSize(CONNECTIONS)]);
}
const medianOf = (i: number): Figures => {
  const all = rounds.map((round) => round[i] as Figures);
  const keys = Object.keys(all[0] as Figures) as (keyof Figures)[];
  return Object.fromEntries(keys.map((k) => [k, median(all.map((f) => f[k]))])) as unknown as Figures;
};
const [empty, small, big] = [medianOf(0), medianOf(1), medianOf(2)];
const row = (name: string, ours: number, theirs: number, target: number) =>
  console.log(
    `${name.padEnd(44)} ${fmt(ours).padStart(11)} vs ${fmt(theirs).padStart(11)}  ratio ${ratio(ours, theirs)} (target <= ${target}) ${ours / theirs <= target ? "ok" : "MISSED"}`,
  );
console.log(
  `farm: ${big.sockets} sockets (${CONNECTIONS} connections); median of ${ROUNDS} rounds, each the median of ${RUNS} runs`,
);
row("idlereap ls --json  vs  ss -tinp", big.lsOwners, big.ssOwners, 0.33);
row("idlereap ls --json --no-process  vs  ss -tin", big.lsPlain, big.ssPlain, 0.5);
row("in-process scan  vs  raw C dump", big.scan, big.raw, 2);
console.log(
  `peak memory of idlereap ls --json: ${big.rssMiB.toFixed(0)} MiB (target < 200 MiB) ${big.rssMiB < 200 ? "ok" : "MISSED"}`,
);
// Per socket: the time above the one-connection baseline, divided by the extra sockets listed. For
// a fresh process this also holds V8's warm-up (the first few thousand sockets run unoptimized while
// the hot functions compile), a fixed cost that weighs ten times more at 10k than at 100k. The raw C
// dump shows how flat the kernel's own part is on the same farms.
const per = (f: Figures, key: "lsOwners" | "lsPlain" | "scan" | "raw") =>
  ((f[key] - empty[key]) * 1000) / (f.sockets - empty.sockets);
for (const key of ["lsOwners", "lsPlain", "scan", "raw"] as const) {
  const a = per(small, key);
  const b = per(big, key);
  const name = {
    lsOwners: "ls --json",
    lsPlain: "ls --json --no-process",
    scan: "in-process scan",
    raw: "raw C dump (reference)",
  }[key];
  const verdict = key === "raw" ? "" : ` (target within 30%) ${Math.abs(b / a - 1) <= 0.3 ? "ok" : "MISSED"}`;
  console.log(
    `time per socket, ${name}: ${a.toFixed(2)} µs at ${small.sockets} vs ${b.toFixed(2)} µs at ${big.sockets}, ratio ${ratio(b, a)}${verdict}`,
  );
}
console.log(
  `baseline (one connection): ls --json ${fmt(empty.lsOwners)}, --no-process ${fmt(empty.lsPlain)}, scan ${fmt(empty.scan)}, raw dump ${fmt(empty.raw)}`,
);
