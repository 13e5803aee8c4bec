// An empty flag value must never remove the filter it stands for: `kill --pid "$PID" --yes` with PID
// unset would otherwise close every connection in the namespace. Each is a usage error (exit 2)
// before anything is scanned, and the connections survive.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

test("kill refuses every empty or all-empty filter value and closes nothing", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 3, closeWait: 1 })]);
    const count = () => ns.exec("ss", ["-tanH"]).trim().split("\n").length;
    const before = count();
    const flags: string[][] = [
      ["--port", ""],
      ["--port", ","],
      ["--port", "80,"],
      ["--sport", " "],
      ["--dport", ""],
      ["--pid", ""],
      ["--comm", ""],
      ["--src", ""],
      ["--dst", ""],
      ["--state", ""],
      ["--protect-port", ""],
      ["--protect-comm", ""],
    ];
    for (const f of flags) {
      const r = await runCli(["kill", "--netns", ns.name, "--mode", "abort", ...f, "--yes"]);
      assert.equal(r.code, 2, `${f.join(" ")}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /empty/, f.join(" "));
      assert.equal(count(), before, `${f.join(" ")} closed nothing`);
    }
    const netns = await runCli(["kill", "--netns", "", "--mode", "abort", "--yes"]);
    assert.equal(netns.code, 2, netns.stderr);
    assert.equal(count(), before);
  });
});

test("ls, status, probe and tune refuse empty values too", async () => {
  for (const args of [
    ["ls", "--pid", ""],
    ["status", "--netns", ""],
    ["probe", "--port", ""],
    ["tune", "audit", "--netns", ""],
    ["firewall", "apply", "--port", ""],
  ]) {
    const r = await runCli(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
  }
});

test("a policy with an empty list is refused by run --check (exit 2)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "irt-empty-"));
  for (const [name, body] of [
    ["ports", "rules:\n  - name: r\n    match: { port: [] }\n    action: report\n"],
    ["pids", "rules:\n  - name: r\n    match: { pid: [] }\n    action: report\n"],
    ["process", "rules:\n  - name: r\n    match: { process: '' }\n    action: report\n"],
    ["namespaces", "namespaces: []\nrules:\n  - name: r\n    action: report\n"],
  ] as const) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, body);
    const r = await runCli(["run", "--config", file, "--check"]);
    assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
  }
});
