import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { netnsInodeOf } from "../../src/proc/netns-inventory.js";
import { OwnerIndex } from "../../src/proc/owner-index.js";
import { findSocketOwners } from "../../src/proc/socket-owners.js";
import { withNetns } from "../helpers/netns.js";
import { needsPrivilege } from "../helpers/privileged.js";

const CONNS = new URL("../fixtures/conns.mjs", import.meta.url).pathname;

// A fake /proc: readlink works on dangling symlinks, so `socket:[N]` targets need no real sockets.
const root = mkdtempSync(join(tmpdir(), "idlereap-proc-"));
after(() => rmSync(root, { recursive: true, force: true }));

function fakeProcess(pid: number, fds: Record<number, string>, comm = "srv", netns = "a"): void {
  mkdirSync(join(root, String(pid), "fd"), { recursive: true });
  mkdirSync(join(root, String(pid), "ns"), { recursive: true });
  writeFileSync(join(root, String(pid), "comm"), `${comm}\n`);
  writeFileSync(join(root, `netns-${netns}`), "", { flag: "a" });
  symlinkSync(join(root, `netns-${netns}`), join(root, String(pid), "ns", "net"));
  for (const [fd, target] of Object.entries(fds)) symlinkSync(target, join(root, String(pid), "fd", fd));
}

fakeProcess(2, {}, "kthreadd");
fakeProcess(
  100,
  { 0: "/dev/null", 1: "pipe:[9]", 3: "socket:[111]", 4: "socket:[222]", 7: "socket:[333]" },
  "nginx",
);
fakeProcess(200, { 0: "/dev/null", 5: "socket:[111]", 6: "socket:[444]" }, "nginx");
fakeProcess(300, { 3: "socket:[555]" }, "other", "b");
mkdirSync(join(root, "400")); // vanished: no fd directory
mkdirSync(join(root, "self"));
const netnsA = statSync(join(root, "netns-a")).ino;

test("maps every socket to its first holder with the descriptor number", () => {
  const m = findSocketOwners({ procRoot: root });
  assert.deepEqual(m.owners.get(111), { pid: 100, fd: 3, holders: 2, others: [200, 5] });
  assert.deepEqual(m.owners.get(222), { pid: 100, fd: 4, holders: 1 });
  assert.deepEqual(m.owners.get(333), { pid: 100, fd: 7, holders: 1 });
  assert.deepEqual(m.owners.get(444), { pid: 200, fd: 6, holders: 1 });
  assert.deepEqual(m.owners.get(555), { pid: 300, fd: 3, holders: 1 });
  assert.equal(m.owners.size, 5);
  assert.equal(m.stats.unreadable, 1);
});

test("keeps walking for every holder when asked, and names each holder", () => {
  const stopped = findSocketOwners({ procRoot: root, wanted: new Set([111, 222]) });
  assert.equal(stopped.owners.get(111)?.holders, 1, "the walk stopped in pid 100");
  const every = findSocketOwners({ procRoot: root, wanted: new Set([111, 222]), everyHolder: true });
  assert.equal(every.owners.get(111)?.holders, 2);
  const index = new OwnerIndex(every);
  assert.deepEqual(index.holdersOf(111), [
    { pid: 100, fd: 3, command: "nginx" },
    { pid: 200, fd: 5, command: "nginx" },
  ]);
  assert.equal(index.ownerOf(111)?.holders, 2);
  assert.deepEqual([...index.shared()], [[111, 2]]);
});

test("counts descriptors and reads comm only for owners", () => {
  const m = findSocketOwners({ procRoot: root, wanted: new Set([444]) });
  assert.equal(m.processes.get(100)?.fds, 5);
  assert.equal(m.processes.get(100)?.command, undefined);
  assert.equal(m.processes.get(200)?.command, "nginx");
  assert.equal(m.processes.get(200)?.sockets, 1);
  assert.equal(m.processes.get(2)?.fds, 0);
});

test("stops once every wanted socket is found", () => {
  const m = findSocketOwners({ procRoot: root, wanted: new Set([111, 222]) });
  assert.equal(m.owners.size, 2);
  assert.ok(m.stats.complete);
  assert.ok(!m.processes.has(200), "processes after the last wanted socket are not walked");
  assert.ok(m.stats.links <= 4);
});

test("a predicate selects sockets without stopping early", () => {
  const m = findSocketOwners({ procRoot: root, wanted: (inode) => inode > 300 });
  assert.deepEqual([...m.owners.keys()].sort(), [333, 444, 555]);
  assert.ok(!m.stats.complete);
});

test("skips processes of other network namespaces", () => {
  const m = findSocketOwners({ procRoot: root, netnsInode: netnsA });
  assert.equal(m.owners.has(555), false);
  assert.equal(m.stats.otherNetns, 1);
  assert.equal(m.owners.size, 4);
});

test("walks only the pids given", () => {
  const m = findSocketOwners({ procRoot: root, pids: [200] });
  assert.deepEqual([...m.owners.keys()].sort(), [111, 444]);
  assert.equal(m.owners.get(111)?.pid, 200);
});

test("a sparse descriptor table is still walked completely", () => {
  const fds: Record<number, string> = { 0: "/dev/null" };
  for (let fd = 500; fd < 510; fd++) fds[fd] = `socket:[${9000 + fd}]`;
  fakeProcess(500, fds, "sparse");
  const m = findSocketOwners({ procRoot: root, pids: [500] });
  assert.equal(m.owners.size, 10);
  assert.deepEqual(m.owners.get(9509), { pid: 500, fd: 509, holders: 1 });
});

test("a missing proc root gives an empty map", () => {
  const m = findSocketOwners({ procRoot: join(root, "nope") });
  assert.equal(m.owners.size, 0);
});

test("finds a real process's sockets in its namespace", async (t) => {
  if (!needsPrivilege(t)) return;
  await withNetns(async (ns) => {
    const f = await ns.spawnFixture(CONNS, [JSON.stringify({ idle: 3, active: 1, keepalive: 1, unread: 1 })]);
    const inodes = socketInodes(ns.name);
    assert.equal(inodes.size, 13, "listener plus both ends of six connections");
    const netnsInode = netnsInodeOf(f.pid);
    assert.ok(netnsInode !== undefined);
    const m = findSocketOwners({ wanted: inodes, netnsInode });
    assert.equal(m.owners.size, inodes.size);
    for (const inode of inodes) assert.equal(m.owners.get(inode)?.pid, f.pid);
    const proc = m.processes.get(f.pid);
    assert.equal(proc?.command, "node");
    assert.equal(proc?.sockets, inodes.size);
    assert.equal(proc?.fds, readdirSync(`/proc/${f.pid}/fd`).length);
    assert.ok(m.stats.complete);
    assert.ok(m.stats.otherNetns > 0, "host processes were skipped by namespace");
  });
});

/** Inodes of every TCP socket in the namespace, from `ss -e` (its stderr, noisy on hybrid cgroup hosts, dropped). */
function socketInodes(netns: string): Set<number> {
  const out = execFileSync("ip", ["netns", "exec", netns, "ss", "-tanHe"], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  });
  return new Set([...out.matchAll(/ino:(\d+)/g)].map((m) => Number(m[1])).filter((i) => i > 0));
}
