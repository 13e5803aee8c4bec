import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { type IdlereapError, NetlinkError } from "../../src/errors.js";
import {
  DiagMessageView,
  encodeDestroyRequest,
  encodeDumpRequest,
} from "../../src/kernel/inet-diag-codec.js";
import { forEachMessage } from "../../src/kernel/netlink-codec.js";
import { ALL_STATES_MASK } from "../../src/kernel/structs.js";

// A reply captured from Linux 6.18: an established 127.0.0.1:58604 -> 127.0.0.1:8080 client
// socket with keepalive armed, 408 bytes with a 280-byte tcp_info.
const fixture = Buffer.from(
  readFileSync(new URL("../fixtures/inet-diag-established.hex", import.meta.url), "utf8").replace(/\s+/g, ""),
  "hex",
);

test("a captured reply decodes to the socket it describes", () => {
  const v = new DiagMessageView().reset(fixture, 0, fixture.length);
  assert.equal(v.family, 4);
  assert.equal(v.state, "established");
  assert.equal(v.timer, "keepalive");
  assert.equal(v.localAddress, "127.0.0.1");
  assert.equal(v.localPort, 58604);
  assert.equal(v.remoteAddress, "127.0.0.1");
  assert.equal(v.remotePort, 8080);
  assert.equal(v.inode, 571185);
  assert.equal(v.cookie, 104130n);
  assert.equal(v.uid, 0);
  assert.equal(v.infoLen, 280);
  assert.equal(v.idleMs, 416);
  assert.equal(v.recvQ, 0);
  assert.equal(v.sendQ, 0);
  assert.equal(v.cgroupId, 1n);
  assert.equal(v.unacked, 0);
  assert.ok((v.rttMs ?? 0) > 0);
  assert.equal(v.bytesAcked, 11);
});

test("a shorter tcp_info (older kernel) leaves the missing fields unknown", () => {
  // Rewrite the INET_DIAG_INFO attribute to the 104-byte tcp_info of Linux 3.x.
  const v0 = new DiagMessageView().reset(fixture, 0, fixture.length);
  const attrStart = v0.infoOff - 4;
  const copy = Buffer.from(fixture);
  const oldLen = copy.readUInt16LE(attrStart);
  copy.writeUInt16LE(4 + 104, attrStart);
  const rest = copy.subarray(attrStart + oldLen);
  const short = Buffer.concat([copy.subarray(0, attrStart + 4 + 104), rest]);
  short.writeUInt32LE(short.length, 0);
  const v = new DiagMessageView().reset(short, 0, short.length);
  assert.equal(v.idleMs, 416);
  assert.equal(v.totalRetrans, 0);
  assert.equal(v.bytesAcked, undefined);
  assert.equal(v.notsentBytes, undefined);
  assert.equal(v.cgroupId, 1n, "attributes after the short one are still found");
});

test("a truncated reply is a clear error, never a crash", () => {
  for (const cut of [1, 16, 40, 87, fixture.length - 1]) {
    const part = fixture.subarray(0, cut);
    assert.throws(
      () => {
        forEachMessage(part, part.length, (_t, _f, _s, off, len) => {
          new DiagMessageView().reset(part, off, len);
          return false;
        });
      },
      (e: IdlereapError) => e.code === "IDLEREAP_ERR_NETLINK_TRUNCATED",
      `cut at ${cut}`,
    );
  }
  // Header length says 80: shorter than an inet_diag_msg.
  const lying = Buffer.from(fixture.subarray(0, 80));
  lying.writeUInt32LE(80, 0);
  assert.throws(() => new DiagMessageView().reset(lying, 0, 80), /shorter than inet_diag_msg/);
});

test("a malformed attribute is a clear error", () => {
  const bad = Buffer.from(fixture);
  bad.writeUInt16LE(2000, 16 + 72);
  assert.throws(
    () => new DiagMessageView().reset(bad, 0, bad.length),
    (e: IdlereapError) => e.code === "IDLEREAP_ERR_NETLINK_MALFORMED",
  );
});

