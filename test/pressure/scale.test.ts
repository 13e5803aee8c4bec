import assert from "node:assert/strict";
import { test } from "node:test";
import type { PressureReading } from "../../src/pressure/netns-pressure.js";
import { thresholdScale } from "../../src/pressure/scale.js";

const settings = {
  scaleAt: 0.8,
  saturateAt: 0.95,
  minScale: 0.1,
  resources: ["descriptors", "ports", "conntrack", "orphans", "timewait"] as const,
};
const r = (resource: PressureReading["resource"], ratio: number): PressureReading => ({
  resource,
  used: ratio * 100,
  limit: 100,
  ratio,
});

test("no pressure section or low use: thresholds unchanged", () => {
  assert.equal(thresholdScale([r("ports", 0.99)], undefined).scale, 1);
  assert.equal(
    thresholdScale([r("ports", 0.5), r("conntrack", 0.8)], {
      ...settings,
      resources: [...settings.resources],
    }).scale,
    1,
  );
});

test("linear from scaleAt to saturateAt, driven by the most used watched resource", () => {
  const s = { ...settings, resources: [...settings.resources] };
  const mid = thresholdScale([r("descriptors", 0.2), r("conntrack", 0.875)], s);
  assert.ok(Math.abs(mid.scale - 0.55) < 1e-9, String(mid.scale));
  assert.equal(mid.worst?.resource, "conntrack");
  assert.equal(thresholdScale([r("timewait", 0.95)], s).scale, 0.1);
  assert.equal(thresholdScale([r("timewait", 1.3)], s).scale, 0.1);
});

test("resources not listed are ignored", () => {
  const s = { ...settings, resources: ["descriptors" as const] };
  assert.equal(thresholdScale([r("ports", 0.99), r("descriptors", 0.1)], s).scale, 1);
});

test("guard() and the daemon scale by one formula", async () => {
  const guardPressure = await import("../../src/guard/pressure.js");
  const { pressureScale } = await import("../../src/pressure/scale.js");
  assert.equal(guardPressure.pressureScale, pressureScale);
  const cfg = { scaleAt: 0.8, saturateAt: 0.95, minScale: 0.1 };
  const s = { ...cfg, resources: ["conntrack"] as const };
  for (const ratio of [0.5, 0.85, 0.9, 0.99]) {
    assert.equal(
      thresholdScale([r("conntrack", ratio)], { ...s, resources: [...s.resources] }).scale,
      pressureScale(ratio, cfg),
    );
  }
});
