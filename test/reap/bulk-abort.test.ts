import assert from "node:assert/strict";
import { test } from "node:test";
import { resolveNetns } from "../../src/kernel/netns.js";
import { DiagSocket } from "../../src/kernel/sock-diag.js";
import { BATCH, BulkAborter } from "../../src/reap/bulk-abort.js";
import { Protection } from "../../src/reap/protect.js";
import { streamAbort } from "../../src/reap/stream-abort.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

/** An id no socket has: the kernel answers ENOENT (2) for each. */
const nobody = (port: number) => ({
  family: 4 as const,
  sport: port,
  dport: 1,
  src: Uint8Array.of(127, 0, 0, 1),
  dst: Uint8Array.of(127, 0, 0, 1),
  iface: 0,
  cookie: 12345n,
});

test("every failure of a multi-batch abort is reported, by index", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const diag = DiagSocket.open(resolveNetns(ns.name));
    try {
      const failures = new Map<number, number>();
      const aborter = new BulkAborter(diag, (i, errno) => failures.set(i, errno));
      const count = BATCH * 2 + 37;
      for (let i = 0; i < count; i++) assert.equal(aborter.add(nobody(10_000 + i)), i);
      aborter.flush();
      assert.equal(failures.size, count);
      assert.ok([...failures.values()].every((errno) => errno === 2));
    } finally {
      diag.close();
    }
  });
});

test("a streamed abort of several batches leaves no established socket and accounts for each", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 700 })]);
    const r = streamAbort([resolveNetns(ns.name)], {
      filter: compileFilter({ states: "established" }),
      info: false,
      protection: new Protection(),
      force: false,
      deadPeerMs: 30_000,
      orphansUnsafe: false,
      dryRun: false,
      keepOutcomes: 0,
    });
    const { summary } = r;
    // Aborting one end resets the other, which the dump may already have listed: it is then gone.
    assert.ok(summary.matched >= 700 && summary.matched <= 1400, JSON.stringify(summary));
    assert.equal(summary.aborted + (summary.skipped.gone ?? 0), summary.matched);
    assert.equal(summary.failed, 0);
    assert.equal(ns.exec("ss", ["-tanH", "state", "established"]).trim(), "");
  });
});
