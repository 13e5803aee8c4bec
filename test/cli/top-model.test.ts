// The pure parts of `idlereap top`: the bounded selection of rows, the sort keys read from dump
// replies, grouping, the text filter, marks, key cycles and the CPU budget's delay. Replies are a
// captured one (test/fixtures) with fields rewritten.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { BoundedSelection } from "../../src/cli/top/bounded-selection.js";
import { InodeTable } from "../../src/cli/top/inode-table.js";
import { median, nextDelay } from "../../src/cli/top/top-app.js";
import { NetnsContext, rankProcesses } from "../../src/cli/top/top-context.js";
import { GroupTally } from "../../src/cli/top/top-groups.js";
import { GROUPS, groupMark, next, type SortKey, splitMarks } from "../../src/cli/top/top-model.js";
import { SORT_KEY_WIDTH, writeSortKey } from "../../src/cli/top/top-order.js";
import { TopPass } from "../../src/cli/top/top-pass.js";
import { compileText, ViewText } from "../../src/cli/top/top-text.js";
import { DiagMessageView } from "../../src/kernel/inet-diag-codec.js";
import { DIAG_MSG, TCP_INFO } from "../../src/kernel/structs.js";
import { OwnerIndex } from "../../src/proc/owner-index.js";

const fixture = Buffer.from(
  readFileSync(new URL("../fixtures/inet-diag-established.hex", import.meta.url), "utf8").replace(/\s+/g, ""),
  "hex",
);
const BASE = 16; // after the netlink header
const INFO = new DiagMessageView().reset(fixture, 0, fixture.length).infoOff;
const STATE_NUMBER: Record<string, number> = { established: 1, "fin-wait-2": 5, "close-wait": 8, listen: 10 };

interface Fields {
  state?: string;
  localPort?: number;
  remote?: [number, number, number, number];
  remotePort?: number;
  idleMs?: number;
  unacked?: number;
  inode?: number;
}

/** A reply like the captured one with these fields, in a buffer of its own. */
function reply(f: Fields): DiagMessageView {
  const b = Buffer.from(fixture);
  b[BASE + DIAG_MSG.state] = STATE_NUMBER[f.state ?? "established"] as number;
  b.writeUInt16BE(f.localPort ?? 80, BASE + DIAG_MSG.id);
  b.writeUInt16BE(f.remotePort ?? 5000, BASE + DIAG_MSG.id + 2);
  b.set(f.remote ?? [10, 0, 0, 1], BASE + DIAG_MSG.id + 24 - 4);
  b.writeUInt32LE(f.inode ?? 0, BASE + DIAG_MSG.inode);
  b.writeUInt32LE(f.idleMs ?? 1000, INFO + TCP_INFO.lastDataSent);
  b.writeUInt32LE(f.idleMs ?? 1000, INFO + TCP_INFO.lastDataRecv);
  b.writeUInt32LE(f.unacked ?? 0, INFO + TCP_INFO.unacked);
  return new DiagMessageView().reset(b, 0, b.length);
}

/** inode → [pid, command] */
function context(owners: Record<number, [number, string]> = {}): NetnsContext {
  const map = {
    owners: new Map(
      Object.entries(owners).map(([inode, [pid]]) => [Number(inode), { pid, fd: 3, holders: 1 }]),
    ),
    processes: new Map(
      Object.values(owners).map(([pid, command]) => [pid, { pid, command, fds: 1, sockets: 1 }]),
    ),
    stats: {} as never,
  };
  const index = new OwnerIndex(map);
  return new NetnsContext(
    { name: "host", path: null, inode: 1 },
    index,
    () => undefined,
    rankProcesses([index]),
  );
}

test("the bounded selection keeps the first `limit` by key, first seen among equals", () => {
  const sel = new BoundedSelection<string>(3, 1);
  const keys = [5, 1, 4, 1, 5, 9, 2, 6, 0];
  let built = 0;
  keys.forEach((k, i) => {
    sel.scratch[0] = k;
    if (sel.admits()) {
      built++;
      sel.admit(`${k}@${i}`);
    }
  });
  assert.deepEqual(sel.sorted(), ["0@8", "1@1", "1@3"]);
  assert.equal(sel.offered, keys.length);
  assert.ok(built < keys.length, "a candidate worse than the kept ones is never built");
  const none = new BoundedSelection<string>(0, 1);
  assert.equal(none.admits(), false);
  assert.deepEqual(none.sorted(), []);
});

