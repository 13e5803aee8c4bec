// Without --netns every command acts on the namespace it runs in, as ss, sysctl and nft do. Proven
// the way a real host looks: inside a PID namespace whose PID 1 sits in another network namespace
// (on these machines root cannot read the real /proc/1/ns/net, which would hide the difference).
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { createNetns, destroyNetns, type TestNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";
import { needsTools } from "../helpers/tools.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

interface Ready {
  pid: number;
  port: number;
  groups: Record<string, number[]>;
}

/**
 * Runs the CLI from source in `work`, inside a fresh PID namespace whose PID 1 (a shell) stays in
 * `pid1`. The trailing `exit` keeps the shell from exec'ing the command and so becoming it.
 */
function cliUnderForeignPid1(pid1: TestNetns, work: TestNetns, args: string[]) {
  const cli = [
    "ip",
    "netns",
    "exec",
    work.name,
    process.execPath,
    "--import",
    "tsx",
    "src/cli/dev-entry.ts",
    ...args,
  ];
  const script = `${cli.map((a) => `'${a}'`).join(" ")}; rc=$?; exit $rc`;
  const r = spawnSync(
    "ip",
    ["netns", "exec", pid1.name, "unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", script],
    { cwd: ROOT, encoding: "utf8", timeout: 60_000 },
  );
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

async function withTwoNamespaces(fn: (pid1: TestNetns, work: TestNetns) => Promise<void>): Promise<void> {
  const pid1 = createNetns("irt-pid1");
  const work = createNetns("irt-work");
  try {
    await fn(pid1, work);
  } finally {
    await destroyNetns(work);
    await destroyNetns(pid1);
  }
}

test("the PID namespace really puts PID 1 in another network namespace", async (t) => {
  if (!needsPrivilege(t)) return;
  await withTwoNamespaces(async (pid1, work) => {
    const script = `readlink /proc/1/ns/net; ip netns exec ${work.name} readlink /proc/self/ns/net; exit 0`;
    const out = execFileSync(
      "ip",
      ["netns", "exec", pid1.name, "unshare", "--pid", "--fork", "--mount-proc", "sh", "-c", script],
      { encoding: "utf8" },
    ).split("\n");
    assert.notEqual(out[0], out[1]);
  });
});

test("ls, status and kill without --netns act on the namespace they run in, not PID 1's", async (t) => {
  if (!needsPrivilege(t)) return;
  await withTwoNamespaces(async (pid1, work) => {
    const f = await work.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 3 })]);
    await pid1.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);

    const ls = cliUnderForeignPid1(pid1, work, ["ls", "--json", "--state", "all"]);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = JSON.parse(ls.stdout) as TcpSocket[];
    assert.equal(rows.length, 7, "the listener and 3 idle connections (both ends) of the work namespace");
    for (const r of rows) {
      assert.equal(r.netns, work.name);
      assert.ok([r.localPort, r.remotePort].includes(f.ready.port), `${r.localPort} is the fixture's`);
    }

    const status = cliUnderForeignPid1(pid1, work, ["status", "--json"]);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout) as {
      namespaces: { netns: string; sockets: { total: number } }[];
    };
    assert.deepEqual(
      report.namespaces.map((n) => [n.netns, n.sockets.total]),
      [[work.name, 7]],
    );

    const kill = cliUnderForeignPid1(pid1, work, [
      "kill",
      "--state",
      "established",
      "--port",
      String(f.ready.port),
      "--mode",
      "abort",
      "--yes",
    ]);
    assert.equal(kill.code, 0, kill.stderr);
    assert.equal(work.exec("ss", ["-tanH", "state", "established"]).trim(), "");
    const pid1Established = pid1.exec("ss", ["-tanH", "state", "established"]).trim().split("\n");
    assert.equal(pid1Established.length, 4, "PID 1's namespace keeps its 2 connections");
  });
});

test("tune audit and firewall apply without --netns use the namespace they run in", async (t) => {
  if (!needsPrivilege(t) || !needsTools(t, "nft")) return;
  await withTwoNamespaces(async (pid1, work) => {
    work.exec("sysctl", ["-qw", "net.ipv4.tcp_keepalive_time=1234"]);
    pid1.exec("sysctl", ["-qw", "net.ipv4.tcp_keepalive_time=4321"]);
    const audit = cliUnderForeignPid1(pid1, work, ["tune", "audit", "--json"]);
    assert.equal(audit.code, 0, audit.stderr);
    const rows = (JSON.parse(audit.stdout) as { rows: { key: string; value: string }[] }).rows;
    assert.equal(rows.find((r) => r.key === "net.ipv4.tcp_keepalive_time")?.value, "1234");

    const fw = cliUnderForeignPid1(pid1, work, ["firewall", "apply", "--port", "8080", "--yes"]);
    assert.equal(fw.code, 0, fw.stderr);
    assert.match(work.exec("nft", ["list", "tables"]), /idlereap/);
    assert.doesNotMatch(pid1.exec("nft", ["list", "tables"]), /idlereap/);
  });
});

test("--netns host names PID 1's namespace explicitly", async (t) => {
  if (!needsPrivilege(t)) return;
  await withTwoNamespaces(async (pid1, work) => {
    await pid1.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 1 })]);
    const ls = cliUnderForeignPid1(pid1, work, ["ls", "--json", "--netns", "host"]);
    assert.equal(ls.code, 0, ls.stderr);
    const rows = JSON.parse(ls.stdout) as TcpSocket[];
    assert.equal(rows.length, 2, "PID 1's namespace holds one connection, both ends");
    for (const r of rows) assert.equal(r.netns, "host");
  });
});
