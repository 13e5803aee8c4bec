// The fleet dashboard and the alert rules on a real Prometheus: it scrapes a real `idlereap run`
// watching a test namespace with connections of every kind, then every dashboard query must return
// data and every alert expression must evaluate, through Prometheus's HTTP API.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";
import { startDaemon } from "./daemon-process.js";
import { dashboardQueries } from "./dashboard.js";

const root = new URL("../../", import.meta.url).pathname;
const RULES = `${root}deploy/prometheus/idlereap-alerts.yaml`;
const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

const policy = (ns: string) => `
interval: 300ms
namespaces: [${ns}]
metrics: { listen: "127.0.0.1:0", refresh: 0 }
audit: { file: "{dir}/audit.jsonl" }
pressure: {}
rules:
  - name: listeners
    match: { state: listen }
  - name: idle
    match: { state: established, idle: 1s }
    action: close
    grace: 1s
`;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise((r) => s.close(r));
  return port;
}

interface PromAnswer {
  status: string;
  error?: string;
  data: { resultType: string; result: unknown[] };
}

async function startPrometheus(target: string): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-prometheus-"));
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [${JSON.stringify(RULES)}]
scrape_configs:
  - job_name: idlereap
    static_configs: [{ targets: [${JSON.stringify(target)}] }]
`,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    "prometheus",
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let log = "";
  child.stderr?.on("data", (d) => {
    log += d;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await once(child, "exit");
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await until("Prometheus ready", 15_000, async () => {
      if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}:\n${log}`);
      return (await fetch(`${url}/-/ready`).catch(() => undefined))?.ok === true;
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, stop };
}

async function query(url: string, expr: string): Promise<PromAnswer> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (await res.json()) as PromAnswer;
}

async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test("a real Prometheus scraping a real daemon answers every dashboard query and alert expression", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "prometheus")) return;
  await withNetns(async (ns) => {
    const spec = { idle: 2, active: 2, closeWait: 3, timeWait: 3, unread: 1, keepalive: 1 };
    await ns.spawnFixture(CONNS, [JSON.stringify(spec)]);
    const daemon = await startDaemon(policy(ns.name));
    let prometheus: Awaited<ReturnType<typeof startPrometheus>> | undefined;
    try {
      prometheus = await startPrometheus(daemon.address);
      const { url } = prometheus;
      await until("the daemon scraped a few times", 15_000, async () => {
        const r = await query(url, 'count_over_time(up{job="idlereap"}[1m]) >= 5 and up == 1');
        return r.data.result.length === 1;
      });
      const vars = { instance: daemon.address, netns: ns.name, __rate_interval: "10s" };
      const empty: string[] = [];
      for (const q of dashboardQueries(vars)) {
        let answer: PromAnswer | undefined;
        // Counters need an action between two scrapes; give slow ones a few more scrapes.
        await until(`${q.panel}: ${q.expr}`, 10_000, async () => {
          answer = await query(url, q.expr);
          assert.equal(answer.status, "success", `${q.panel}: ${q.expr}: ${answer.error}`);
          return answer.data.result.length > 0;
        }).catch((err: Error) => empty.push(`${q.panel}: ${q.expr}: ${err.message}`));
      }
      assert.deepEqual(empty, [], "dashboard queries without data");

      const rules = parse(readFileSync(RULES, "utf8")) as {
        groups: { rules: { alert: string; expr: string }[] }[];
      };
      const alerts = rules.groups.flatMap((g) => g.rules);
      for (const r of alerts) {
        const answer = await query(url, r.expr);
        assert.equal(answer.status, "success", `${r.alert}: ${answer.error}`);
      }
      // Prometheus evaluates the rule files itself too: every rule healthy.
      const loaded = (await (await fetch(`${url}/api/v1/rules`)).json()) as {
        data: { groups: { rules: { name: string; health: string; lastError?: string }[] }[] };
      };
      const evaluated = loaded.data.groups.flatMap((g) => g.rules);
      assert.equal(evaluated.length, alerts.length);
      await until("every rule evaluated", 5000, async () => {
        const again = (await (await fetch(`${url}/api/v1/rules`)).json()) as typeof loaded;
        const bad = again.data.groups.flatMap((g) => g.rules).filter((r) => r.health !== "ok");
        return bad.length === 0;
      });
      t.diagnostic(
        `${dashboardQueries(vars).length} dashboard queries with data, ${alerts.length} alert rules evaluated`,
      );
    } finally {
      await prometheus?.stop();
      await daemon.stop();
    }
  });
});
