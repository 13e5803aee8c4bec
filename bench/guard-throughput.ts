// HTTP keep-alive throughput of a guarded server against the same server without guard, measured
// side by side with wrk in one run. Target: guarded >= 0.97 × plain.
// Run: npx tsx bench/guard-throughput.ts [seconds per round=5] [rounds=7] [connections per server=128]
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { guard } from "../src/guard/index.js";
import { type Child, median, onCommands, reply, spawnRole, verdict } from "./guard-support.js";

const SCRIPT = fileURLToPath(import.meta.url);
const TARGET = 0.97;
/** Both servers share one CPU and both wrk processes the other: each pair is scheduled fairly. */
const SERVER_CPU = 0;
const LOAD_CPU = 1;

async function serve(mode: string): Promise<void> {
  const server = http.createServer((_req, res) => res.end("hello world\n"));
  // Both servers keep idle connections the same way; guard's policy below is the full default one
  // plus a max age, so that the per-request hook is measured too.
  server.keepAliveTimeout = 0;
  if (mode === "guarded") guard(server, { idleTimeout: "60s", maxAge: "1h" });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  reply({ port: (server.address() as AddressInfo).port });
  let start = process.cpuUsage();
  onCommands((cmd) => {
    if (cmd.cmd === "cpu-start") start = process.cpuUsage();
    const used = process.cpuUsage(start);
    reply({ cpuMs: (used.user + used.system) / 1000 });
  });
}

function wrk(port: number, seconds: number, connections: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [
      "-c",
      String(LOAD_CPU),
      "wrk",
      "-t1",
      `-c${connections}`,
      `-d${seconds}s`,
      `http://127.0.0.1:${port}/`,
    ];
    execFile("taskset", args, { encoding: "utf8" }, (err, out) => {
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (err || !m) reject(err ?? new Error(`cannot read wrk output:\n${out}`));
      else resolve(Number(m[1]));
    });
  });
}

interface Round {
  plain: number;
  guarded: number;
  /** Requests served per second of CPU the server used: what it got done with what it was given. */
  plainPerCpu: number;
  guardedPerCpu: number;
}

async function cpuMs(child: Child, cmd: string): Promise<number> {
  child.send({ cmd });
  return (await child.next<{ cpuMs: number }>()).cpuMs;
}

/**
 * Both servers run at once on the same CPU, each loaded by its own wrk: whatever else the machine
 * is doing slows both alike, so their ratio holds where sequential runs would drift.
 */
async function round(seconds: number, connections: number): Promise<Round> {
  const plain = spawnRole(SCRIPT, ["--serve", "plain"], [], SERVER_CPU);
  const guarded = spawnRole(SCRIPT, ["--serve", "guarded"], [], SERVER_CPU);
  try {
    const [p, g] = await Promise.all([plain.next<{ port: number }>(), guarded.next<{ port: number }>()]);
    await Promise.all([wrk(p.port, 1, connections), wrk(g.port, 1, connections)]);
    await Promise.all([cpuMs(plain, "cpu-start"), cpuMs(guarded, "cpu-start")]);
    const [rp, rg] = await Promise.all([
      wrk(p.port, seconds, connections),
      wrk(g.port, seconds, connections),
    ]);
    const [cp, cg] = await Promise.all([cpuMs(plain, "cpu"), cpuMs(guarded, "cpu")]);
    return {
      plain: rp,
      guarded: rg,
      plainPerCpu: (rp * seconds) / (cp / 1000),
      guardedPerCpu: (rg * seconds) / (cg / 1000),
    };
  } finally {
    await Promise.all([plain.stop(), guarded.stop()]);
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 7);
  const connections = Number(process.argv[4] ?? 128);
  const results: Round[] = [];
  console.log(
    `guard throughput: two servers side by side, each under wrk -t1 -c${connections}, ${rounds} rounds of ${seconds}s`,
  );
  for (let i = 0; i < rounds; i++) {
    const r = await round(seconds, connections);
    results.push(r);
    console.log(
      `  round ${i + 1}: plain ${r.plain.toFixed(0)} req/s, guarded ${r.guarded.toFixed(0)} req/s ` +
        `(ratio ${(r.guarded / r.plain).toFixed(3)}); per CPU-second ${r.plainPerCpu.toFixed(0)} vs ` +
        `${r.guardedPerCpu.toFixed(0)} (ratio ${(r.guardedPerCpu / r.plainPerCpu).toFixed(3)})`,
    );
  }
  const ratio = median(results.map((r) => r.guarded / r.plain));
  const cpuRatio = median(results.map((r) => r.guardedPerCpu / r.plainPerCpu));
  console.log(`plain   (no guard): ${median(results.map((r) => r.plain)).toFixed(0)} req/s (median)`);
  console.log(`guarded           : ${median(results.map((r) => r.guarded)).toFixed(0)} req/s (median)`);
  console.log(`requests per CPU-second, guarded / plain: ${cpuRatio.toFixed(3)} (median)`);
  console.log(
    verdict(
      "throughput guarded / plain (median of rounds)",
      ratio.toFixed(3),
      `>= ${TARGET}`,
      ratio >= TARGET,
    ),
  );
}

if (process.argv[2] === "--serve") await serve(process.argv[3] ?? "plain");
else await main();
