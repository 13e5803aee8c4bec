// Load for bench/run-precision.ts, inside a namespace: `idle` connections opened one every `spacingMs`
// (then silent), `active` ones written every `writeMs`, and a pool of `churn` short-lived connections
// (each written every `writeMs`, reset after a random lifetime in lifetimeMs, then replaced): the
// socket table changes under every scan. One coarse tick drives every write and reset, so the
// generator itself stays cheap. Both ends of every connection live here. Prints one JSON line when
// ready; {"cmd":"report"} prints, for each idle connection, when its last data was sent and when it
// ended, and how many active or churn connections someone else closed.
import net from "node:net";
import { createInterface } from "node:readline";

const spec = JSON.parse(process.argv[2] ?? "{}");
const host = spec.host ?? "127.0.0.1";
const writeMs = spec.writeMs ?? 500;
const TICK_MS = 50;
const idle = [];
const live = new Set(); // active and churn client sockets: { sock, nextWrite, endAt }
let foreignCloses = 0;
let churned = 0;
let opening = 0;
let stopped = false;

const server = net.createServer((sock) => {
  sock.on("error", () => {});
  sock.on("data", () => {});
});
await new Promise((r) => server.listen(0, host, 4096, r));
const port = server.address().port;

function connect() {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    s.once("connect", () => resolve(s)).once("error", reject);
  });
}

function onForeign() {
  if (this.ours) return;
  this.ours = true; // count each connection once
  foreignCloses++;
}

async function open(lifetime) {
  opening++;
  try {
    const s = await connect();
    s.on("end", onForeign);
    s.on("error", onForeign);
    s.write("x");
    const now = Date.now();
    live.add({
      sock: s,
      nextWrite: now + writeMs,
      endAt: lifetime ? now + lifetime : Number.POSITIVE_INFINITY,
    });
  } catch {
    // port or descriptor exhaustion: the tick opens a replacement later
  } finally {
    opening--;
  }
}

const lifetime = () => spec.lifetimeMs[0] + Math.random() * (spec.lifetimeMs[1] - spec.lifetimeMs[0]);
let churnWanted = spec.churn ?? 0;

setInterval(() => {
  const now = Date.now();
  for (const c of live) {
    if (c.sock.destroyed) {
      live.delete(c);
      continue;
    }
    if (now >= c.endAt) {
      c.sock.ours = true;
      c.sock.resetAndDestroy();
      live.delete(c);
      churned++;
      if (!stopped) churnWanted++;
      continue;
    }
    if (now >= c.nextWrite) {
      c.sock.write("x");
      c.nextWrite = now + writeMs;
    }
  }
  for (; churnWanted > 0 && opening < 256; churnWanted--) open(lifetime());
}, TICK_MS);

async function openIdle() {
  const s = await connect();
  const entry = { lastDataAt: Date.now(), endedAt: null };
  s.write("i");
  const ended = () => {
    entry.endedAt ??= Date.now();
  };
  s.on("end", ended);
  s.on("error", ended);
  s.on("close", ended);
  idle.push(entry);
}

for (let i = 0; i < (spec.active ?? 0); i++) await open(0);
process.stdout.write(`${JSON.stringify({ pid: process.pid, port })}\n`);
let opened = 0;
const idleTimer = setInterval(() => {
  if (opened++ >= (spec.idle ?? 0)) return clearInterval(idleTimer);
  openIdle();
}, spec.spacingMs ?? 100);

createInterface({ input: process.stdin }).on("line", (line) => {
  const cmd = JSON.parse(line);
  if (cmd.cmd === "report") {
    stopped = true;
    process.stdout.write(`${JSON.stringify({ idle, foreignCloses, churned })}\n`);
  }
});
process.stdin.on("end", () => process.exit(0));
