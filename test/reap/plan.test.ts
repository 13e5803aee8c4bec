import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { destroyFailure } from "../../src/reap/closer.js";
import { type ActionRequest, planActions } from "../../src/reap/plan.js";
import { Protection } from "../../src/reap/protect.js";
import { formatSummary, summarize } from "../../src/reap/summary.js";

let inode = 1000;
const socket = (over: Partial<TcpSocket>): TcpSocket =>
  ({
    netns: "t",
    state: "established",
    localPort: 40000,
    remotePort: 8080,
    recvQ: 0,
    sendQ: 0,
    notsentBytes: 0,
    idleMs: 1000,
    inode: inode++,
    pid: 123456,
    command: "app",
    ...over,
  }) as TcpSocket;

const close = (s: TcpSocket, over: Partial<ActionRequest> = {}): ActionRequest => ({
  socket: s,
  action: "close",
  force: false,
  graceMs: 0,
  allowAbort: false,
  ...over,
});

test("safety first, then idlest first, then the limit", () => {
  const protection = new Protection({ ports: [22], processes: ["sshd"] });
  const plan = planActions(
    [
      close(socket({ idleMs: 10 })),
      close(socket({ idleMs: 30 })),
      close(socket({ idleMs: 20 })),
      close(socket({ remotePort: 22 })),
      close(socket({ command: "sshd" })),
      close(socket({ recvQ: 5 })),
      close(socket({ notsentBytes: 1 }), { force: true }),
      close(socket({ state: "listen" })),
      close(socket({ pid: process.pid })),
      { ...close(socket({ idleMs: 5, sendQ: 9 })), action: "keepalive" },
    ],
    { protection, limit: 3 },
  );
  assert.deepEqual(
    plan.act.map((c) => c.socket.idleMs),
    [1000, 30, 20],
    "idlest first, cut at the limit",
  );
  const reasons = plan.skipped.map((o) => o.reason).sort();
  // Acting: idle 10, 20, 30, the forced one (1000) and the keepalive (queued data does not matter).
  assert.deepEqual(reasons, [
    "limit",
    "limit",
    "listening",
    "own-socket",
    "protected-port",
    "protected-process",
    "queued-data",
  ]);
});

test("reports are never limited and never skipped for safety", () => {
  const plan = planActions([{ ...close(socket({ remotePort: 22, recvQ: 1 })), action: "report" }], {
    protection: new Protection(),
    limit: 0,
  });
  assert.equal(plan.act.length, 1);
});

test("the kernel's answers to SOCK_DESTROY become reasons and stable codes", () => {
  assert.deepEqual(destroyFailure(2).reason, "gone");
  const unsupported = destroyFailure(95);
  assert.equal(unsupported.result, "failed");
  assert.equal(unsupported.code, "IDLEREAP_ERR_REAP_UNSUPPORTED");
  assert.match(unsupported.detail ?? "", /CONFIG_INET_DIAG_DESTROY/);
  assert.equal(destroyFailure(1).code, "IDLEREAP_ERR_PERMISSION");
});

test("the summary counts each result and each skip reason", () => {
  const s = socket({});
  const summary = summarize([
    { socket: s, action: "close", result: "closed" },
    { socket: s, action: "close", result: "escalated" },
    { socket: s, action: "abort", result: "aborted" },
    { socket: s, action: "abort", result: "skipped", reason: "gone" },
    { socket: s, action: "abort", result: "skipped", reason: "gone" },
    { socket: s, action: "abort", result: "failed" },
  ]);
  assert.equal(
    formatSummary(summary, false),
    "matched 6, closed gracefully 1, escalated 1, aborted 1, skipped 2 (gone: 2), failed 1",
  );
});
