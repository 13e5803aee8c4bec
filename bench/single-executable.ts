// Start time and size of the single executable (dist/sea/idlereap, `npm run build:sea`) against what
// a user runs instead, `node bin/idlereap.cjs`: --version (start alone) and status (start, a scan,
// the native module), runs interleaved so that both see the same moments of the machine; and the CPU
// time per start (user + system, from bash's `times`), which a busy machine disturbs less.
// Run: `npm run build && npm run build:sea && npx tsx bench/single-executable.ts`.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { fmt, median, ratio } from "./lib/measure.js";
import { dropExtraCaCerts } from "./lib/node-env.js";

dropExtraCaCerts();

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const root = new URL("..", import.meta.url).pathname;
const sea = `${root}dist/sea/idlereap`;
const bin = `${root}bin/idlereap.cjs`;
if (!existsSync(sea)) throw new Error(`${sea} is missing: run \`npm run build:sea\` first`);

function once(cmd: string, args: string[]): number {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
  return ms;
}

function compare(args: string[]): void {
  const a: number[] = [];
  const b: number[] = [];
  once(sea, args); // first runs read the files into the page cache
  once(process.execPath, [bin, ...args]);
  for (let i = 0; i < RUNS; i++) {
    a.push(once(sea, args));
    b.push(once(process.execPath, [bin, ...args]));
  }
  const [s, n] = [median(a), median(b)];
  console.log(
    `${args.join(" ").padEnd(10)} single executable ${fmt(s)}   node bin/idlereap.cjs ${fmt(n)}   ratio ${ratio(s, n)}`,
  );
}

/** CPU time (user + system) per run of `command`, over RUNS runs, from bash's `times` of its children. */
function cpuPerRun(command: string): number {
  const script = `for i in $(seq ${RUNS}); do ${command} >/dev/null 2>&1; done; times`;
  const out = execFileSync("bash", ["-c", script], { encoding: "utf8" });
  const children = out.trim().split("\n").at(-1) ?? "";
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
    (s, m) => s + Number(m[1]) * 60 + Number(m[2]),
    0,
  );
  return (seconds * 1000) / RUNS;
}

function compareCpu(args: string): void {
  const s = cpuPerRun(`${sea} ${args}`);
  const n = cpuPerRun(`${process.execPath} ${bin} ${args}`);
  console.log(
    `${args.padEnd(10)} CPU per run: single executable ${fmt(s)}   node bin/idlereap.cjs ${fmt(n)}   ratio ${ratio(s, n)}`,
  );
}

const mb = (path: string) => `${(statSync(path).size / 1e6).toFixed(1)} MB`;
console.log(`sizes: ${sea} ${mb(sea)}; ${process.execPath} ${mb(process.execPath)} (plus the npm package)`);
console.log(`median of ${RUNS} runs each, interleaved`);
compare(["--version"]);
compare(["status"]);
compareCpu("--version");
compareCpu("status");
