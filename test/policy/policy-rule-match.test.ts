import assert from "node:assert/strict";
import { test } from "node:test";
import type { TcpSocket } from "../../src/model/tcp-socket.js";
import { parsePolicy } from "../../src/policy/policy-load.js";
import { compileRule } from "../../src/policy/rule-match.js";

const socket = (over: Partial<TcpSocket>): TcpSocket =>
  ({ pid: 10, fd: 3, command: "legacy-app", cgroup: "/system.slice/legacy.service", ...over }) as TcpSocket;

function rules(yaml: string) {
  return parsePolicy(yaml).rules.map(compileRule);
}

test("owner, cgroup and age conditions are checked on the candidate", () => {
  const [r] = rules(
    'rules:\n  - name: a\n    match: { process: "legacy*", cgroup: "/system.slice/*.service", age: 1m }\n',
  );
  assert.ok(r);
  assert.equal(r.needsOwners, true);
  assert.equal(r.matchSocket(socket({}), 60_000), true);
  assert.equal(r.matchSocket(socket({}), 59_000), false, "too young");
  assert.equal(r.matchSocket(socket({ command: "nginx" }), 60_000), false);
  assert.equal(r.matchSocket(socket({ cgroup: "/user.slice/x.scope" }), 60_000), false);
  assert.equal(r.matchSocket(socket({ pid: null, command: null }), 60_000), false, "no owner, no match");
});

test("actions carry their settings: grace, fallback, keepalive timers", () => {
  const [close, ka] = rules(
    [
      "rules:",
      "  - name: c",
      "    action: close",
      "    grace: 2s",
      "    fallback: abort",
      "  - name: k",
      "    action: keepalive",
      "    keepalive: { idle: 30s, interval: 5s, count: 4, userTimeout: 0 }",
    ].join("\n"),
  );
  assert.equal(close?.graceMs, 2000);
  assert.equal(close?.allowAbort, true);
  assert.equal(close?.needsOwners, false);
  assert.deepEqual(ka?.keepalive, { idleMs: 30_000, intervalMs: 5000, count: 4, userTimeoutMs: 0 });
  assert.equal(ka?.allowAbort, false);
});

test("deadPeer is an alias of unacked", () => {
  const [a, b] = rules(
    "rules:\n  - name: a\n    match: { deadPeer: 2m }\n  - name: b\n    match: { unacked: 30s }\n",
  );
  assert.equal(a?.unackedMs, 120_000);
  assert.equal(b?.unackedMs, 30_000);
});