test("the bounded selection matches a full sort on random keys", () => {
  const sel = new BoundedSelection<number>(50, 2);
  const all: [number, number, number][] = [];
  for (let i = 0; i < 5000; i++) {
    const k: [number, number, number] = [Math.floor(Math.random() * 20), Math.random(), i];
    all.push(k);
    sel.scratch[0] = k[0];
    sel.scratch[1] = k[1];
    if (sel.admits()) sel.admit(i);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  assert.deepEqual(
    sel.sorted(),
    all.slice(0, 50).map((k) => k[2]),
  );
});

/** The order `sort` gives these replies, as indexes. */
function order(sort: SortKey, views: DiagMessageView[], ctx = context()): number[] {
  const sel = new BoundedSelection<number>(views.length, SORT_KEY_WIDTH);
  views.forEach((v, i) => {
    writeSortKey(sort, v, ctx, sel.scratch);
    if (sel.admits()) sel.admit(i);
  });
  return sel.sorted();
}

test("sort keys: idlest first, states by name, addresses in numeric order, processes by name", () => {
  const views = [
    reply({ idleMs: 5_000, localPort: 8080, remote: [10, 0, 0, 10], inode: 1 }),
    reply({
      idleMs: 90_000,
      state: "close-wait",
      localPort: 80,
      remote: [10, 0, 0, 2],
      unacked: 3,
      inode: 2,
    }),
    reply({ idleMs: 1_000, state: "listen", localPort: 443, remote: [10, 0, 0, 2], remotePort: 1, inode: 3 }),
  ];
  assert.deepEqual(order("idle", views), [1, 0, 2], "a listener has no idle time: last");
  assert.deepEqual(order("state", views), [1, 0, 2], "close-wait, established, listen");
  assert.deepEqual(order("unacked", views), [1, 0, 2]);
  assert.deepEqual(order("local", views), [1, 2, 0], "ports 80, 443, 8080");
  assert.deepEqual(order("remote", views), [2, 1, 0], "10.0.0.2:1, 10.0.0.2:5000, then 10.0.0.10");
  const ctx = context({ 1: [20, "nginx"], 2: [10, "java"] });
  assert.deepEqual(order("process", views, ctx), [2, 1, 0], "no owner, java/10, nginx/20");
});

test("groups count their members, idlest member, unacked and states, largest or idlest first", () => {
  const ctx = context({ 1: [10, "nginx"], 2: [20, "java"], 3: [20, "java"] });
  const views = [
    reply({ inode: 1, idleMs: 5_000 }),
    reply({ inode: 2, idleMs: 90_000, state: "close-wait", localPort: 8080, unacked: 2 }),
    reply({ inode: 3, idleMs: 1_000, localPort: 8080, remote: [10, 0, 0, 2], unacked: 1 }),
    reply({ inode: 4, idleMs: 2_000, localPort: 8080 }),
  ];
  const grouped = (by: "process" | "port" | "remote", sort: SortKey) => {
    const tally = new GroupTally(by);
    for (const v of views) tally.add(v, ctx);
    return tally.groups(sort);
  };
  assert.deepEqual(
    grouped("process", "idle").map((g) => [g.key, g.count, g.maxIdleMs, g.unacked]),
    [
      ["java/20", 2, 90_000, 3],
      ["nginx/10", 1, 5_000, 0],
      ["(no process)", 1, 2_000, 0],
    ],
  );
  assert.deepEqual(Object.fromEntries(grouped("process", "idle")[0]?.byState ?? []), {
    established: 1,
    "close-wait": 1,
  });
  assert.deepEqual(
    grouped("port", "state").map((g) => [g.key, g.count]),
    [
      [":8080", 3],
      [":80", 1],
    ],
  );
  assert.deepEqual(
    grouped("remote", "remote").map((g) => g.key),
    ["10.0.0.1", "10.0.0.2"],
  );
});

test("the pass counts the header over every socket and the rows through the text filter", () => {
  const ctx = context({ 1: [10, "nginx"] });
  const pass = new TopPass({ sort: "idle", group: "none", filter: "close-wait", limit: 1 });
  pass.visit(reply({ inode: 1, idleMs: 500 }), ctx);
  pass.visit(reply({ inode: 2, idleMs: 20_000, state: "close-wait" }), ctx);
  pass.visit(reply({ inode: 3, idleMs: 30_000, state: "close-wait" }), ctx);
  pass.visit(reply({ inode: 0, idleMs: 100_000 }), ctx);
  assert.equal(pass.total, 4);
  assert.equal(pass.established, 2);
  assert.deepEqual(pass.idle.slice(0, 2), [1, 0]);
  assert.equal(
    pass.idle.reduce((a, b) => a + b),
    2,
  );
  assert.equal(pass.matched, 2, "two close-wait rows");
  assert.deepEqual(
    pass.sockets().map((s) => [s.inode, s.state]),
    [[3, "close-wait"]],
    "limit 1: the idlest",
  );
  assert.equal(pass.unknownOwners, 2, "inodes 2 and 3 are not in the walk (inode 0 has no owner)");
});

test("the text filter needs every word somewhere in the row; endpoints only for address-like words", () => {
  const ctx = context({ 7: [20, "Java"] });
  const parts = new ViewText();
  const v = reply({ inode: 7, state: "close-wait", localPort: 8080 });
  const match = (text: string) => {
    const m = compileText(text);
    return m === undefined || m(parts.reset(v, ctx));
  };
  assert.ok(match("close-wait java"));
  assert.ok(match(":8080"));
  assert.ok(match("10.0.0.1:5000"));
  assert.ok(match("HOST"));
  assert.ok(!match("close-wait nginx"));
  assert.ok(match("  "));
  let formatted = 0;
  const counting = {
    netns: "host",
    state: "established",
    process: "",
    cgroup: "?",
    local: () => {
      formatted++;
      return "127.0.0.1:80";
    },
    remote: () => {
      formatted++;
      return "127.0.0.1:5000";
    },
  };
  assert.ok(!compileText("nginx")?.(counting));
  assert.equal(formatted, 0, "a word with letters beyond hex never formats an address");
  assert.ok(compileText("127.0.0.1:5000")?.(counting));
});

test("the inode table answers as the walk's map does", () => {
  const map = new Map<number, number>();
  for (let i = 0; i < 5000; i++) map.set(1_000_000 + (i % 2 === 0 ? i : i * 977), 100 + (i % 7));
  const table = new InodeTable(map.entries(), map.size);
  for (const [inode, pid] of map) assert.equal(table.get(inode), pid);
  for (const inode of [0, 1, 999_999, 4_000_000_000]) assert.equal(table.get(inode), undefined);
  assert.equal(new InodeTable([], 0).get(5), undefined, "an empty walk knows nothing");
});

test("marks tell connections from groups", () => {
  const { sockets, groups } = splitMarks([
    "host/12",
    groupMark("process", "java/20"),
    groupMark("port", ":80"),
  ]);
  assert.deepEqual([...sockets], ["host/12"]);
  assert.deepEqual([...(groups.get("process") ?? [])], ["java/20"]);
  assert.deepEqual([...(groups.get("port") ?? [])], [":80"]);
});

test("key cycles wrap both ways", () => {
  assert.equal(next(GROUPS, "none"), "process");
  assert.equal(next(GROUPS, "none", -1), "remote");
});

test("the refresh stretches only for tables far too large for the budget", () => {
  assert.equal(nextDelay(2000, 50), 2000, "50 ms of CPU per 2 s cycle is 2.5%");
  assert.equal(nextDelay(2000, 200), 2000, "exactly 10%");
  assert.equal(nextDelay(2000, 250), 2000, "12.5%: within the safeguard's margin");
  assert.equal(nextDelay(2000, 1250), 13_000, "1.25 s of CPU needs 12.5 s, rounded up to whole seconds");
  assert.equal(median([900, 150, 160, 140, 155]), 155, "one owner walk does not move the median");
});
