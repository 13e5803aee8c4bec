// The shipped Prometheus alert rules: valid for promtool, every metric they use exists, and each rule
// is unit-tested with `promtool test rules` (fires on a series that should fire it, silent on another).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Registry } from "prom-client";
import { parse } from "yaml";
import { DaemonMetrics } from "../../src/metrics/daemon-metrics.js";
import { needsTools } from "../helpers/tools.js";

const root = new URL("../../", import.meta.url).pathname;
const RULES = `${root}deploy/prometheus/idlereap-alerts.yaml`;
const RULE_TESTS = `${root}deploy/prometheus/idlereap-alerts.test.yaml`;

interface RuleTests {
  tests: {
    name: string;
    input_series: { series: string }[];
    alert_rule_test: { alertname: string; exp_alerts: unknown[] }[];
  }[];
}

const alertNames = (): string[] =>
  (parse(readFileSync(RULES, "utf8")) as { groups: { rules: { alert?: string }[] }[] }).groups
    .flatMap((g) => g.rules)
    .flatMap((r) => (r.alert ? [r.alert] : []));

test("promtool accepts the alert rules", (t) => {
  if (!needsTools(t, "promtool")) return;
  const out = execFileSync("promtool", ["check", "rules", RULES], { encoding: "utf8" });
  assert.match(out, new RegExp(`SUCCESS: ${alertNames().length} rules found`));
});

test("promtool test rules: every alert fires where it should and nowhere else", (t) => {
  if (!needsTools(t, "promtool")) return;
  const r = spawnSync("promtool", ["test", "rules", RULE_TESTS], {
    encoding: "utf8",
    cwd: `${root}deploy/prometheus`,
  });
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /SUCCESS/);
});

test("each alert rule has a firing case beside a series that stays silent", () => {
  const spec = parse(readFileSync(RULE_TESTS, "utf8")) as RuleTests;
  for (const name of alertNames()) {
    const group = spec.tests.find((g) =>
      g.alert_rule_test.some((a) => a.alertname === name && a.exp_alerts.length > 0),
    );
    assert.ok(group, `no promtool test fires ${name}`);
    const firing = group.alert_rule_test.find((a) => a.alertname === name && a.exp_alerts.length > 0);
    // The expected alerts are the whole list: a series beyond them that matches would fail the test.
    const subjects = new Set(group.input_series.map((s) => s.series.replace(/^[a-z_]+/, "")));
    assert.ok(subjects.size > (firing?.exp_alerts.length ?? 0), `${name}: no series that must stay silent`);
  }
});

test("every idlereap metric the rules use is one the daemon exports", async () => {
  const registry = new Registry();
  new DaemonMetrics(registry);
  const exported = new Set(
    registry
      .getMetricsAsArray()
      .flatMap((m) => [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]),
  );
  const used = new Set(readFileSync(RULES, "utf8").match(/idlereap_[a-z_]+/g) ?? []);
  assert.ok(used.size >= 5);
  for (const name of used) assert.ok(exported.has(name), `${name} is not exported`);
});
