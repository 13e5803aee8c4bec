// The CLOSE_WAIT truth: a graceful close frees the connection (port, conntrack entry) but not the
// descriptor of an application that never closes it; kill must count and say so, not "closed 35".
import assert from "node:assert/strict";
import { readdirSync, readlinkSync } from "node:fs";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  groups: Record<string, number[]>;
}

/** The socket inodes a process holds descriptors of. */
function socketInodes(pid: number): Set<number> {
  const inodes = new Set<number>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(Number(m[1]));
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

test("kill --state close-wait on a process that never closes: connections freed, descriptors still held", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ closeWait: 35 })]);
    const pid = String(f.ready.pid);
    const listed = await runCli(["ls", "--netns", ns.name, "--state", "close-wait", "--json"]);
    const closeWait = (JSON.parse(listed.stdout) as { inode: number }[]).map((s) => s.inode);
    assert.equal(closeWait.length, 35);
    const args = [
      "kill",
      "--netns",
      ns.name,
      "--state",
      "close-wait",
      "--pid",
      pid,
      "--grace",
      "1s",
      "--yes",
    ];
    const text = await runCli(args);
    assert.equal(text.code, 0, text.stderr);
    assert.match(
      text.stdout,
      /^matched 35, closed gracefully 0, escalated 0, aborted 0, closed but descriptor still held by the application 35, skipped 0, failed 0$/m,
    );
    assert.match(text.stdout, /port and the conntrack entry are freed/);
    assert.match(text.stdout, new RegExp(`node/${pid} holds 35`));
    assert.match(text.stdout, /only the application can free them/);
    // The kernel's table no longer lists them, but the process still has every descriptor.
    const left = await runCli(["ls", "--netns", ns.name, "--state", "close-wait", "--json"]);
    assert.equal(left.code, 0, left.stderr);
    assert.deepEqual(JSON.parse(left.stdout), []);
    const held = socketInodes(f.ready.pid);
    assert.deepEqual(
      closeWait.filter((inode) => !held.has(inode)),
      [],
      "every CLOSE_WAIT descriptor is still in the process's table",
    );
  });
});

test("kill --json counts closed-held apart from closed and released", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ closeWait: 3, idle: 2 })]);
    const args = [
      "kill",
      "--netns",
      ns.name,
      "--pid",
      String(f.ready.pid),
      "--grace",
      "1s",
      "--yes",
      "--json",
    ];
    const r = await runCli([...args, "--state", "close-wait"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.summary.closedHeld, 3);
    assert.equal(out.summary.closedGracefully, 0);
    for (const o of out.outcomes) {
      assert.equal(o.result, "closed-held");
      assert.match(o.detail, /still holds the descriptor/);
    }
    // Sockets whose owner closes them on EOF (the fixture's idle clients do) are closed and released.
    const idle = await runCli([...args, "--state", "established", "--dport", String(f.ready.port)]);
    assert.equal(idle.code, 0, idle.stderr);
    const s = JSON.parse(idle.stdout).summary;
    assert.equal(s.matched, 2);
    assert.equal(s.closedHeld, 0);
    assert.equal(s.closedGracefully + s.escalated, s.matched);
  });
});

test("kill --grace 0 never aborts, and still tells closed-held from closed and released", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ closeWait: 2 })]);
    const args = ["kill", "--netns", ns.name, "--pid", String(f.ready.pid), "--state", "close-wait"];
    const r = await runCli([...args, "--grace", "0", "--yes", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout).summary;
    assert.equal(s.closedHeld, 2);
    assert.equal(s.escalated, 0);
  });
});
