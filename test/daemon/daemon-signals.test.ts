// The daemon as users run it: a child process, signals, the metrics endpoint over HTTP.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { type Fixture, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const CLI = new URL("../../src/cli/dev-entry.ts", import.meta.url).pathname;

interface Ready {
  port: number;
  groups: Record<string, number[]>;
}

/** Collects a child's stderr and resolves when a line matching `re` appears (bounded). */
function watch(child: ChildProcess): { lines: string[]; until(re: RegExp, ms?: number): Promise<string> } {
  const lines: string[] = [];
  let buf = "";
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  child.stderr?.on("data", (d: Buffer) => {
    buf += d.toString();
    const parts = buf.split("\n");
    buf = parts.pop() ?? "";
    for (const line of parts) {
      lines.push(line);
      for (const w of [...waiters]) {
        if (w.re.test(line)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  });
  return {
    lines,
    until(re, ms = 15_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no line ${re} in:\n${lines.join("\n")}`)), ms);
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

async function closedPorts(f: Fixture<Ready>): Promise<Set<number>> {
  f.send({ cmd: "events" });
  const { events } = await f.next<{ events: { side: string; event: string; port: number }[] }>();
  return new Set(events.filter((e) => e.side === "client" && e.event === "close").map((e) => e.port));
}

async function waitClosed(f: Fixture<Ready>, ports: number[], ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const closed = await closedPorts(f);
    if (ports.every((p) => closed.has(p))) return;
    if (Date.now() > deadline) assert.fail(`ports ${ports} not all closed within ${ms}ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("run: acts on an interval, serves metrics, keeps its policy on a bad SIGHUP, stops on SIGTERM", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "idlereap-run-"));
  const policyFile = join(dir, "policy.yaml");
  const auditFile = join(dir, "audit.jsonl");
  const policy = (ns: string, action: string) => `
interval: 200ms
namespaces: [${ns}]
metrics: { listen: "127.0.0.1:0" }
audit: { file: ${auditFile} }
rules:
  - name: idle
    match: { state: established, idle: 600ms }
    action: ${action}
    grace: 1s
`;
  let child: ChildProcess | undefined;
  try {
    await withNetns(async (ns) => {
      writeFileSync(policyFile, policy(ns.name, "close"));
      const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2, active: 2 })]);
      child = spawn(process.execPath, ["--import", "tsx", CLI, "run", "--config", policyFile], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      const out = watch(child);
      const started = await out.until(/started: .*metrics on (http:\S+)/);
      const url = /metrics on (http:\S+)/.exec(started)?.[1] as string;
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);

      await waitClosed(f, f.ready.groups.idle ?? [], 5000);
      const active = f.ready.groups.active ?? [];
      assert.ok(![...(await closedPorts(f))].some((p) => active.includes(p)), "active connections survive");
      const metrics = await (await fetch(url)).text();
      assert.match(metrics, /idlereap_actions_total\{rule="idle",action="close",result="closed"\} [1-9]/);
      assert.match(metrics, /idlereap_scans_total [1-9]/);
      assert.match(metrics, /# TYPE idlereap_established_idle_seconds histogram/);
      const audit = readFileSync(auditFile, "utf8")
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.ok(audit.some((a) => a.rule === "idle" && a.result === "closed"));

      // A bad policy is refused with its line; the old one keeps running and keeps closing.
      writeFileSync(policyFile, `${policy(ns.name, "close")}    bogus: 1\n`);
      child.kill("SIGHUP");
      const refused = await out.until(/reload refused/);
      assert.match(refused, /line 11: rules\[0\]\.bogus: unknown key/);
      const g = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
      await waitClosed(g, g.ready.groups.idle ?? [], 5000);
      assert.match(await (await fetch(url)).text(), /idlereap_policy_reloads_total\{result="refused"\} 1/);

      writeFileSync(policyFile, policy(ns.name, "report"));
      child.kill("SIGHUP");
      await out.until(/policy reloaded/);

      child.kill("SIGTERM");
      const killer = setTimeout(() => child?.kill("SIGKILL"), 10_000);
      const [code] = await once(child, "exit");
      clearTimeout(killer);
      assert.equal(code, 0);
      await out.until(/stopped/);
    });
  } finally {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
