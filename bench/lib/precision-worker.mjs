// Load for bench/run-precision.ts, inside a namespace: `idle` connections opened one every `spacingMs`
// (then silent), `active` ones writing every 100 ms, and a pool of `churn` short-lived connections
// (each writes every churnWriteMs and is reset after lifetimeMs, then replaced): the socket table changes
// under every scan. Both ends of every connection live here. Prints one JSON line when ready;
// {"cmd":"report"} prints what was seen: for each idle connection when its last data was sent and when
// it ended, and how many active or churn connections were closed by someone else.
import net from "node:net";
import { createInterface } from "node:readline";

const spec = JSON.parse(process.argv[2] ?? "{}");
const host = spec.host ?? "127.0.0.1";
const idle = [];
let foreignCloses = 0;
let churned = 0;
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

function guard(s) {
  // Closed by us = destroyed locally first; anything else (FIN or RST from outside) is foreign.
  s.on("end", () => {
    if (!s.ours) foreignCloses++;
  });
  s.on("error", () => {
    if (!s.ours) foreignCloses++;
  });
}

async function openActive() {
  const s = await connect();
  guard(s);
  s.write("a");
  const t = setInterval(() => s.write("a"), 100);
  s.on("close", () => clearInterval(t));
}

async function churnOne() {
  if (stopped) return;
  let s;
  try {
    s = await connect();
  } catch {
    setTimeout(churnOne, 50);
    return;
  }
  guard(s);
  s.write("c");
  const t = setInterval(() => s.write("c"), spec.churnWriteMs ?? 500);
  const lifetime = spec.lifetimeMs[0] + Math.random() * (spec.lifetimeMs[1] - spec.lifetimeMs[0]);
  setTimeout(() => {
    clearInterval(t);
    s.ours = true;
    s.resetAndDestroy();
    churned++;
    churnOne();
  }, lifetime);
}

async function openIdle() {
  const s = await connect();
  const entry = { lastDataAt: Date.now(), endedAt: null };
  s.write("i");
  s.on("data", () => {});
  const ended = () => {
    entry.endedAt ??= Date.now();
  };
  s.on("end", ended);
  s.on("error", ended);
  s.on("close", ended);
  idle.push(entry);
}

for (let i = 0; i < (spec.active ?? 0); i++) await openActive();
for (let i = 0; i < (spec.churn ?? 0); i++) churnOne();
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
