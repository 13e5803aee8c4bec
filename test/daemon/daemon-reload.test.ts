// A refused reload is all or nothing: with a new metrics port and an audit file that cannot be
// opened, the old endpoint keeps answering, the new port is never left bound, and the reload counts
// as refused. Once in process (the outputs' own preparation) and once as users run it (SIGHUP).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Registry } from "prom-client";
import { Daemon } from "../../src/daemon/daemon.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CLI = new URL("../../src/cli/dev-entry.ts", import.meta.url).pathname;

const policyText = (listen: string, audit: string) => `
interval: 1s
metrics: { listen: "${listen}" }
audit: { file: ${audit} }
rules:
  - name: listeners
    match: { state: listen }
    action: report
`;

/** A loopback port that was free a moment ago. */
async function freePort(): Promise<number> {
  const s = createServer().listen(0, "127.0.0.1");
  await once(s, "listening");
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

/** Whether something accepts connections on the loopback port. */
function bound(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-reload-"));
  try {
    await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("Daemon.reload: when the audit log cannot be opened, the new endpoint is closed and the old one stays", async (t) => {
  if (!needsPrivilege(t)) return;
  await withDir(async (dir) => {
    const registry = new Registry();
    const logs: string[] = [];
    const daemon = new Daemon(parsePolicy(policyText("127.0.0.1:0", join(dir, "a.jsonl"))), {
      registry,
      log: (l) => logs.push(l),
    });
    await daemon.start();
    try {
      const old = daemon.metricsAddress as string;
      const port = await freePort();
      // The directory itself as audit file: only opening it fails, after the new port was bound.
      await assert.rejects(daemon.reload(parsePolicy(policyText(`127.0.0.1:${port}`, dir))), /audit\.file/);
      assert.equal(daemon.metricsAddress, old);
      assert.equal((await fetch(`http://${old}/metrics`)).status, 200);
      assert.equal(await bound(port), false, `the new port ${port} was left bound`);
    } finally {
      await daemon.stop();
    }
  });
});

test("run: SIGHUP with a new metrics port and an unopenable audit file is refused and changes nothing", async (t) => {
  if (!needsPrivilege(t)) return;
  await withDir(async (dir) => {
    const file = join(dir, "policy.yaml");
    writeFileSync(file, policyText("127.0.0.1:0", join(dir, "a.jsonl")));
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", CLI, "run", "--config", file], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let err = "";
    child.stderr?.on("data", (d: Buffer) => {
      err += d.toString();
    });
    const until = async (re: RegExp, ms = 30_000) => {
      const deadline = Date.now() + ms;
      while (!re.test(err)) {
        if (Date.now() > deadline || child.exitCode !== null) assert.fail(`no ${re} in:\n${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return re.exec(err) as RegExpExecArray;
    };
    try {
      const url = (await until(/metrics on (http:\S+)/))[1] as string;
      const port = await freePort();
      writeFileSync(file, policyText(`127.0.0.1:${port}`, dir));
      child.kill("SIGHUP");
      await until(/policy reload refused.*audit\.file/);
      const metrics = await (await fetch(url)).text();
      assert.match(metrics, /idlereap_policy_reloads_total\{result="refused"\} 1/);
      assert.equal(await bound(port), false, `the new port ${port} is bound`);
    } finally {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      if (child.exitCode === null) await once(child, "exit");
      clearTimeout(killer);
    }
  });
});
