// Precision of `idlereap run`: with interval I and idle threshold T, every idle connection must be
// closed within T + I + 0.5 s of its last data, and no active connection may be closed, while a pool
// of short-lived connections churns (opened, written every 0.5 s, reset after 2-6 s, replaced) under
// every scan.
// The daemon runs in this process; the load runs in worker processes inside a throwaway namespace.
// Run: `npx tsx bench/run-precision.ts` (env: BENCH_CHURN, BENCH_IDLE, BENCH_ACTIVE).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Registry } from "prom-client";
import { Daemon } from "../src/daemon/daemon.js";
import { parsePolicy } from "../src/policy/policy-load.js";
import { createNetns, destroyNetns } from "../test/helpers/netns.js";

const INTERVAL_MS = 1000;
const THRESHOLD_MS = 3000;
const SLACK_MS = 500;
const CHURN = Number(process.env.BENCH_CHURN ?? 10_000);
const IDLE = Number(process.env.BENCH_IDLE ?? 60);
const ACTIVE = Number(process.env.BENCH_ACTIVE ?? 1000);
const WORKERS = 2;
const SPACING_MS = 150;
const worker = new URL("./lib/precision-worker.mjs", import.meta.url).pathname;

interface Report {
  idle: { lastDataAt: number; endedAt: number | null }[];
  foreignCloses: number;
  churned: number;
}

function startWorker(netns: string, host: string, spec: Record<string, unknown>) {
  const child = spawn(
    "ip",
    ["netns", "exec", netns, process.execPath, worker, JSON.stringify({ host, ...spec })],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const lines = createInterface({ input: child.stdout });
  const next = async <T>(): Promise<T> => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    try {
      const [line] = (await Promise.race([
        once(lines, "line"),
        once(child, "exit").then(() => {
          throw new Error("precision worker exited");
        }),
      ])) as [string];
      return JSON.parse(line) as T;
    } finally {
      clearTimeout(timer);
    }
  };
  return { child, next };
}

const ns = createNetns("irbench");
const dir = mkdtempSync(join(tmpdir(), "idlereap-precision-"));
const workers: ReturnType<typeof startWorker>[] = [];
let daemon: Daemon | undefined;
try {
  ns.exec("sysctl", ["-qw", "net.ipv4.ip_local_port_range=1024 65000"]);
  const policy = parsePolicy(`
interval: ${INTERVAL_MS}ms
namespaces: [${ns.name}]
metrics: { enabled: false }
audit: { file: ${join(dir, "audit.jsonl")} }
limits: { maxActionsPerScan: 100000 }
rules:
  - name: idle
    match: { state: established, idle: ${THRESHOLD_MS}ms }
    action: close
    grace: 1s
`);
  for (let i = 0; i < WORKERS; i++) {
    workers.push(
      startWorker(ns.name, `127.0.0.${i + 1}`, {
        idle: Math.ceil(IDLE / WORKERS),
        active: Math.ceil(ACTIVE / WORKERS),
        churn: Math.ceil(CHURN / WORKERS),
        lifetimeMs: [2000, 6000],
        writeMs: 500,
        spacingMs: SPACING_MS,
      }),
    );
  }
  await Promise.all(workers.map((w) => w.next()));
  let scans = 0;
  const logs: string[] = [];
  const registry = new Registry();
  daemon = new Daemon(policy, { registry, log: (l) => logs.push(l) });
  await daemon.start();
  const runMs = Math.ceil(IDLE / WORKERS) * SPACING_MS + THRESHOLD_MS + INTERVAL_MS + 3000;
  const t0 = Date.now();
  while (Date.now() - t0 < runMs) {
    await new Promise((r) => setTimeout(r, 500));
    scans = logs.length;
  }
  const parts = (await registry.metrics())
    .split("\n")
    .filter((l) => l.startsWith("idlereap_scan_part_duration_seconds"))
    .map((l) => `${/part="(\w+)"/.exec(l)?.[1]} ${(Number(l.split(" ")[1]) * 1000).toFixed(0)}ms`);
  await daemon.stop();
  daemon = undefined;
  const reports: Report[] = [];
  for (const w of workers) {
    w.child.stdin?.write(`${JSON.stringify({ cmd: "report" })}\n`);
    reports.push(await w.next<Report>());
  }
  const idle = reports.flatMap((r) => r.idle);
  const late = idle.map((c) => (c.endedAt === null ? Number.POSITIVE_INFINITY : c.endedAt - c.lastDataAt));
  const worst = Math.max(...late);
  const bound = THRESHOLD_MS + INTERVAL_MS + SLACK_MS;
  const foreign = reports.reduce((n, r) => n + r.foreignCloses, 0);
  const churned = reports.reduce((n, r) => n + r.churned, 0);
  const sorted = [...late].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number;
  console.log(
    `run precision: interval ${INTERVAL_MS}ms, idle threshold ${THRESHOLD_MS}ms, ${idle.length} idle, ${ACTIVE} active, churn pool ${CHURN} (${churned} replaced in ${(runMs / 1000).toFixed(0)}s, ${(churned / (runMs / 1000)).toFixed(0)}/s)`,
  );
  console.log(
    `  idle closed after last data: p50 ${pct(0.5)}ms, p99 ${pct(0.99)}ms, worst ${worst}ms; bound T+I+0.5s = ${bound}ms  ratio ${(worst / bound).toFixed(2)} ${worst <= bound ? "ok" : "MISSED"}`,
  );
  console.log(
    `  active or churning connections closed by the daemon: ${foreign} (target 0) ${foreign === 0 ? "ok" : "MISSED"}`,
  );
  console.log(`  daemon log lines (scans with actions): ${scans}; last scan's parts: ${parts.join(", ")}`);
} finally {
  await daemon?.stop();
  for (const w of workers) w.child.kill("SIGKILL");
  await destroyNetns(ns);
  rmSync(dir, { recursive: true, force: true });
}
