import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const root = new URL("../../", import.meta.url).pathname;

test("run --check accepts a valid policy and exits 0", async () => {
  const r = await runCli(["run", "--check", "--config", `${root}deploy/policies/example.yaml`]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /example\.yaml: valid, 3 rules, interval 5s/);
});

test("run --check refuses a bad policy with file, line and key, and exits 2", async () => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-check-"));
  try {
    const file = join(dir, "bad.yaml");
    writeFileSync(
      file,
      "interval: 5s\nrules:\n  - name: a\n    match: { state: established, idle: 5 minutes }\n",
    );
    const r = await runCli(["run", "--check", "--config", file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`${file}: line 4: rules\\[0\\]\\.match\\.idle: .*not a duration`));
    assert.match(r.stderr, /IDLEREAP_ERR_CONFIG_INVALID/);
    const missing = await runCli(["run", "--check", "--config", join(dir, "none.yaml")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /IDLEREAP_ERR_CONFIG_READ/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("run --once runs one cycle, prints its summary and exits", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    await ns.spawnFixture(new URL("../fixtures/conns.mjs", import.meta.url).pathname, [
      JSON.stringify({ idle: 1 }),
    ]);
    const dir = mkdtempSync(join(tmpdir(), "idlereap-once-"));
    try {
      const file = join(dir, "policy.yaml");
      writeFileSync(
        file,
        `namespaces: [${ns.name}]\nmetrics: { enabled: false }\naudit: { file: ${join(dir, "audit.jsonl")} }\nrules:\n  - name: l\n    match: { state: listen }\n`,
      );
      const r = await runCli(["run", "--once", "--config", file]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^matched 1, closed gracefully 0/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
