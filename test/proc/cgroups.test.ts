import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  CgroupIndex,
  cgroup2Root,
  cgroupIdOf,
  describeCgroup,
  processCgroup,
  processCgroupPath,
  walkCgroups,
} from "../../src/proc/cgroups.js";

// A fake /sys with a hybrid layout: the v2 hierarchy under fs/cgroup/unified.
const sys = mkdtempSync(join(tmpdir(), "idlereap-sys-"));
const v2 = join(sys, "fs/cgroup/unified");
after(() => rmSync(sys, { recursive: true, force: true }));
mkdirSync(join(v2, "system.slice/nginx.service"), { recursive: true });
mkdirSync(join(v2, "user.slice"), { recursive: true });
writeFileSync(join(v2, "cgroup.controllers"), "cpu io memory pids\n");
writeFileSync(join(v2, "system.slice/cgroup.procs"), "");
const ino = (rel: string): number => statSync(join(v2, rel)).ino;

test("finds the v2 mount on a hybrid layout", () => {
  assert.equal(cgroup2Root(sys), v2);
  assert.equal(cgroup2Root(join(sys, "nope")), undefined);
});

test("walks directories only, by inode", () => {
  const index = walkCgroups(v2);
  assert.equal(index.get(ino(".")), "/");
  assert.equal(index.get(ino("system.slice/nginx.service")), "/system.slice/nginx.service");
  assert.equal(index.get(ino("user.slice")), "/user.slice");
  assert.equal(index.size, 4);
  assert.equal(walkCgroups(v2, 2).size, 3, "the limit bounds the walk");
});

test("the index refreshes for an unknown id at most once per scan", () => {
  const index = new CgroupIndex({ sysRoot: sys });
  assert.equal(index.pathOf(ino("system.slice")), "/system.slice");
  index.beginScan();
  mkdirSync(join(v2, "system.slice/redis.service"));
  assert.equal(index.pathOf(BigInt(ino("system.slice/redis.service"))), "/system.slice/redis.service");
  mkdirSync(join(v2, "system.slice/late.service"));
  assert.equal(index.pathOf(ino("system.slice/late.service")), undefined, "second refresh in the same scan");
  assert.equal(index.pathOf(123456789), undefined);
  index.beginScan();
  assert.equal(index.pathOf(ino("system.slice/late.service")), "/system.slice/late.service");
});

test("cgroupIdOf is the inverse of the index", () => {
  assert.equal(cgroupIdOf("/system.slice/nginx.service", sys), ino("system.slice/nginx.service"));
  assert.equal(cgroupIdOf("/", sys), ino("."));
});

test("the real cgroup of this process resolves through the real index", () => {
  const path = processCgroupPath("self");
  if (path === undefined || cgroup2Root() === undefined) return; // a v1-only host
  const id = cgroupIdOf(path);
  assert.ok(id !== undefined);
  assert.equal(new CgroupIndex().pathOf(id), path);
  assert.deepEqual(processCgroup(process.pid), { path, id });
  assert.doesNotThrow(() => describeCgroup(path));
});
