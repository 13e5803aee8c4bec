// The shipped Prometheus alert rules: valid for promtool, and every metric they use exists.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Registry } from "prom-client";
import { DaemonMetrics } from "../../src/metrics/daemon-metrics.js";
import { needsTools } from "../helpers/tools.js";

const root = new URL("../../", import.meta.url).pathname;
const RULES = `${root}deploy/prometheus/idlereap-alerts.yaml`;

test("promtool accepts the alert rules", (t) => {
  if (!needsTools(t, "promtool")) return;
  const out = execFileSync("promtool", ["check", "rules", RULES], { encoding: "utf8" });
  assert.match(out, /SUCCESS: \d+ rules found/);
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
