import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import {
  countOpenFds,
  fdRatio,
  processFdPressure,
  readOpenFilesLimit,
  systemFilePressure,
} from "../../src/proc/limits.js";

const root = mkdtempSync(join(tmpdir(), "idlereap-limits-"));
after(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, "42/fd"), { recursive: true });
mkdirSync(join(root, "sys/fs"), { recursive: true });
for (const fd of ["0", "1", "2", "7"]) writeFileSync(join(root, "42/fd", fd), "");
writeFileSync(
  join(root, "42/limits"),
  "Limit  Soft Limit  Hard Limit  Units\nMax open files  1024  4096  files\n",
);
writeFileSync(join(root, "sys/fs/file-nr"), "2048\t0\t8192\n");

test("fdRatio is used over limit, 0 when unlimited", () => {
  assert.equal(fdRatio(512, 1024), 0.5);
  assert.equal(fdRatio(512, Infinity), 0);
  assert.equal(fdRatio(1, 0), 0);
});

test("process pressure from a fixture root", () => {
  assert.equal(countOpenFds(42, root), 4);
  assert.deepEqual(readOpenFilesLimit(42, root), { soft: 1024, hard: 4096 });
  assert.deepEqual(processFdPressure(42, root), {
    pid: 42,
    open: 4,
    softLimit: 1024,
    hardLimit: 4096,
    ratio: 4 / 1024,
  });
  assert.equal(processFdPressure(42, root, 512)?.ratio, 0.5, "a count from the owner walk is used as is");
  assert.equal(processFdPressure(43, root), undefined);
});

test("system pressure from a fixture root", () => {
  assert.deepEqual(systemFilePressure(root), { allocated: 2048, free: 0, max: 8192, ratio: 0.25 });
  assert.equal(systemFilePressure(join(root, "nope")), undefined);
});

test("the real kernel: this process and the system", () => {
  const open = countOpenFds(process.pid);
  assert.ok(open !== undefined && open >= 3);
  // procfs reports the count in st_size; the listing (which opens one more fd itself) agrees.
  assert.ok(Math.abs(open - readdirSync(`/proc/${process.pid}/fd`).length) <= 1);
  const p = processFdPressure(process.pid);
  assert.ok(p !== undefined && p.softLimit > 0 && p.ratio > 0 && p.ratio < 1);
  const s = systemFilePressure();
  assert.ok(s !== undefined && s.allocated > 0 && s.max > 0);
});
