import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { type ActionRequest, planActions } from "../../src/reap/plan.js";
import { Protection } from "../../src/reap/protect.js";
import { orphanAbortUnsafe } from "../../src/reap/safety.js";

let inode = 5000;
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
    unacked: 0,
    lastAckMs: 0,
    retransmits: 0,
    inode: inode++,
    pid: 123456,
    command: "app",
    ...over,
  }) as TcpSocket;

const req = (s: TcpSocket, over: Partial<ActionRequest> = {}): ActionRequest => ({
  socket: s,
  action: "close",
  force: false,
  graceMs: 0,
  allowAbort: false,
  ...over,
});

const stalled = { sendQ: 623_000, unacked: 40, retransmits: 6, lastAckMs: 45_000 };

test("queued data to a dead peer does not block the abort; deliverable data still does", () => {
  const protection = new Protection({ ports: [] });
  const plan = planActions(
    [
      req(socket(stalled), { action: "abort", deadPeerMs: 30_000, rule: "dead-peers" }),
      req(socket({ ...stalled, lastAckMs: 10_000 }), { action: "abort", deadPeerMs: 30_000 }),
      req(socket({ sendQ: 500, unacked: 2, lastAckMs: 0 }), { action: "abort" }),
    ],
    { protection },
  );
  assert.equal(plan.act.length, 1);
  assert.equal(plan.act[0]?.socket.lastAckMs, 45_000);
  assert.deepEqual(
    plan.skipped.map((o) => o.reason),
    ["queued-data", "queued-data"],
  );
});

test("a graceful close of a dead peer becomes an abort, with the reason", () => {
  const plan = planActions([req(socket(stalled))], { protection: new Protection({ ports: [] }) });
  const [c] = plan.act as (ActionRequest & { deadPeer?: { ms: number; detail: string } })[];
  assert.equal(c?.action, "abort");
  assert.equal(c?.deadPeer?.ms, 45_000);
  assert.match(c?.deadPeer?.detail ?? "", /dead peer: no answer for 45s.*aborted instead of FIN/);
  // A quiet live connection is closed gracefully as asked.
  const live = planActions([req(socket({ idleMs: 600_000, lastAckMs: 600_000 }))], {
    protection: new Protection({ ports: [] }),
  });
  assert.equal(live.act[0]?.action, "close");
});

test("orphans are not aborted on kernels before 6.11; owned sockets and newer kernels are", () => {
  assert.equal(orphanAbortUnsafe("6.10.14-amd64"), true);
  assert.equal(orphanAbortUnsafe("5.15.0-91-generic"), true);
  assert.equal(orphanAbortUnsafe("6.11.0"), false);
  assert.equal(orphanAbortUnsafe("7.0.1"), false);
  assert.equal(orphanAbortUnsafe("garbage"), true);
  const orphan = socket({ ...stalled, state: "fin-wait-1", inode: 0, pid: null, command: null });
  const owned = socket({ ...stalled, state: "fin-wait-1" });
  const protection = new Protection({ ports: [] });
  for (const [release, expectSkipped] of [
    ["6.6.30", true],
    ["6.18.0", false],
  ] as const) {
    const plan = planActions([req(orphan, { action: "abort" }), req(owned, { action: "abort" })], {
      protection,
      orphansUnsafe: orphanAbortUnsafe(release),
    });
    assert.deepEqual(
      plan.skipped.map((o) => o.reason),
      expectSkipped ? ["orphan-old-kernel"] : [],
      release,
    );
    assert.equal(plan.act.length, expectSkipped ? 1 : 2, release);
  }
});
