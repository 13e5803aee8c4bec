// Which sockets the probe leaves alone, decided before any descriptor is touched: a peer that has
// missed nearly TCP_KEEPCNT's ceiling of probes already would be closed by the kernel if probed.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { probeLiveness } from "../../src/probe/liveness.js";

const socket = (over: Partial<TcpSocket>): TcpSocket =>
  ({
    netns: "current",
    state: "established",
    pid: 1,
    fd: 3,
    inode: 1,
    cookie: "1",
    unacked: 0,
    probes: 0,
    ...over,
  }) as TcpSocket;

test("probe: sockets it must not probe come back unknown, with why, untouched", async () => {
  const sockets = [
    socket({ probes: 124 }),
    socket({ state: "close-wait" }),
    socket({ pid: null, fd: null }),
    socket({ unacked: 2 }),
  ];
  const results = await probeLiveness(sockets, new Map(), { probes: 3 });
  assert.deepEqual(
    results.map((r) => [r.liveness, r.restored]),
    sockets.map(() => ["unknown", true]),
  );
  assert.match(results[0]?.reason ?? "", /has not answered 124 keepalive probes already/);
  assert.match(results[1]?.reason ?? "", /only established/);
  assert.match(results[2]?.reason ?? "", /no process/);
  assert.match(results[3]?.reason ?? "", /data is in flight/);
});
