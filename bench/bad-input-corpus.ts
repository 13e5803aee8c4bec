// The bad-input corpus: well over 100 hostile inputs (CLI flags, policies, profiles, sysctl files)
// run through the built CLI, each with a timeout, in a throwaway network namespace with the
// state and sysctl.d directories redirected to a scratch folder. Each run is classified:
//   clear     refused with the expected exit (2; 1 for lint findings), naming the file/line/key or flag,
//             without a stack trace
//   unclear   refused, but with another exit code or a message that does not say where
//   accepted  exit 0 for an input that must be refused
//   crashed   a stack trace, a signal, or an exit code idlereap never uses
//   hung      still running at the timeout
// Run: `npm run build && npx tsx bench/bad-input-corpus.ts` (root; `-v` prints every case).
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createNetns, destroyNetns } from "../test/helpers/netns.js";
import { type Case, corpus } from "./lib/bad-inputs.js";

const BIN = new URL("../bin/idlereap.cjs", import.meta.url).pathname;
const TIMEOUT_MS = Number(process.env.CORPUS_TIMEOUT_MS ?? 20_000);
const PARALLEL = Number(process.env.CORPUS_PARALLEL ?? 2);
const verbose = process.argv.includes("-v");

type Verdict = "clear" | "unclear" | "accepted" | "crashed" | "hung";

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  hung: boolean;
}

function exec(args: string[], netns: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn("ip", ["netns", "exec", netns, process.execPath, BIN, ...args], {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    const take = (d: Buffer) => {
      if (out.length < 64_000) out += d.toString();
    };
    child.stdout.on("data", take);
    child.stderr.on("data", take);
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill("SIGKILL");
    }, TIMEOUT_MS);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out, hung });
    });
  });
}

function classify(c: Case, r: Run): Verdict {
  if (r.hung) return "hung";
  if (r.signal || /\n\s+at .+:\d+:\d+\)?\n/.test(r.out) || ![0, 1, 2].includes(r.code ?? -1)) {
    return "crashed";
  }
  if (r.code === 0) return "accepted";
  const expected = c.exit ?? 2;
  return r.code === expected && c.names.test(r.out) ? "clear" : "unclear";
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "idlereap-corpus-"));
  const ns = createNetns("irc");
  try {
    const env = {
      ...process.env,
      IDLEREAP_STATE_DIR: join(scratch, "state"),
      IDLEREAP_SYSCTL_D: join(scratch, "sysctl.d"),
    };
    prepare(scratch);
    const cases = corpus(scratch, ns.name);
    const counts: Record<Verdict, number> = { clear: 0, unclear: 0, accepted: 0, crashed: 0, hung: 0 };
    const byArea = new Map<string, Record<Verdict, number>>();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < cases.length; i = next++) {
        const c = cases[i] as Case;
        if (c.setup) c.setup();
        const r = await exec(c.args, ns.name, env);
        const v = classify(c, r);
        counts[v]++;
        const area = byArea.get(c.area) ?? { clear: 0, unclear: 0, accepted: 0, crashed: 0, hung: 0 };
        area[v]++;
        byArea.set(c.area, area);
        if (verbose || v !== "clear") {
          const first = r.out.trim().split("\n").slice(0, 3).join(" | ").slice(0, 300);
          console.log(`${v.padEnd(8)} [${c.area}] ${c.name} (exit ${r.code ?? r.signal}): ${first}`);
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    console.log(`\n${cases.length} bad inputs through ${BIN}`);
    for (const [area, a] of byArea) console.log(`  ${area.padEnd(9)} ${fmt(a)}`);
    console.log(`  ${"total".padEnd(9)} ${fmt(counts)}`);
    if (counts.clear !== cases.length) process.exitCode = 1;
  } finally {
    await destroyNetns(ns);
    rmSync(scratch, { recursive: true, force: true });
  }
}

const fmt = (c: Record<Verdict, number>) =>
  `clear ${c.clear} / unclear ${c.unclear} / accepted wrongly ${c.accepted} / crashed ${c.crashed} / hung ${c.hung}`;

/** Files the cases point at: a FIFO, a directory, a link loop, a huge file, garbage. */
function prepare(dir: string): void {
  mkdirSync(join(dir, "adir"));
  execFileSync("mkfifo", [join(dir, "fifo")]);
  symlinkSync(join(dir, "loop-b"), join(dir, "loop-a"));
  symlinkSync(join(dir, "loop-a"), join(dir, "loop-b"));
  writeFileSync(join(dir, "huge.yaml"), `# ${"x".repeat(2 << 20)}\n`);
  writeFileSync(
    join(dir, "garbage.yaml"),
    Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)),
  );
  writeFileSync(join(dir, "plain"), "");
}

await main();
