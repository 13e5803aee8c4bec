// The pure parts of `idlereap top`: grouping, text filter, sort cycles and the CPU budget's delay.
import assert from "node:assert/strict";
import { test } from "node:test";
import { nextDelay } from "../../src/cli/top/top-app.js";
import { GROUPS, groupSockets, matchesText, next } from "../../src/cli/top/top-model.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";

const sock = (over: Partial<TcpSocket>): TcpSocket =>
  ({
    netns: "host",
    family: 4,
    state: "established",
    localAddress: "127.0.0.1",
    localPort: 80,
    remoteAddress: "10.0.0.1",
    remotePort: 5000,
    idleMs: 1000,
    unacked: 0,
    pid: 10,
    fd: 3,
    command: "nginx",
    cookie: "1",
    cgroup: null,
    unit: null,
    container: null,
    pod: null,
    ...over,
  }) as TcpSocket;

test("groups by process, port and remote; idlest group first for the idle sort", () => {
  const list = [
    sock({ cookie: "1", idleMs: 5_000 }),
    sock({ cookie: "2", pid: 20, command: "java", idleMs: 90_000, state: "close-wait", localPort: 8080 }),
    sock({
      cookie: "3",
      pid: 20,
      command: "java",
      idleMs: 1_000,
      localPort: 8080,
      remoteAddress: "10.0.0.2",
    }),
  ];
  const byProcess = groupSockets(list, "process", "idle");
  assert.deepEqual(
    byProcess.map((g) => [g.key, g.sockets.length, g.maxIdleMs]),
    [
      ["java/20", 2, 90_000],
      ["nginx/10", 1, 5_000],
    ],
  );
  assert.deepEqual(Object.fromEntries(byProcess[0]?.byState ?? []), { "close-wait": 1, established: 1 });
  assert.deepEqual(
    groupSockets(list, "port", "state").map((g) => g.key),
    [":8080", ":80"],
    "largest first for other sorts",
  );
  assert.deepEqual(
    groupSockets(list, "remote", "remote").map((g) => g.key),
    ["10.0.0.1", "10.0.0.2"],
  );
});

test("the text filter needs every word somewhere in the row", () => {
  const s = sock({ state: "close-wait", command: "java", pid: 20, localPort: 8080 });
  assert.ok(matchesText(s, "close-wait java"));
  assert.ok(matchesText(s, ":8080"));
  assert.ok(!matchesText(s, "close-wait nginx"));
  assert.ok(matchesText(s, "  "));
});

test("key cycles wrap both ways", () => {
  assert.equal(next(GROUPS, "none"), "process");
  assert.equal(next(GROUPS, "none", -1), "remote");
});

test("the refresh stretches to keep top within 10% of a core", () => {
  assert.equal(nextDelay(2000, 50), 2000, "50 ms of CPU per 2 s cycle is 2.5%");
  assert.equal(nextDelay(2000, 200), 2000, "exactly 10%");
  assert.equal(nextDelay(2000, 1250), 13_000, "1.25 s of CPU needs 12.5 s, rounded up to whole seconds");
});
