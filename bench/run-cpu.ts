// CPU of `idlereap run` with 100k sockets and a 5 s interval, measured over a minute from the
// daemon's own /proc/PID/stat (user + system time, so kernel work for the dumps counts too), while
// Prometheus-like scrapes hit the metrics endpoint every 15 s.
// Run: `npm run build && npx tsx bench/run-cpu.ts` (env BENCH_CONNECTIONS, BENCH_SECONDS). Target <= 3%.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createNetns, destroyNetns } from "../test/helpers/netns.js";
import { buildFarm } from "./lib/farm.js";

const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const WARMUP_S = 8;
const TARGET = 3;
const CLK_TCK = 100;
const REFRESH = process.env.BENCH_REFRESH ?? "30s";
const root = new URL("..", import.meta.url).pathname;

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime, stime
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ns = createNetns("irbench");
const dir = mkdtempSync(join(tmpdir(), "idlereap-cpu-"));
let daemon: ReturnType<typeof spawn> | undefined;
try {
  const farm = await buildFarm({
    connections: CONNECTIONS,
    processes: Math.max(2, Math.ceil(CONNECTIONS / 9000)),
    netns: ns.name,
    timeoutMs: 180_000,
  });
  try {
    const policy = join(dir, "policy.yaml");
    writeFileSync(
      policy,
      `interval: 5s
namespaces: [${ns.name}]
metrics: { listen: "127.0.0.1:0", refresh: ${REFRESH} }
audit: { file: ${join(dir, "audit.jsonl")} }
rules:
  - name: idle-clients
    match: { state: established, idle: 1h }
    action: close
  - name: leaked-close-wait
    match: { state: close-wait, idle: 10m }
    action: abort
  - name: dead-peers
    match: { state: established, deadPeer: 2m }
    action: abort
pressure: { scaleAt: 0.8, saturateAt: 0.95, minScale: 0.1 }
`,
    );
    daemon = spawn(process.execPath, [`${root}bin/idlereap.cjs`, "run", "--config", policy], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const lines = createInterface({ input: daemon.stderr as NodeJS.ReadableStream });
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("daemon did not start")), 30_000);
      lines.on("line", (l) => {
        const m = /metrics on (http:\S+)/.exec(l);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] as string);
        }
        if (/run: (?!started)/.test(l)) process.stderr.write(`${l}\n`);
      });
    });
    await sleep(WARMUP_S * 1000);
    const pid = daemon.pid as number;
    const t0 = performance.now();
    const c0 = cpuTicks(pid);
    let scrapes = 0;
    let longestDump = 0;
    while (performance.now() - t0 < SECONDS * 1000) {
      await sleep(Math.min(15_000, SECONDS * 1000 - (performance.now() - t0)));
      const text = await (await fetch(url)).text();
      const dump =
        Number(/idlereap_scan_duration_seconds\{netns="[^"]+"\} (\S+)/.exec(text)?.[1] ?? 0) * 1000;
      longestDump = Math.max(longestDump, dump);
      scrapes++;
    }
    const c1 = cpuTicks(pid);
    const wall = (performance.now() - t0) / 1000;
    const pct = ((c1 - c0) / CLK_TCK / wall) * 100;
    const metrics = await (await fetch(url)).text();
    const sockets = metrics
      .split("\n")
      .filter((l) => l.startsWith("idlereap_sockets{"))
      .reduce((n, l) => n + Number(l.split(" ")[1]), 0);
    console.log(
      `run cpu: ${sockets} sockets in the namespace, interval 5s, ${scrapes} scrapes, measured over ${wall.toFixed(0)}s`,
    );
    console.log(`  longest dump seen at a scrape: ${longestDump.toFixed(0)}ms (metrics.refresh ${REFRESH})`);
    console.log(
      `  daemon CPU: ${pct.toFixed(2)}% of one core  ratio ${(pct / TARGET).toFixed(2)} (target <= ${TARGET}%) ${pct <= TARGET ? "ok" : "MISSED"}`,
    );
  } finally {
    daemon?.kill("SIGTERM");
    await farm.close();
  }
} finally {
  daemon?.kill("SIGKILL");
  await destroyNetns(ns);
  rmSync(dir, { recursive: true, force: true });
}
