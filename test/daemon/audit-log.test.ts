import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
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
