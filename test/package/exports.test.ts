import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { Worker } from "node:worker_threads";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const root = new URL("../../", import.meta.url).pathname;

test("the package's exports resolve from inside the repo after a build", () => {
  if (!existsSync(`${root}dist/index.js`)) {
    // `npm install` builds dist through the prepare script; without it there is nothing to import.
    throw new Error("dist/ is missing: run `npm install` (or `npm run build`) first");
  }
  const out = execFileSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `import * as lib from "idlereap";
       import { guard } from "idlereap/guard";
       console.log(JSON.stringify({
         guard: typeof lib.guard, same: lib.guard === guard, scan: typeof lib.scanNamespaces,
         status: typeof lib.buildStatus, codes: Object.keys(lib.ERROR_CODES).length,
       }));`,
    ],
    { cwd: root, encoding: "utf8" },
  );
  const got = JSON.parse(out);
  assert.equal(got.guard, "function");
  assert.equal(got.same, true);
  assert.equal(got.scan, "function");
  assert.equal(got.status, "function");
  assert.ok(got.codes > 10);
});

test("the bin runs and prints its version", () => {
  const out = execFileSync(process.execPath, [`${root}bin/idlereap.cjs`, "--version"], { encoding: "utf8" });
  assert.match(out.trim(), /^\d+\.\d+\.\d+$/);
});

test("the bundled command line lists sockets with their owners", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const conns = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
    const f = await ns.spawnFixture<{ port: number }>(conns, [JSON.stringify({ idle: 2 })]);
    const out = ns.exec(process.execPath, [
      `${root}bin/idlereap.cjs`,
      "ls",
      "--json",
      "--state",
      "established",
    ]);
    const rows = JSON.parse(out) as { pid: number | null; netns: string }[];
    assert.equal(rows.length, 4);
    assert.ok(rows.every((r) => r.pid === f.pid));
  });
});

test("the command line ends quietly when its reader goes away (ls --json | head)", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const conns = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
    await ns.spawnFixture(conns, [JSON.stringify({ idle: 150 })]); // ~200 KB of JSON, more than a pipe holds
    const child = spawn(
      "ip",
      ["netns", "exec", ns.name, process.execPath, `${root}bin/idlereap.cjs`, "ls", "--json"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const [first] = (await once(child.stdout, "data")) as [Buffer];
    assert.equal(first.toString("latin1", 0, 1), "[");
    child.stdout.destroy();
    const [code] = (await once(child, "exit")) as [number | null];
    assert.equal(stderr, "");
    assert.equal(code, 0);
  });
});

test("the bundled owner-walk worker answers a walk", async () => {
  // The pool falls back to walking on the main thread when its worker fails to start, so the
  // listing above would pass without it: start the bundled worker directly.
  const worker = new Worker(new URL(`file://${root}dist/bundle/owner-walk-worker.cjs`));
  try {
    const reply = await new Promise<{ id: number; processes: Float64Array }>((resolve, reject) => {
      worker.once("message", resolve).once("error", reject);
      worker.postMessage({ id: 7, procRoot: "/proc", pids: [process.pid] });
    });
    assert.equal(reply.id, 7);
    assert.equal(reply.processes[0], process.pid);
  } finally {
    await worker.terminate();
  }
});

test("every command runs from its own bundle, with its files found beside it", () => {
  const bin = `${root}bin/idlereap.cjs`;
  const run = (...args: string[]) => execFileSync(process.execPath, [bin, ...args], { encoding: "utf8" });
  const commands = readdirSync(`${root}src/cli/commands`)
    .filter((f) => f.endsWith(".ts") && f !== "index.ts")
    .map((f) => f.slice(0, -3));
  assert.ok(commands.length >= 6);
  for (const name of commands) {
    assert.ok(existsSync(`${root}dist/bundle/${name}.cjs`), `bundle of ${name}`);
    assert.match(run(name, "--help"), new RegExp(`^Usage: idlereap ${name} `), name);
  }
  // zod and yaml inside the run bundle; the built-in profiles (profiles/) found from the tune bundle.
  assert.match(run("run", "--check", "--config", `${root}deploy/policies/example.yaml`), /valid, \d+ rules/);
  assert.match(run("tune", "audit"), /profile: kernel-default/);
});
