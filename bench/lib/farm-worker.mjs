// One process of a connection farm: listens on argv's host, opens `connections` loopback connections
// to itself (two sockets each) and keeps them idle. Prints one JSON line when ready; exits when stdin ends.
// argv[2] is JSON: { host, connections, concurrency?, port? } (port 0 or absent: any free one).
import net from "node:net";

const spec = JSON.parse(process.argv[2] ?? "{}");
const host = spec.host ?? "127.0.0.1";
const total = spec.connections ?? 0;
const concurrency = spec.concurrency ?? 128;
const held = [];

process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

const server = net.createServer({ pauseOnConnect: true }, (sock) => {
  sock.on("error", () => {});
  held.push(sock);
});
server.maxConnections = total + 1;
await new Promise((resolve, reject) =>
  server.once("error", reject).listen(spec.port ?? 0, host, 4096, resolve),
);
const port = server.address().port;

function connectOne() {
  return new Promise((resolve, reject) => {
    const s = net.connect({ port, host });
    s.once("connect", () => {
      s.pause();
      held.push(s);
      resolve();
    });
    s.once("error", reject);
  });
}

let opened = 0;
async function lane() {
  while (opened < total) {
    opened++;
    await connectOne();
  }
}

try {
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, lane));
  // Let the server side accept the last ones before reporting (bounded: 10 s).
  for (let i = 0; i < 1000 && held.length < 2 * total; i++) await new Promise((r) => setTimeout(r, 10));
  process.stdout.write(
    `${JSON.stringify({ pid: process.pid, port, host, connections: total, sockets: held.length })}\n`,
  );
} catch (err) {
  process.stdout.write(`${JSON.stringify({ pid: process.pid, error: String(err?.code ?? err) })}\n`);
  process.exit(1);
}
