// When does an idle connection close? For several idle timeouts T, clients in a child process each
// send one byte at a random moment and wait for the server's FIN. Target: every close within
// [T, T + 5% + 50ms] of the last byte. Side by side: the same server using socket.setTimeout
// (a timer per socket), what one would write without guard. The servers' event-loop delay is
// printed too: on a loaded machine no timer can be on time, guard's or Node's.
// Run: npx tsx bench/guard-precision.ts [clients per server=200]
import net from "node:net";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { guard } from "../src/guard/index.js";
import { percentile, reply, spawnRole, verdict } from "./guard-support.js";

const SCRIPT = fileURLToPath(import.meta.url);
const TIMEOUTS = [250, 1000, 3000];

/** Server-side figures: last byte read to the FIN, per connection. */
interface ServerSide {
  server: net.Server;
  closes: number[];
}

function guardedServer(t: number): ServerSide {
  const closes: number[] = [];
  const lastData = new WeakMap<net.Socket, number>();
  const server = net.createServer((s) => {
    s.on("error", () => {});
    s.on("data", () => lastData.set(s, performance.now()));
  });
  guard(server, { idleTimeout: t }).on("close", ({ socket }) => {
    closes.push(performance.now() - (lastData.get(socket) ?? 0));
  });
  return { server, closes };
}

function setTimeoutServer(t: number): ServerSide {
  const closes: number[] = [];
  const server = net.createServer((s) => {
    let last = 0;
    s.on("error", () => {});
    s.on("data", () => {
      last = performance.now();
    });
    s.setTimeout(t, () => {
      closes.push(performance.now() - last);
      s.end();
    });
  });
  return { server, closes };
}

async function listen(server: net.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as net.AddressInfo).port;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Child side: connects, writes one byte after a random wait, returns ms from it to the FIN. */
async function oneClient(port: number, t: number): Promise<number> {
  await sleep(Math.random() * t * 0.5);
  const s = net.connect({ port, host: "127.0.0.1" });
  s.on("error", () => {});
  await new Promise((r) => s.once("connect", r));
  await sleep(Math.random() * t * 0.5);
  const last = performance.now();
  s.write("x");
  s.resume();
  await new Promise((r) => s.once("end", r));
  const ms = performance.now() - last;
  s.destroy();
  return ms;
}

async function clients(ports: number[], t: number, n: number): Promise<void> {
  const results = await Promise.all(
    ports.map((p) => Promise.all(Array.from({ length: n }, () => oneClient(p, t)))),
  );
  reply({ results });
}

function line(name: string, t: number, closes: number[]): { outside: number; worst: number } {
  const late = closes.map((ms) => ms - t);
  const allowed = t * 0.05 + 50;
  const outside = late.filter((l) => l < 0 || l > allowed).length;
  const worst = Math.max(...late);
  const fmt = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}ms`;
  console.log(
    `    ${name.padEnd(30)} late by min ${fmt(Math.min(...late))}, p50 ${fmt(percentile(late, 50))}, ` +
      `p99 ${fmt(percentile(late, 99))}, max ${fmt(worst)}; outside: ${outside}/${closes.length}`,
  );
  return { outside, worst };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 200);
  console.log(`guard precision: ${n} clients per server (in a child process), window [T, T + 5% + 50ms]`);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let outside = 0;
  let worstRatio = 0;
  for (const t of TIMEOUTS) {
    const g = guardedServer(t);
    const b = setTimeoutServer(t);
    const ports = await Promise.all([listen(g.server), listen(b.server)]);
    loop.reset();
    loop.enable();
    const child = spawnRole(SCRIPT, ["--clients", JSON.stringify(ports), String(t), String(n)]);
    const { results } = await child.next<{ results: number[][] }>(60_000);
    loop.disable();
    await child.stop();
    const allowed = t * 0.05 + 50;
    console.log(
      `  T=${t}ms (allowed lateness ${allowed}ms); server event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)}ms`,
    );
    const gc = line("guard (client sees FIN)", t, results[0] ?? []);
    line("guard (server side)", t, g.closes);
    line("socket.setTimeout (client)", t, results[1] ?? []);
    line("socket.setTimeout (server)", t, b.closes);
    outside += gc.outside;
    worstRatio = Math.max(worstRatio, gc.worst / allowed);
    g.server.close();
    b.server.close();
  }
  console.log(
    verdict(
      "guard's closes within [T, T + 5% + 50ms], as the client sees them",
      `${outside} outside; worst lateness ${worstRatio.toFixed(2)} × the allowance`,
      "0 outside, <= 1.00 ×",
      outside === 0,
    ),
  );
}

if (process.argv[2] === "--clients") {
  await clients(JSON.parse(process.argv[3] ?? "[]"), Number(process.argv[4]), Number(process.argv[5]));
} else {
  await main();
}
