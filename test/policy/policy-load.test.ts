import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { ConfigError } from "../../src/errors.js";
import { policyWarnings } from "../../src/policy/keepalive-rule.js";
import { loadPolicyFile, parsePolicy } from "../../src/policy/policy-load.js";
import { policyJsonSchema, type Rule } from "../../src/policy/policy-schema.js";
import { compileRule } from "../../src/policy/rule-match.js";

const root = new URL("../../", import.meta.url).pathname;

function refused(text: string): ConfigError {
  try {
    parsePolicy(text, "p.yaml");
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail("the policy was accepted");
}

test("the shape of the documented example parses, with durations in ms and defaults filled in", () => {
  const p = loadPolicyFile(`${root}deploy/policies/example.yaml`);
  assert.equal(p.interval, 5000);
  assert.deepEqual(p.protect, { ports: [22], processes: ["sshd"] });
  assert.equal(p.rules.length, 3);
  const [ws, cw, legacy] = p.rules;
  assert.deepEqual(ws?.match, { state: ["established"], port: [8080], idle: 300_000 });
  assert.equal(ws?.grace, 10_000);
  assert.equal(cw?.grace, 5000);
  assert.equal(cw?.action, "abort");
  assert.deepEqual(legacy?.keepalive, { idle: 60_000, interval: 10_000, count: 3, userTimeout: 90_000 });
  assert.equal(p.pressure?.minScale, 0.1);
  assert.equal(p.metrics.listen, "127.0.0.1:9848");
});

test("every shipped example policy is valid", () => {
  const dir = `${root}deploy/policies/`;
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml"));
  assert.ok(files.length >= 3);
  for (const f of files) assert.doesNotThrow(() => loadPolicyFile(dir + f), f);
});

test("an unknown key is refused with its own line and its path", () => {
  const err = refused(
    [
      "interval: 5s",
      "rules:",
      "  - name: a",
      "    match:",
      "      state: close-wait",
      "      idel: 10m",
    ].join("\n"),
  );
  assert.equal(err.line, 6);
  assert.equal(err.key, "rules[0].match.idel");
  assert.equal(err.file, "p.yaml");
  assert.match(err.message, /^p\.yaml: line 6: rules\[0\]\.match\.idel: unknown key/);
});

test("bad values point at their key: action, duration, port, state, CIDR", () => {
  const cases: [string, number, string][] = [
    ["rules:\n  - name: a\n    action: kil\n", 3, "rules[0].action"],
    ["interval: 5 minutes\nrules:\n  - name: a\n", 1, "interval"],
    ["rules:\n  - name: a\n    match: { port: 70000 }\n", 3, "rules[0].match.port"],
    ["rules:\n  - name: a\n    match:\n      state: [established, estabished]\n", 4, "rules[0].match.state"],
    ["rules:\n  - name: a\n  - name: b\n    match: { dst: 10.0.0.0/33 }\n", 4, "rules[1].match.dst"],
  ];
  for (const [text, line, key] of cases) {
    const err = refused(text);
    assert.equal(err.line, line, `${key}: ${err.message}`);
    assert.equal(err.key, key);
    assert.equal(err.code, "IDLEREAP_ERR_CONFIG_INVALID");
  }
});

test("cross-field rules: duplicate names, pressure bounds", () => {
  assert.equal(refused("rules:\n  - name: a\n  - name: a\n").line, 3);
  const pressure = refused("rules:\n  - name: a\npressure:\n  scaleAt: 0.9\n  saturateAt: 0.5\n");
  assert.equal(pressure.key, "pressure.saturateAt");
  assert.equal(pressure.line, 5);
});

test("a keepalive user timeout that replaces the count is accepted with a warning saying what happens", () => {
  const short = parsePolicy(
    "rules:\n  - name: a\n    action: keepalive\n    keepalive: { idle: 60s, interval: 10s, count: 3, userTimeout: 30s }\n",
  );
  const [w] = policyWarnings(short);
  assert.equal(w?.key, "rules[0].keepalive.userTimeout");
  assert.match(
    w?.message ?? "",
    /after 1 unanswered probe .*not 3.*one lost probe can close a healthy connection/,
  );
  const long = parsePolicy(
    "rules:\n  - name: b\n    action: keepalive\n    keepalive: { idle: 1s, interval: 1s, count: 2, userTimeout: 90s }\n",
  );
  assert.match(
    policyWarnings(long)[0]?.message ?? "",
    /rule b: .*89 unanswered probes.*longer than the count says/,
  );
  // Unset: derived so that the count holds, nothing to warn about; 0 keeps the count too.
  for (const ut of ["", ", userTimeout: 0"]) {
    const p = parsePolicy(
      `rules:\n  - name: c\n    action: keepalive\n    keepalive: { idle: 1s, interval: 1s, count: 2${ut} }\n`,
    );
    assert.deepEqual(policyWarnings(p), []);
    assert.deepEqual(compileRule(p.rules[0] as Rule).keepalive, {
      idleMs: 1000,
      intervalMs: 1000,
      count: 2,
      userTimeoutMs: ut === "" ? 3000 : 0,
    });
  }
});

test("YAML syntax errors and missing rules are refused with a line", () => {
  assert.equal(refused("rules:\n  - name: [\n").line, 3);
  const missing = refused("interval: 5s\n");
  assert.equal(missing.key, "rules");
  assert.match(missing.message, /is required/);
});

test("an unreadable file is a read error", () => {
  assert.throws(() => loadPolicyFile("/nonexistent/policy.yaml"), { code: "IDLEREAP_ERR_CONFIG_READ" });
});

test("schema/policy.schema.json is generated from the current definition", () => {
  const onDisk = JSON.parse(readFileSync(`${root}schema/policy.schema.json`, "utf8"));
  assert.deepEqual(
    onDisk,
    JSON.parse(JSON.stringify(policyJsonSchema())),
    "run scripts/gen-policy-schema.ts",
  );
  const rule = onDisk.properties.rules.items;
  assert.deepEqual(rule.properties.action.enum, ["report", "close", "abort", "keepalive"]);
  assert.equal(rule.additionalProperties, false);
});

test("metrics.listen: a port past 65535 or an address that is not one is refused, like run refuses it", () => {
  const at = (listen: string) => `metrics: { listen: "${listen}" }\nrules: [{ name: a }]\n`;
  assert.match(
    refused(at("127.0.0.1:99999")).message,
    /line 1: metrics\.listen: .*port 99999 is out of range/,
  );
  assert.match(
    refused(at("999.999.999.999:9848")).message,
    /metrics\.listen: .*999\.999\.999\.999 is not an IPv4/,
  );
  assert.match(refused(at("[::g]:9848")).message, /metrics\.listen: /);
  assert.match(refused(at("nohost")).message, /metrics\.listen: .*address:port/);
  assert.equal(parsePolicy(at("[::1]:9848")).metrics.listen, "[::1]:9848");
  assert.equal(parsePolicy(at("localhost:9848")).metrics.listen, "localhost:9848");
});

test("lists are bounded: a huge port list is refused naming its key and the bound", () => {
  const many = Array.from({ length: 3000 }, (_, i) => i).join(",");
  const err = refused(`rules:\n  - name: a\n    match: { port: [${many}] }\n`);
  assert.match(
    err.message,
    /line 3: rules\[0\]\.match\.port: at most 2048 items \(the kernel's socket filter/,
  );
  // A file-sized list is refused before the YAML parser spends seconds on it.
  const huge = refused(`rules:\n  - name: a\n    match: { port: [${"1,".repeat(400_000)}1] }\n`);
  assert.match(huge.message, /^p\.yaml: line 3: YAML holds more than 50000 items/);
  const ns = Array.from({ length: 2000 }, (_, i) => `"n${i}"`).join(",");
  assert.match(
    refused(`namespaces: [${ns}]\nrules: [{ name: a }]\n`).message,
    /namespaces: at most 1024 items/,
  );
});
