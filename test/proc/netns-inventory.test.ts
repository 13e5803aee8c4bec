import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { listNetns, netnsInodeOf } from "../../src/proc/netns-inventory.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

// Fake namespaces: plain files stand for nsfs inodes; symlinks stand for /proc/PID/ns/net.
const root = mkdtempSync(join(tmpdir(), "idlereap-netns-"));
after(() => rmSync(root, { recursive: true, force: true }));
const proc = join(root, "proc");
const named = join(root, "netns");
mkdirSync(named, { recursive: true });
for (const ns of ["host", "blue", "anon"]) writeFileSync(join(root, ns), "");
symlinkSync(join(root, "blue"), join(named, "blue"));
symlinkSync(join(root, "blue"), join(named, "blue-alias"));
function fakePid(pid: number | "self", ns: string): void {
  mkdirSync(join(proc, String(pid), "ns"), { recursive: true });
  symlinkSync(join(root, ns), join(proc, String(pid), "ns/net"));
}
for (const pid of [1, 10, 11]) fakePid(pid, "host");
for (const pid of [20, 21, 22]) fakePid(pid, "blue");
fakePid(30, "anon");
fakePid("self", "host");
const ino = (ns: string): number => statSync(join(root, ns)).ino;

test("deduplicates named and process namespaces by inode", () => {
  const all = listNetns({ procRoot: proc, netnsDir: named, maxPids: 2 });
  assert.equal(all.length, 3);
  const blue = all.find((e) => e.inode === ino("blue"));
  assert.deepEqual(blue, {
    inode: ino("blue"),
    name: "blue",
    names: ["blue", "blue-alias"],
    path: join(named, "blue"),
    pids: [20, 21],
    pidCount: 3,
    host: false,
    current: false,
  });
  const host = all.find((e) => e.host);
  assert.equal(host?.inode, ino("host"));
  assert.equal(host?.current, true);
  assert.equal(host?.path, join(proc, "1/ns/net"));
  assert.equal(all.find((e) => e.inode === ino("anon"))?.path, join(proc, "30/ns/net"));
});

test("netnsInodeOf reads a process's namespace inode", () => {
  assert.equal(netnsInodeOf(20, proc), ino("blue"));
  assert.equal(netnsInodeOf(99, proc), undefined);
  assert.equal(netnsInodeOf("self"), statSync("/proc/self/ns/net").ino);
});

test("finds a real named namespace exactly once, with its process", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture(CONNS, ["{}"]);
    const all = listNetns();
    const mine = all.filter((e) => e.names.includes(ns.name));
    assert.equal(mine.length, 1);
    const entry = mine[0];
    assert.equal(entry?.inode, statSync(ns.path).ino);
    assert.equal(entry?.path, ns.path);
    assert.ok(entry?.pids.includes(f.pid));
    assert.equal(entry?.host, false);
    assert.equal(new Set(all.map((e) => e.inode)).size, all.length, "no inode twice");
    assert.equal(all.filter((e) => e.current).length, 1);
    assert.equal(all.filter((e) => e.host).length, 1);
  });
});
