// HTTP keep-alive throughput of a guarded server against the same server without guard, measured
// side by side with wrk in one run. Target: guarded >= 0.97 × plain.
// Run: npx tsx bench/guard-throughput.ts [seconds per round=5] [rounds=5] [connections per server=128]
import { execFile } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { guard } from "../src/guard/index.js";
import { median, reply, spawnRole, verdict } from "./guard-support.js";

const SCRIPT = fileURLToPath(import.meta.url);
const TARGET = 0.97;

async function serve(mode: string): Promise<void> {
  const server = http.createServer((_req, res) => res.end("hello world\n"));
  // Both servers keep idle connections the same way; guard's policy below is the full default one
  // plus a max age, so that the per-request hook is measured too.
  server.keepAliveTimeout = 0;
  if (mode === "guarded") guard(server, { idleTimeout: "60s", maxAge: "1h" });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  reply({ port: (server.address() as AddressInfo).port });
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}

function wrk(port: number, seconds: number, connections: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = ["-t1", `-c${connections}`, `-d${seconds}s`, `http://127.0.0.1:${port}/`];
    execFile("wrk", args, { encoding: "utf8" }, (err, out) => {
      const m = /Requests\/sec:\s+([\d.]+)/.exec(out);
      if (err || !m) reject(err ?? new Error(`cannot read wrk output:\n${out}`));
      else resolve(Number(m[1]));
    });
  });
}

/**
 * Both servers run at once, each loaded by its own wrk: whatever else the machine is doing slows
 * both alike, so their ratio holds where sequential runs would drift.
 */
async function round(seconds: number, connections: number): Promise<{ plain: number; guarded: number }> {
  const plain = spawnRole(SCRIPT, ["--serve", "plain"]);
  const guarded = spawnRole(SCRIPT, ["--serve", "guarded"]);
  try {
    const [p, g] = await Promise.all([plain.next<{ port: number }>(), guarded.next<{ port: number }>()]);
    await Promise.all([wrk(p.port, 1, connections), wrk(g.port, 1, connections)]);
    const [rp, rg] = await Promise.all([
      wrk(p.port, seconds, connections),
      wrk(g.port, seconds, connections),
    ]);
    return { plain: rp, guarded: rg };
  } finally {
    await Promise.all([plain.stop(), guarded.stop()]);
  }
}

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 5);
  const rounds = Number(process.argv[3] ?? 5);
  const connections = Number(process.argv[4] ?? 128);
  const ratios: number[] = [];
  const plains: number[] = [];
  const guardeds: number[] = [];
  console.log(
    `guard throughput: two servers side by side, each under wrk -t1 -c${connections}, ${rounds} rounds of ${seconds}s`,
  );
  for (let i = 0; i < rounds; i++) {
    const r = await round(seconds, connections);
    plains.push(r.plain);
    guardeds.push(r.guarded);
    ratios.push(r.guarded / r.plain);
    console.log(
      `  round ${i + 1}: plain ${r.plain.toFixed(0)} req/s, guarded ${r.guarded.toFixed(0)} req/s, ratio ${(r.guarded / r.plain).toFixed(3)}`,
    );
  }
  const ratio = median(ratios);
  console.log(`plain   (no guard): ${median(plains).toFixed(0)} req/s (median)`);
  console.log(`guarded           : ${median(guardeds).toFixed(0)} req/s (median)`);
  console.log(
    verdict("guarded / plain (median of rounds)", ratio.toFixed(3), `>= ${TARGET}`, ratio >= TARGET),
  );
}

if (process.argv[2] === "--serve") await serve(process.argv[3] ?? "plain");
else await main();
