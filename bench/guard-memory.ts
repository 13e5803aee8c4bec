// Heap per idle connection of a guarded HTTP server against the same server without guard, with
// 10k idle keep-alive connections held by a client in another process (a process may hold only
// 20000 descriptors). Target: at most 300 bytes more per connection.
// Run: npx tsx bench/guard-memory.ts [connections=10000] [rounds=2]
import http from "node:http";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { guard } from "../src/guard/index.js";
import { median, onCommands, reply, spawnRole, verdict } from "./guard-support.js";

const SCRIPT = fileURLToPath(import.meta.url);
const TARGET_BYTES = 300;

declare const gc: () => void;

function settledHeap(): number {
  for (let i = 0; i < 4; i++) gc();
  return process.memoryUsage().heapUsed;
}

async function serve(mode: string): Promise<void> {
  const server = http.createServer((_req, res) => res.end("ok"));
  // Both servers keep idle connections: Node's 5s keepAliveTimeout would close them in the plain one.
  server.keepAliveTimeout = 0;
  let connections = 0;
  server.on("connection", () => connections++);
  if (mode === "guarded") guard(server, { idleTimeout: "10m" });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  reply({ port: (server.address() as net.AddressInfo).port });
  onCommands(async (cmd) => {
    if (cmd.cmd === "cpu") {
      // CPU spent while every connection sits idle: guard's checks are all that runs.
      const start = process.cpuUsage();
      await new Promise((r) => setTimeout(r, Number(cmd.ms)));
      const used = process.cpuUsage(start);
      reply({ cpuMs: (used.user + used.system) / 1000 });
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
    reply({ heap: settledHeap(), connections });
  });
}

/** Opens `count` keep-alive connections, each makes one request and then stays idle. */
async function clients(port: number, count: number, host: string): Promise<void> {
  const sockets: net.Socket[] = [];
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.connect({ port, host: "127.0.0.1", localAddress: host });
      s.once("error", reject);
      s.once("connect", () => s.write("GET / HTTP/1.1\r\nHost: bench\r\n\r\n"));
      s.once("data", () => resolve());
      sockets.push(s);
    });
  for (let i = 0; i < count; i += 500) {
    await Promise.all(Array.from({ length: Math.min(500, count - i) }, one));
  }
  reply({ open: sockets.length });
  process.stdin.resume();
  process.stdin.on("end", () => process.exit(0));
}

const IDLE_CPU_MS = 3000;

async function measure(mode: string, count: number, host: string): Promise<{ bytes: number; cpu: number }> {
  const server = spawnRole(SCRIPT, ["--serve", mode], ["--expose-gc"]);
  try {
    const { port } = await server.next<{ port: number }>();
    server.send({ cmd: "heap" });
    const before = await server.next<{ heap: number }>();
    const client = spawnRole(SCRIPT, ["--clients", String(port), String(count), host]);
    try {
      await client.next(120_000);
      server.send({ cmd: "heap" });
      const after = await server.next<{ heap: number; connections: number }>();
      if (after.connections !== count) throw new Error(`${after.connections} connections, expected ${count}`);
      server.send({ cmd: "cpu", ms: IDLE_CPU_MS });
      const { cpuMs } = await server.next<{ cpuMs: number }>();
      return { bytes: (after.heap - before.heap) / count, cpu: cpuMs / IDLE_CPU_MS };
    } finally {
      await client.stop();
    }
  } finally {
    await server.stop();
  }
}

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 10_000);
  const rounds = Number(process.argv[3] ?? 2);
  console.log(`guard memory: heap per idle keep-alive connection, ${count} connections, ${rounds} rounds`);
  const plain: number[] = [];
  const guarded: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // A fresh source address per run: the previous run's client ports may sit in TIME_WAIT.
    const p = await measure("plain", count, `127.0.0.${2 + 2 * i}`);
    const g = await measure("guarded", count, `127.0.0.${3 + 2 * i}`);
    plain.push(p.bytes);
    guarded.push(g.bytes);
    console.log(
      `  round ${i + 1}: plain ${p.bytes.toFixed(0)} B/conn, guarded ${g.bytes.toFixed(0)} B/conn; ` +
        `CPU while idle: plain ${(p.cpu * 100).toFixed(1)}%, guarded ${(g.cpu * 100).toFixed(1)}% of a core`,
    );
  }
  const extra = median(guarded) - median(plain);
  console.log(`plain   (no guard): ${median(plain).toFixed(0)} bytes of heap per connection (median)`);
  console.log(`guarded           : ${median(guarded).toFixed(0)} bytes of heap per connection (median)`);
  console.log(
    verdict(
      "guard's extra heap per idle connection",
      `${extra.toFixed(0)} B (${(extra / TARGET_BYTES).toFixed(2)} × target)`,
      `<= ${TARGET_BYTES} B`,
      extra <= TARGET_BYTES,
    ),
  );
}

if (process.argv[2] === "--serve") await serve(process.argv[3] ?? "plain");
else if (process.argv[2] === "--clients")
  await clients(Number(process.argv[3]), Number(process.argv[4]), process.argv[5] ?? "127.0.0.1");
else await main();
