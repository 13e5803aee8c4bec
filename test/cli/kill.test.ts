import assert from "node:assert/strict";
import { test } from "node:test";
import { runCli } from "../helpers/cli.js";
import { type Fixture, withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

interface Ready {
  pid: number;
  port: number;
  groups: Record<string, number[]>;
}

async function events(
  f: Fixture<Ready>,
): Promise<{ side: string; event: string; code?: string; port: number }[]> {
  await new Promise((r) => setTimeout(r, 150));
  f.send({ cmd: "events" });
  return (await f.next<{ events: { side: string; event: string; code?: string; port: number }[] }>()).events;
}

test("kill without --yes prints what it would close and changes nothing", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2, unread: 1 })]);
    const r = await runCli(["kill", "--netns", ns.name, "--state", "established"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /would close/);
    assert.match(r.stdout, /skipped: queued-data/);
    assert.match(
      r.stdout,
      /^dry run \(add --yes to act\): matched 6, would act on 4, skipped 2 \(queued-data: 2\), failed 0$/m,
    );
    assert.equal((await events(f)).length, 0);
  });
});

test("kill --yes closes gracefully and ends with a summary; --json gives the outcomes", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2, active: 1 })]);
    await new Promise((r) => setTimeout(r, 700));
    const args = ["kill", "--netns", ns.name, "--dport", String(f.ready.port), "--idle-over", "500ms"];
    const r = await runCli([...args, "--yes", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.dryRun, false);
    assert.deepEqual(out.summary, {
      matched: 2,
      wouldAct: 0,
      reported: 0,
      closedGracefully: 2,
      closedHeld: 0,
      escalated: 0,
      aborted: 0,
      keepaliveSet: 0,
      skipped: {},
      failed: 0,
    });
    assert.deepEqual(
      out.outcomes.map((o: { localPort: number }) => o.localPort).sort(),
      [...(f.ready.groups.idle ?? [])].sort(),
    );
    const seen = await events(f);
    for (const port of f.ready.groups.idle ?? []) {
      assert.ok(seen.some((e) => e.side === "client" && e.port === port && e.event === "end"));
    }
    assert.ok(!seen.some((e) => e.port === f.ready.groups.active?.[0]));
  });
});

test("kill --mode abort (streamed, without owners) resets; protected ports are skipped; bad flags exit 2", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 2 })]);
    const port = String(f.ready.port);
    const guarded = await runCli([
      "kill",
      "--netns",
      ns.name,
      "--port",
      port,
      "--protect-port",
      port,
      "--yes",
    ]);
    assert.match(guarded.stdout, /skipped 4 \(protected-port: 4\)/, "both ends of 2 connections");
    const r = await runCli([
      "kill",
      "--netns",
      ns.name,
      "--dport",
      port,
      "--mode",
      "abort",
      "--no-process",
      "--yes",
      "--quiet",
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "matched 2, closed gracefully 0, escalated 0, aborted 2, skipped 0, failed 0\n");
    const seen = await events(f);
    assert.equal(seen.filter((e) => e.code === "ECONNABORTED").length, 2);
    assert.equal(seen.filter((e) => e.code === "ECONNRESET").length, 2);
    const bad = await runCli(["kill", "--netns", ns.name, "--mode", "nuke"]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--mode: "nuke" is not graceful or abort/);
    assert.equal((await runCli(["kill", "--netns", ns.name, "--grace", "soon"])).code, 2);
  });
});

test("streamed abort applies the same safety skips and reports each socket", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture<Ready>(CONNS, [JSON.stringify({ idle: 1, unread: 1 })]);
    const args = ["kill", "--netns", ns.name, "--state", "all", "--mode", "abort", "--no-process"];
    const dry = await runCli([...args, "--json"]);
    const out = JSON.parse(dry.stdout);
    assert.equal(out.dryRun, true);
    assert.deepEqual(out.summary.skipped, { listening: 1, "queued-data": 2 });
    assert.equal(out.summary.wouldAct, 2);
    const r = await runCli([...args, "--yes", "--json"]);
    const done = JSON.parse(r.stdout);
    // Aborting one end resets the other: its own request finds it gone.
    assert.equal(done.summary.aborted + (done.summary.skipped.gone ?? 0), 2, r.stdout);
    assert.ok(done.summary.aborted >= 1);
    const seen = await events(f);
    assert.ok(seen.some((e) => e.port === f.ready.groups.idle?.[0] && e.code === "ECONNABORTED"));
    assert.ok(!seen.some((e) => e.port === f.ready.groups.unread?.[0]), "queued data kept");
  });
});
