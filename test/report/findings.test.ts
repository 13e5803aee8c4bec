import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSockstat } from "../../src/proc/parse.js";
import { findingsFor } from "../../src/report/findings.js";
import type { NetnsStatus } from "../../src/report/status-report.js";

function status(over: Partial<NetnsStatus> = {}): NetnsStatus {
  return {
    netns: "edge",
    scanMs: 1,
    sockets: { total: 0, byState: {} },
    established: {
      total: 0,
      idleHistogram: [
        { le: "1h", count: 0 },
        { le: "6h", count: 0 },
      ],
      longestIdle: [],
    },
    closeWait: { total: 0, byProcess: [] },
    finWait2: { total: 0, heldByProcess: [] },
    deadPeers: { total: 0, sockets: [], unknownLiveness: 0 },
    holders: null,
    keepalive: {
      established: 0,
      armed: 0,
      coverage: 1,
      processesWithout: [],
      settings: { time: 60, intvl: 10, probes: 3 },
      worstCaseDetectionSeconds: 90,
    },
    pressure: [],
    processes: [],
    findings: [],
    ...over,
  };
}

test("a healthy namespace has no findings", () => {
  assert.deepEqual(findingsFor(status()), []);
});

test("findings carry severity, a reason and a command, most severe first", () => {
  const f = findingsFor(
    status({
      closeWait: { total: 40, byProcess: [{ pid: 42, command: "api", count: 40, maxIdleMs: 3_600_000 }] },
      deadPeers: { total: 2, sockets: [], unknownLiveness: 0 },
      established: {
        total: 5,
        idleHistogram: [
          { le: "1h", count: 1 },
          { le: "6h", count: 4 },
        ],
        longestIdle: [],
      },
      pressure: [
        {
          resource: "ports",
          used: 27_000,
          limit: 28_232,
          ratio: 27_000 / 28_232,
          detail: "to 10.0.0.5 port 5432",
        },
      ],
      processes: [{ pid: 42, command: "api", fds: 900, limit: 1024, ratio: 900 / 1024 }],
      keepalive: {
        established: 200,
        armed: 10,
        coverage: 0.05,
        processesWithout: [{ pid: 7, command: "legacy", count: 190, maxIdleMs: 0 }],
        settings: { time: 7200, intvl: 75, probes: 9 },
        worstCaseDetectionSeconds: 7875,
      },
    }),
  );
  const ids = f.map((x) => x.id);
  assert.equal(f[0]?.severity, "critical");
  assert.equal(f[0]?.id, "pressure-ports");
  assert.match(f[0]?.message ?? "", /27000 of 28232 in use \(96%\), to 10.0.0.5 port 5432/);
  for (const id of [
    "close-wait-leak",
    "dead-peer",
    "long-idle",
    "process-descriptors",
    "keepalive-missing",
    "keepalive-slow",
  ]) {
    assert.ok(ids.includes(id), id);
  }
  const leak = f.find((x) => x.id === "close-wait-leak");
  assert.equal(leak?.command, "idlereap kill --netns edge --state close-wait --pid 42 --idle-over 1m");
  assert.match(leak?.message ?? "", /api\/42 holds 40 CLOSE_WAIT sockets, oldest idle 1h/);
  const slow = f.find((x) => x.id === "keepalive-slow");
  assert.match(slow?.message ?? "", /7200 \+ 75 × 9 = 7875 s \(2h11m\)/);
  for (const x of f) assert.ok(x.command.startsWith("idlereap "), x.command);
});

test("a fresh CLOSE_WAIT is not a leak yet", () => {
  const f = findingsFor(
    status({ closeWait: { total: 1, byProcess: [{ pid: 1, command: "x", count: 1, maxIdleMs: 500 }] } }),
  );
  assert.deepEqual(f, []);
});

