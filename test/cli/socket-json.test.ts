import assert from "node:assert/strict";
import { test } from "node:test";
import { socketToJson } from "../../src/cli/output/socket-json.js";
import type { TcpSocket } from "../../src/model/tcp-socket.js";

const base: TcpSocket = {
  netns: "host",
  family: 6,
  state: "close-wait",
  localAddress: "::ffff:10.0.0.1",
  localPort: 443,
  remoteAddress: "2001:db8::1",
  remotePort: 50123,
  iface: 2,
  recvQ: 10,
  sendQ: 0,
  idleMs: 12345,
  lastSendMs: 20000,
  lastRecvMs: 12345,
  lastAckMs: 12000,
  rttMs: 0.125,
  unacked: 1,
  retransmits: 0,
  totalRetrans: 3,
  notsentBytes: 0,
  bytesAcked: 9_007_199_254,
  bytesReceived: 77,
  timer: "keepalive",
  timerExpiresMs: 4500,
  keepalive: true,
  inode: 4_000_000_000,
  cookie: "18446744073709551615",
  uid: 1000,
  cgroupId: "4242",
  cgroup: '/system.slice/we"ird\\unit.service',
  unit: "weird.service",
  container: null,
  pod: "0f0e0d0c-0b0a-0908-0706-050403020100",
  pid: 77,
  fd: 12,
  command: 'a "quoted"\ncommand',
};

test("socket JSON text is exactly what JSON.stringify writes", () => {
  const nulls: TcpSocket = {
    ...base,
    idleMs: null,
    lastSendMs: null,
    lastRecvMs: null,
    lastAckMs: null,
    rttMs: null,
    unacked: null,
    retransmits: null,
    totalRetrans: null,
    notsentBytes: null,
    bytesAcked: null,
    bytesReceived: null,
    cgroupId: null,
    cgroup: null,
    unit: null,
    pod: null,
    pid: null,
    fd: null,
    command: null,
  };
  for (const s of [base, nulls]) {
    assert.equal(socketToJson(s), JSON.stringify(s));
    assert.deepEqual(JSON.parse(socketToJson(s)), s);
  }
});

test("socket JSON text covers every field of the model", () => {
  assert.deepEqual(Object.keys(JSON.parse(socketToJson(base))), Object.keys(base));
});
