import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { socketToJson } from "../../src/cli/output/socket-json.js";
import {
  ByteSink,
  cgroupSegments,
  netnsHead,
  writeOwnerTail,
  writeViewHead,
} from "../../src/cli/output/socket-json-bytes.js";
import { DiagMessageView } from "../../src/kernel/inet-diag-codec.js";
import { socketFromView, type TcpSocket } from "../../src/model/tcp-socket.js";

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

test("socket JSON of captured replies equals the object's JSON", () => {
  const fixture = Buffer.from(
    readFileSync(new URL("../fixtures/inet-diag-established.hex", import.meta.url), "utf8").replace(
      /\s+/g,
      "",
    ),
    "hex",
  );
  const listen = Buffer.from(fixture);
  listen[16 + 1] = 10;
  const noInfo = Buffer.from(fixture.subarray(0, 16 + 72));
  noInfo.writeUInt32LE(noInfo.length, 0);
  const bigCookie = Buffer.from(fixture);
  bigCookie.writeBigUInt64LE(0xfedcba9876543210n, 16 + 4 + 40);
  const cg = { path: '/kubepods.slice/x"y', unit: null, container: "ab12", pod: "0f-1" };
  const owner = { pid: 42, fd: 7, command: 'node "x"' };
  for (const buf of [fixture, listen, noInfo, bigCookie]) {
    const v = new DiagMessageView().reset(buf, 0, buf.length);
    for (const [c, o] of [
      [cg, owner],
      [undefined, undefined],
    ] as const) {
      const expected = JSON.stringify(socketFromView(v, "ns\\1", o, c));
      assert.equal(socketToJson(socketFromView(v, "ns\\1", o, c)), expected);
    }
  }
});

test("non-ASCII text is escaped, so the JSON is plain ASCII and parses to the same values", () => {
  const s: TcpSocket = { ...base, command: "nœud-✓", cgroup: "/ünit.slice" };
  const text = socketToJson(s);
  assert.match(text, /^[\x20-\x7e]+$/);
  assert.deepEqual(JSON.parse(text), s);
});

test("socket JSON bytes written from the reply equal the object's JSON", () => {
  const fixture = Buffer.from(
    readFileSync(new URL("../fixtures/inet-diag-established.hex", import.meta.url), "utf8").replace(
      /\s+/g,
      "",
    ),
    "hex",
  );
  const v6 = Buffer.from(fixture);
  v6[16] = 10;
  v6.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 16 + 4 + 4);
  const big = Buffer.from(fixture);
  big.writeUInt32LE(4_294_967_295, 16 + 68);
  const listen = Buffer.from(fixture);
  listen[16 + 1] = 10;
  const noInfo = Buffer.from(fixture.subarray(0, 16 + 72));
  noInfo.writeUInt32LE(noInfo.length, 0);
  const busy = Buffer.from(fixture);
  busy.writeUInt32LE(3, 16 + 4 + 36); // bound to an interface
  busy.writeUInt32LE(500, 16 + 56); // unread bytes
  const info = new DiagMessageView().reset(fixture, 0, fixture.length).infoOff;
  busy.writeUInt32LE(2, info + 24); // tcpi_unacked
  busy[info + 2] = 1; // tcpi_retransmits
  const noTimer = Buffer.from(fixture);
  noTimer[16 + 2] = 0;
  noTimer.writeUInt32LE(0, 16 + 52);
  const cg = { path: "/system.slice/ü.service", unit: "ü.service", container: null, pod: null };
  for (const buf of [fixture, v6, big, listen, noInfo, busy, noTimer]) {
    const v = new DiagMessageView().reset(buf, 0, buf.length);
    for (const [c, o] of [
      [cg, { pid: 9, fd: 123456, command: "x" }],
      [undefined, undefined],
    ] as const) {
      const sink = new ByteSink(16);
      writeViewHead(
        sink,
        v,
        netnsHead("blue"),
        cgroupSegments(() => c),
      );
      writeOwnerTail(sink, o);
      const text = sink.buf.toString("latin1", 0, sink.pos);
      const expected = socketToJson(socketFromView(v, "blue", o, v.cgroupOff < 0 ? undefined : c));
      assert.equal(text, expected);
    }
  }
});

test("the byte sink writes integers of every size", () => {
  const sink = new ByteSink(4);
  const values = [0, 7, 10, 99, 100, 65535, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
  for (const n of values) {
    sink.reserve(24);
    sink.uint(n);
    sink.reserve(1);
    sink.ascii(" ");
  }
  assert.equal(sink.buf.toString("latin1", 0, sink.pos), `${values.join(" ")} `);
});

test("the byte sink writes microseconds as String(us / 1000) does", () => {
  const values = [0, 1, 10, 11, 100, 999, 1000, 1001, 1010, 1100, 12_345, 4_294_967_295, 7_000_000];
  for (let i = 0; i < 2000; i++) values.push(Math.floor(Math.random() * 10_000_000));
  const sink = new ByteSink(16);
  for (const us of values) {
    sink.pos = 0;
    sink.reserve(32);
    sink.millis(us);
    assert.equal(sink.buf.toString("latin1", 0, sink.pos), String(us / 1000), `${us}`);
  }
});