test("sockstat's TCP line parses; anything else is unknown", () => {
  const text = "sockets: used 120\nTCP: inuse 5 orphan 1 tw 7 alloc 9 mem 2\nUDP: inuse 0 mem 0\n";
  assert.deepEqual(parseSockstat(text), { inuse: 5, orphan: 1, tw: 7 });
  assert.equal(parseSockstat("UDP: inuse 0\n"), undefined);
  assert.equal(parseSockstat("TCP: inuse x\n"), undefined);
});

test("dead peers are named by owning process with the abort to run; unknown liveness suggests a probe", () => {
  const dead = (pid: number | null, command: string | null, lastAckMs: number) =>
    ({ pid, command, lastAckMs }) as unknown as NetnsStatus["deadPeers"]["sockets"][number];
  const f = findingsFor(
    status({
      deadPeers: {
        total: 4,
        sockets: [dead(42, "gateway", 40_000), dead(42, "gateway", 95_000), dead(null, null, 31_000)],
        unknownLiveness: 7,
      },
    }),
  );
  const peers = f.filter((x) => x.id === "dead-peer");
  assert.equal(peers.length, 3);
  assert.match(peers[0]?.message ?? "", /^gateway\/42: 2 connection\(s\) .* up to 1m35s/);
  assert.equal(peers[0]?.command, "idlereap kill --netns edge --pid 42 --dead-peer-over 30s --mode abort");
  assert.match(peers[1]?.message ?? "", /^orphaned or unattributed sockets: 1 connection/);
  assert.match(peers[2]?.message ?? "", /^1 more connection/);
  const unknown = f.find((x) => x.id === "liveness-unknown");
  assert.match(unknown?.message ?? "", /^7 established connection\(s\) idle for over 1m/);
  assert.equal(unknown?.command, "idlereap probe --netns edge --state established --idle-over 1m");
});

test("shared connections: one finding per kind and holders, a warning once idle or in CLOSE_WAIT", () => {
  const shared = (kind: "same-process" | "cross-process", state: string, idleMs: number, pids: number[]) => ({
    kind,
    state,
    local: "10.0.0.1:8080",
    peer: "10.0.0.2:40000",
    idleMs,
    inode: 1,
    holders: pids.map((pid, i) => ({ pid, fd: 4 + i, command: pid === 7 ? "api" : "worker" })),
  });
  const holders = {
    shared: {
      total: 3,
      sameProcess: 2,
      crossProcess: 1,
      sharedListeners: 1,
      sockets: [
        shared("same-process", "established", 1_000, [7, 7]),
        shared("same-process", "established", 2_000, [7, 7]),
        shared("cross-process", "close-wait", 1_000, [7, 8]),
      ],
    },
    closedHeld: {
      total: 3,
      unconfirmed: 0,
      byProcess: [{ pid: 9, command: "leaky", count: 3, fds: [5, 6, 7] }],
    },
  };
  const f = findingsFor(status({ holders }));
  const same = f.find((x) => x.id === "shared-socket-same-process");
  assert.equal(same?.severity, "info", "fresh and active");
  assert.match(same?.message ?? "", /^2 connection\(s\) held by several descriptors \(api\/7 fds 4,5\)/);
  assert.match(same?.message ?? "", /a dup\(\) kept/);
  assert.equal(same?.command, "idlereap ls --netns edge --state all --holders-over 1 --pid 7");
  const cross = f.find((x) => x.id === "shared-socket-cross-process");
  assert.equal(cross?.severity, "warning", "CLOSE_WAIT is a leak whatever its age");
  assert.match(cross?.message ?? "", /api\/7 fd 4, worker\/8 fd 5/);
  const closed = f.find((x) => x.id === "closed-socket-held");
  assert.match(
    closed?.message ?? "",
    /leaky\/9 holds 3 descriptor\(s\) of TCP connections already closed \(fds 5,6,7\)/,
  );
  assert.equal(f.filter((x) => x.id.startsWith("shared-socket")).length, 2);

  const old = {
    ...holders,
    shared: { ...holders.shared, sockets: [shared("same-process", "established", 120_000, [7, 7])] },
  };
  assert.equal(
    findingsFor(status({ holders: old })).find((x) => x.id === "shared-socket-same-process")?.severity,
    "warning",
  );
});
