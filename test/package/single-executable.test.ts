// The single executable (npm run build:sea) runs where no Node is installed: `status` and
// `ls --json` from a copy of the file, inside a test namespace, with node made unrunnable.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { buildSingleExecutable } from "../helpers/single-executable.js";

const root = new URL("../../", import.meta.url).pathname;
const conns = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
// Covers node's file with /dev/null in a private mount namespace: no node runs below it.
const withoutNode = [`${root}test/helpers/without-tools.sh`, "-t", "node nodejs"];

test("the single executable runs status and ls --json with no node to run", async (t) => {
  if (!needsPrivilege(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "idlereap-sea-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const exe = join(dir, "idlereap");
  copyFileSync(buildSingleExecutable(), exe);
  // PATH holds the executable's directory and the system's, where node is present but unrunnable.
  const env = { PATH: `${dir}:/usr/sbin:/usr/bin:/sbin:/bin`, HOME: dir, TMPDIR: dir };
  const probe = spawnSync(withoutNode[0] as string, [...withoutNode.slice(1), "sh", "-c", "node --version"], {
    env,
    encoding: "utf8",
  });
  assert.notEqual(probe.status, 0, "node still runs: the test would prove nothing");

  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<{ port: number }>(conns, [JSON.stringify({ idle: 2, closeWait: 1 })]);
    const run = (args: string[]) =>
      execFileSync(
        withoutNode[0] as string,
        [...withoutNode.slice(1), "ip", "netns", "exec", ns.name, "idlereap", ...args],
        {
          env,
          encoding: "utf8",
        },
      );
    assert.match(run(["--version"]).trim(), /^\d+\.\d+\.\d+$/);
    const rows = JSON.parse(run(["ls", "--json", "--state", "established"])) as { pid: number | null }[];
    assert.equal(rows.length, 4, "two idle connections, both ends");
    assert.ok(
      rows.every((r) => r.pid === f.pid),
      "owners are found (koffi's native module loaded)",
    );
    const status = spawnSync(
      withoutNode[0] as string,
      [...withoutNode.slice(1), "ip", "netns", "exec", ns.name, "idlereap", "status"],
      { env, encoding: "utf8" },
    );
    assert.ok(status.status === 0 || status.status === 1, status.stderr);
    assert.match(status.stdout, /netns \S+: \d+ TCP sockets/);
    assert.match(status.stdout, /close-wait\s+1/);
  });
  // What the executable unpacked (native module, profiles, worker) went when it exited.
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.startsWith("idlereap-")),
    [],
    "the unpacked files are removed at exit",
  );
});

test("the single executable finds its built-in profiles", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-sea-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { PATH: "/usr/bin:/bin", TMPDIR: dir };
  const exe = buildSingleExecutable();
  const audit = spawnSync(exe, ["tune", "audit", "--profile", "fast-release"], { env, encoding: "utf8" });
  assert.equal(audit.status, 0, audit.stderr);
  assert.match(audit.stdout, /profile: fast-release/);
  assert.match(audit.stdout, /net\.ipv4\.tcp_keepalive_time\s+\d+ → 60/);
  const unknown = spawnSync(exe, ["tune", "audit", "--profile", "no-such"], { env, encoding: "utf8" });
  assert.notEqual(unknown.status, 0);
  assert.match(unknown.stderr, /built-in: .*kernel-default/);
});

test("a start removes what an executable killed by a signal left unpacked, and nothing else", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-sea-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pidns = /\d+/.exec(readlinkSync("/proc/self/ns/pid"))?.[0];
  const gone = spawnSync("true").pid; // a process that has exited
  const stale = `idlereap-${pidns}-${gone}-AbC123`;
  const alive = `idlereap-${pidns}-${process.pid}-AbC123`; // this test's own process still runs
  const otherNs = `idlereap-1-${gone}-AbC123`; // another pid namespace's: its pids mean nothing here
  for (const name of [stale, alive, otherNs]) mkdirSync(join(dir, name));
  const r = spawnSync(buildSingleExecutable(), ["--version"], { env: { TMPDIR: dir }, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(readdirSync(dir).sort(), [alive, otherNs].sort());
});
