// Exit codes as documented: bad input (a flag, a file, a profile, a namespace that is not one) exits
// 2 with a code on every command; a scan that could not look exits non-zero.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inNetns } from "../../src/kernel/netns.js";
import { runCli } from "../helpers/cli.js";
import { needsPrivilege } from "../helpers/privileged.js";

const NETNS_COMMANDS = [["ls"], ["status"], ["kill"], ["tune", "audit"], ["firewall", "status"], ["probe"]];

test("bad input exits 2 with a code, on every command", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "idlereap-exit-"));
  try {
    mkdirSync(join(dir, "a-directory.yaml"));
    const cases: string[][] = [
      ["run", "--check", "--config", join(dir, "missing.yaml")],
      ["run", "--once", "--config", join(dir, "missing.yaml")],
      ["run", "--check", "--config", join(dir, "a-directory.yaml")],
      ["tune", "apply", "--profile", "no-such-profile"],
      ["tune", "apply", "--profile", join(dir, "missing.yaml")],
      ["tune", "apply", "--profile", "no such/../x"],
      ["tune", "lint", join(dir, "missing.conf")],
    ];
    for (const cmd of NETNS_COMMANDS) {
      cases.push([...cmd, "--netns", "/etc/hostname"]); // a file, not a namespace
      cases.push([...cmd, "--netns", "/proc/self/ns/pid"]); // a namespace, not a network one
      cases.push([...cmd, "--netns", `no-such-netns-${process.pid}`]);
    }
    for (const args of cases) {
      const r = await runCli(args);
      const what = `${args.join(" ")}: ${r.stderr}`;
      assert.equal(r.code, 2, what);
      assert.match(r.stderr, /\[IDLEREAP_ERR_[A-Z_]+\]/, what);
      assert.doesNotMatch(r.stderr, /^\s+at /m, what);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("setns refusing a path that is not a network namespace is bad input with a code, not a bare EINVAL", (t) => {
  if (!needsPrivilege(t)) return;
  assert.throws(
    () => inNetns({ name: "pid-ns", path: "/proc/self/ns/pid", inode: 0 }, () => 0),
    (err: Error & { code?: string }) =>
      err.code === "IDLEREAP_ERR_NETNS_NOT_FOUND" && /is not a network namespace/.test(err.message),
  );
});

test("run --once on a namespace that does not exist exits non-zero and says what was not scanned", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "idlereap-exit-"));
  try {
    const rules = "rules:\n  - name: r\n    match: { state: established }\n    action: report\n";
    for (const namespaces of [`[no-such-netns-${process.pid}]`, `[current, no-such-netns-${process.pid}]`]) {
      const file = join(dir, "policy.yaml");
      writeFileSync(file, `interval: 10s\nnamespaces: ${namespaces}\n${rules}`);
      const r = await runCli(["run", "--once", "--config", file]);
      assert.notEqual(r.code, 0, `${namespaces}: ${r.stderr}`);
      assert.match(r.stderr, new RegExp(`incomplete scan: netns no-such-netns-${process.pid} not scanned`));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
