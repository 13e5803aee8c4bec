// Idle clients of the metrics endpoint against a daemon with few descriptors: the cap keeps its scans
// going, the timeouts free the clients' slots in seconds, and when scans do fail the metrics and
// /healthz say so.
import assert from "node:assert/strict";
import { Agent, get } from "node:http";
import { connect, type Socket } from "node:net";
import { test } from "node:test";
import { type DaemonProcess, startDaemon } from "../deploy/daemon-process.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

/** The daemon needs ~30 descriptors of its own; 300 idle clients would take the rest. */
const NOFILE = 160;
const FLOOD = 300;

const policy = (ns: string, maxConnections?: number) => `
interval: 200ms
namespaces: [${ns}]
metrics: { listen: "127.0.0.1:0", refresh: 0${maxConnections ? `, maxConnections: ${maxConnections}` : ""} }
audit: { file: "{dir}/audit.jsonl" }
rules:
  - name: listeners
    match: { state: listen }
`;

/** GETs over one kept-alive connection, opened before the flood so that it keeps its slot. */
function client(address: string): {
  get(path: string): Promise<{ status: number; body: string }>;
  close(): void;
} {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const [host, port] = address.split(":") as [string, string];
  return {
    get: (path) =>
      new Promise((resolve, reject) => {
        get({ host, port: Number(port), path, agent }, (res) => {
          let body = "";
          res.on("data", (d) => {
            body += d;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        }).on("error", reject);
      }),
    close: () => agent.destroy(),
  };
}

interface Flood {
  sockets: Socket[];
  /** Sockets the server has closed so far. */
  closed(): number;
}

async function flood(address: string, n: number): Promise<Flood> {
  const [host, port] = address.split(":") as [string, string];
  let closed = 0;
  const sockets = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Socket>((resolve) => {
          const s = connect(Number(port), host);
          s.on("error", () => {});
          s.resume();
          s.once("close", () => closed++);
          s.once("connect", () => resolve(s));
          s.once("close", () => resolve(s));
        }),
    ),
  );
  return { sockets, closed: () => closed };
}

async function until(what: string, ms: number, check: () => Promise<boolean> | boolean): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms) assert.fail(`${what}: not within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const sockets = (body: string): string | undefined =>
  /idlereap_scan_part_success\{part="sockets"\} (\d)/.exec(body)?.[1];

test("300 idle clients of the metrics endpoint do not starve the scans of a daemon with few descriptors", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const daemon: DaemonProcess = await startDaemon(policy(ns.name), { nofile: NOFILE });
    const http = client(daemon.address);
    try {
      assert.equal((await http.get("/healthz")).status, 200);
      const f = await flood(daemon.address, FLOOD);
      // Beyond the cap of 64 the server closes connections as it accepts them.
      await until("connections past the cap closed", 15_000, () => f.closed() >= FLOOD - 64);
      await new Promise((r) => setTimeout(r, 1000)); // five scans with the slots taken
      const m = await http.get("/metrics");
      assert.equal(sockets(m.body), "1", m.body);
      assert.match(m.body, new RegExp(`idlereap_scan_errors_total\\{netns="${ns.name}"\\} 0\\n`));
      const h = await http.get("/healthz");
      assert.equal(h.status, 200, h.body);
      assert.ok(!daemon.lines.some((l) => /not scanned/.test(l)), daemon.lines.join("\n"));
      // The idle clients never sent a request: the headers timeout (3 s, checked every second) ends them.
      const ms = await until("idle clients closed by the server", 15_000, () => f.closed() === FLOOD);
      t.diagnostic(`idle clients closed after ${ms} ms more`);
    } finally {
      http.close();
      await daemon.stop();
    }
  });
});

test("scans that fail in every namespace read 0 in the metrics and 503 at /healthz, until they recover", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    // A cap above the descriptor limit: the idle clients take every descriptor the scans need.
    const daemon = await startDaemon(policy(ns.name, 1000), { nofile: NOFILE });
    const http = client(daemon.address);
    try {
      assert.equal((await http.get("/healthz")).status, 200);
      const f = await flood(daemon.address, FLOOD);
      await until("a scan failing for want of descriptors", 15_000, () =>
        daemon.lines.some((l) => new RegExp(`netns ${ns.name} not scanned`).test(l)),
      );
      // Read both in one poll: the sweep ends the idle clients after a few seconds and scans recover.
      let health = { status: 0, body: "" };
      let part: string | undefined;
      await until("/healthz answering 503 and the sockets part reading 0", 15_000, async () => {
        health = await http.get("/healthz");
        part = sockets((await http.get("/metrics")).body);
        return health.status === 503 && part === "0";
      });
      assert.match(health.body, /last successful scan .* ago, more than .*part sockets failed/);
      for (const s of f.sockets) s.destroy();
      await until(
        "/healthz answering 200 again",
        15_000,
        async () => (await http.get("/healthz")).status === 200,
      );
      assert.equal(sockets((await http.get("/metrics")).body), "1");
    } finally {
      http.close();
      await daemon.stop();
    }
  });
});
