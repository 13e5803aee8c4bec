// The fleet dashboard's shape: variables for instance and namespace, every query scoped by them and
// on metrics the daemon exports (a real Prometheus runs the queries in prometheus.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Registry } from "prom-client";
import { DaemonMetrics } from "../../src/metrics/daemon-metrics.js";
import { dashboardQueries, loadDashboard } from "./dashboard.js";

/** Label names of each exported metric (histogram series under their base name). */
function exportedLabels(): Map<string, string[]> {
  const registry = new Registry();
  new DaemonMetrics(registry);
  const out = new Map<string, string[]>();
  for (const m of registry.getMetricsAsArray()) {
    const labels = (m as unknown as { labelNames?: string[] }).labelNames ?? [];
    out.set(m.name, labels);
    for (const suffix of ["_bucket", "_sum", "_count"]) out.set(`${m.name}${suffix}`, labels);
  }
  return out;
}

test("the dashboard has instance and namespace variables and a Prometheus data source variable", () => {
  const d = loadDashboard();
  assert.equal(d.uid, "idlereap");
  const byName = new Map(d.templating.list.map((v) => [v.name, v]));
  assert.equal(byName.get("datasource")?.type, "datasource");
  for (const name of ["instance", "netns"]) {
    const v = byName.get(name);
    assert.equal(v?.type, "query", name);
    assert.ok(v?.multi && v.includeAll, `${name} is multi-value with All`);
  }
});

test("every panel queries exported metrics, scoped by $instance and, where the metric has it, $netns", () => {
  const labels = exportedLabels();
  assert.deepEqual(
    labels.get("idlereap_sockets"),
    ["netns", "state"],
    "label names are read from the registry",
  );
  const d = loadDashboard();
  const panels = d.panels.filter((p) => p.type !== "row");
  assert.ok(panels.length >= 12);
  const seen = new Set<string>();
  for (const p of panels) {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's own variable syntax
    assert.equal(p.datasource?.uid, "${datasource}", p.title);
    assert.ok((p.targets ?? []).length > 0, `${p.title}: no query`);
    for (const t of p.targets ?? []) {
      for (const m of t.expr.matchAll(/(idlereap_[a-z_]+)\{([^}]*)\}/g)) {
        const [, name, matchers] = m as unknown as [string, string, string];
        const has = labels.get(name);
        assert.ok(has, `${p.title}: ${name} is not exported`);
        seen.add(name);
        assert.match(matchers, /instance=~"\$instance"/, `${p.title}: ${name} not scoped by instance`);
        if (has.includes("netns"))
          assert.match(matchers, /netns=~"\$netns"/, `${p.title}: ${name} not by netns`);
      }
      const bare = t.expr.replace(/idlereap_[a-z_]+\{/g, "");
      assert.ok(!bare.includes("idlereap_"), `${p.title}: a metric without matchers in ${t.expr}`);
    }
  }
  // What an operator of many hosts looks at first.
  for (const name of [
    "idlereap_sockets",
    "idlereap_established_idle_seconds_bucket",
    "idlereap_actions_total",
    "idlereap_pressure_ratio",
    "idlereap_scan_duration_seconds",
    "idlereap_scan_errors_total",
    "idlereap_close_wait_top_sockets",
    "idlereap_multi_holder_sockets",
  ]) {
    assert.ok(seen.has(name), `no panel shows ${name}`);
  }
  assert.ok(
    dashboardQueries({ instance: "h:1", netns: "n", __rate_interval: "1m", datasource: "x" }).length > 0,
  );
});