test("dump and destroy requests carry family, states, extensions and the full socket id", () => {
  const dump = encodeDumpRequest({ family: 6, states: 1 << 8, info: true, bytecode: Buffer.alloc(8) }, 5);
  assert.equal(dump.readUInt16LE(4), 20);
  assert.equal(dump.readUInt16LE(6), 0x301);
  assert.equal(dump[16], 10);
  assert.equal(dump[17], 6);
  assert.equal(dump[18], 2);
  assert.equal(dump.readUInt32LE(20), 256);
  assert.equal(dump.length, 16 + 56 + 12);
  assert.equal(dump.readUInt16LE(16 + 56 + 2), 1, "bytecode attribute type");

  const both = encodeDumpRequest({ family: 0, states: 1 << 8, info: true }, 6);
  assert.equal(both.readUInt16LE(4), 18, "TCPDIAG_GETSOCK: the kernel dumps it with family AF_UNSPEC");
  assert.equal(both.length, 16 + 60);
  assert.equal(both[16], 0, "family");
  assert.equal(both[16 + 3], 2, "ext: INET_DIAG_INFO");
  assert.equal(both.readUInt32LE(16 + 52), 256, "states");

  const v = new DiagMessageView().reset(fixture, 0, fixture.length);
  const destroy = encodeDestroyRequest(v.sockId(), 9);
  assert.equal(destroy.readUInt16LE(4), 21);
  assert.equal(destroy.readUInt16LE(6), 0x5);
  assert.equal(destroy.readUInt16BE(16 + 8), 58604);
  assert.equal(destroy.readUInt16BE(16 + 10), 8080);
  assert.equal(destroy.readBigUInt64LE(16 + 8 + 40), 104130n);
  assert.deepEqual([...destroy.subarray(16 + 12, 16 + 16)], [127, 0, 0, 1]);
});

test("a reply whose family, state or timer the kernel never sends is refused, not decoded", () => {
  const malformed = (e: Error) => e instanceof NetlinkError && e.code === "IDLEREAP_ERR_NETLINK_MALFORMED";
  for (const family of [0, 1, 3, 9, 11, 16, 255]) {
    const bad = Buffer.from(fixture);
    bad[16] = family;
    assert.throws(() => new DiagMessageView().reset(bad, 0, bad.length), malformed, `family ${family}`);
  }
  for (const state of [0, 12, 13, 31, 32, 33, 255]) {
    const bad = Buffer.from(fixture);
    bad[16 + 1] = state;
    assert.throws(() => new DiagMessageView().reset(bad, 0, bad.length), malformed, `state ${state}`);
  }
  for (const timer of [5, 6, 128, 255]) {
    const bad = Buffer.from(fixture);
    bad[16 + 2] = timer;
    assert.throws(() => new DiagMessageView().reset(bad, 0, bad.length), malformed, `timer ${timer}`);
  }
  // Every state and timer the kernel sends still decodes, so `1 << stateNumber` stays in 2..2^11.
  for (let state = 1; state <= 11; state++) {
    for (let timer = 0; timer <= 4; timer++) {
      for (const family of [2, 10]) {
        const ok = Buffer.from(fixture);
        ok[16] = family;
        ok[16 + 1] = state;
        ok[16 + 2] = timer;
        const v = new DiagMessageView().reset(ok, 0, ok.length);
        assert.equal(v.family, family === 2 ? 4 : 6);
        assert.notEqual((1 << v.stateNumber) & ALL_STATES_MASK, 0);
        assert.notEqual(v.state, "unknown");
        assert.equal(v.timerNumber, timer);
      }
    }
  }
});

test("a reply said to run past the end of its buffer is refused, not read", () => {
  assert.throws(
    () => new DiagMessageView().reset(fixture, 8, fixture.length),
    (e: Error) => e instanceof NetlinkError && e.code === "IDLEREAP_ERR_NETLINK_TRUNCATED",
  );
});
