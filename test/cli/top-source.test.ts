// top's refresh against the real kernel, without a terminal: the header's counts and the groups'
// sizes over a namespace of known connections, the bounded rows, the text filter, picking a group's
// members for closing, and when the kept owner walk is redone.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Snapshot, TopQuery } from "../../src/cli/top/top-source.js";
import { TopSource } from "../../src/cli/top/top-source.js";
import { resolveNetns } from "../../src/kernel/netns.js";
import { compileFilter } from "../../src/select/socket-filter.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;
const query = (q: Partial<TopQuery>): TopQuery => ({
  sort: "idle",
  group: "none",
  filter: "",
  limit: 50,
  ...q,
});

function groupCount(snap: Snapshot, key: string): number {
  for (const r of snap.rows) if (r.kind === "group" && r.group.key === key) return r.group.count;
  return 0;
}

test("top's refresh counts the header and groups in one pass and keeps only the rows asked", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const a = await ns.spawnFixture<{ port: number }>(CONNS, [JSON.stringify({ idle: 2, closeWait: 2 })]);
    const b = await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 1 })]);
    const source = new TopSource([resolveNetns(ns.name)], compileFilter({}), { owners: true });

    const snap = source.refresh(query({ limit: 3 }));
    assert.equal(snap.header.total, 10);
    assert.deepEqual(Object.fromEntries(snap.header.byState), {
      established: 6,
      "fin-wait-2": 2,
      "close-wait": 2,
    });
    assert.equal(snap.header.established, 6);
    assert.equal(snap.header.keepaliveArmed, 0);
    assert.equal(
      snap.header.idle.reduce((n, bucket) => n + bucket.count, 0),
      6,
      "every established socket in the histogram",
    );
    assert.equal(snap.rowCount, 10);
    assert.equal(snap.rows.length, 3, "only the rows asked are kept");
    const idles = snap.rows.map((r) => (r.kind === "socket" ? (r.socket.idleMs ?? -1) : -1));
    assert.deepEqual(
      idles,
      [...idles].sort((x, y) => y - x),
      "idlest first",
    );

    const byProcess = source.refresh(query({ group: "process" }));
    assert.equal(groupCount(byProcess, `node/${a.pid}`), 8, "4 idle + 2 close-wait + 2 fin-wait-2");
    assert.equal(groupCount(byProcess, `node/${b.pid}`), 2);
    assert.equal(byProcess.rowCount, 2);

    const byPort = source.refresh(query({ group: "port" }));
    assert.equal(groupCount(byPort, `:${a.ready.port}`), 4, "2 idle + 2 close-wait accepted");

    const leaks = source.refresh(query({ filter: "close-wait" }));
    assert.equal(leaks.rowCount, 2);
    assert.ok(leaks.rows.every((r) => r.kind === "socket" && r.socket.pid === a.pid));

    const members = source.pick({ groups: new Map([["process", new Set([`node/${a.pid}`])]]), fresh: true });
    assert.equal(members.length, 8);
    assert.ok(members.every((s) => s.pid === a.pid && s.fd !== null));
    const some = source.pick({
      groups: new Map([["process", new Set([`node/${a.pid}`])]]),
      filter: "close-wait",
    });
    assert.equal(some.length, 2, "a group's members through the text filter, as the table shows them");
  });
});

test("a new connection's owner shows after the next owner walk, which waits for the interval", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 1 })]);
    const source = new TopSource([resolveNetns(ns.name)], compileFilter({}), { owners: true });
    const now = Date.now();
    source.refresh(query({}), now);
    assert.equal(source.walks, 1);
    source.refresh(query({}), now + 1000);
    assert.equal(source.walks, 1, "every socket known: no walk");

    const c = await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 1 })]);
    const held = (snap: Snapshot) =>
      snap.rows.filter((r) => r.kind === "socket" && r.socket.pid === c.pid).length;
    assert.equal(held(source.refresh(query({}), now + 2000)), 0, "not walked again within 30 s");
    assert.equal(source.walks, 1);
    assert.equal(held(source.refresh(query({}), now + 31_000)), 2, "walked again: the new owner shows");
    assert.equal(source.walks, 2);
  });
});
