import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { AuditLog, auditRecord } from "../../src/daemon/audit-log.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";

const socket = {
  netns: "web",
  family: 6,
  state: "established",
  localAddress: "::1",
  localPort: 8080,
  remoteAddress: "::1",
  remotePort: 50000,
  pid: 42,
  command: "app",
  cgroup: "/system.slice/app.service",
  idleMs: 300_000,
} as TcpSocket;

test("an audit line has time, netns, rule, 4-tuple, owner, cgroup, idle, action and result", () => {
  const rec = auditRecord(
    { socket, action: "close", rule: "idle", result: "skipped", reason: "queued-data" },
    false,
    new Date(0),
  );
  assert.deepEqual(rec, {
    time: "1970-01-01T00:00:00.000Z",
    netns: "web",
    rule: "idle",
    state: "established",
    local: "[::1]:8080",
    remote: "[::1]:50000",
    pid: 42,
    command: "app",
    cgroup: "/system.slice/app.service",
    idleMs: 300_000,
    action: "close",
    result: "skipped",
    reason: "queued-data",
  });
});

test("the log appends JSON lines, creates its directory and reopens after rotation", () => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-audit-"));
  try {
    const file = join(dir, "sub", "audit.jsonl");
    const log = new AuditLog(file);
    const rec = auditRecord({ socket, action: "abort", result: "aborted" }, true);
    log.write([rec, rec]);
    renameSync(file, `${file}.1`);
    log.reopen();
    log.write([rec]);
    log.close();
    assert.equal(readFileSync(`${file}.1`, "utf8").trim().split("\n").length, 2);
    const [line] = readFileSync(file, "utf8").trim().split("\n");
    assert.equal(JSON.parse(line as string).dryRun, true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a symbolic link planted at the audit path is refused, and its target is never written", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-audit-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const target = join(dir, "shadow");
  writeFileSync(target, "root:x:0:0\n");
  const file = join(dir, "audit.log");
  symlinkSync(target, file);
  assert.throws(
    () => new AuditLog(file),
    (e: unknown) =>
      (e as { code?: string }).code === "IDLEREAP_ERR_CONFIG_READ" &&
      /audit\.file: cannot open .*audit\.log: ELOOP: it is a symbolic link/.test((e as Error).message),
  );
  assert.equal(readFileSync(target, "utf8"), "root:x:0:0\n");
});

test("the audit log's directories get mode 0750 even under umask 000", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "idlereap-audit-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const saved = process.umask(0);
  t.after(() => process.umask(saved));
  const log = new AuditLog(join(dir, "var", "log", "idlereap", "audit.log"));
  log.close();
  for (const d of ["var", "var/log", "var/log/idlereap"]) {
    assert.equal((statSync(join(dir, d)).mode & 0o777).toString(8), "750", d);
  }
  assert.equal((statSync(join(dir, "var/log/idlereap/audit.log")).mode & 0o777).toString(8), "640");
  assert.equal((statSync(dir).mode & 0o777).toString(8), "700", "an existing directory keeps its mode");
});
