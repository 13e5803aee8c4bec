import assert from "node:assert/strict";
import { test } from "node:test";
import { IdlereapError } from "../../src/errors.js";
import {
  encodeAttr,
  encodeMessage,
  forEachAttr,
  forEachMessage,
  parseErrorMessage,
} from "../../src/kernel/netlink-codec.js";

test("encodeMessage writes the header and pads each part to 4 bytes", () => {
  const msg = encodeMessage(20, 0x301, 7, [Buffer.from([1, 2, 3]), Buffer.from([9])]);
  assert.equal(msg.length, 16 + 4 + 4);
  assert.equal(msg.readUInt32LE(0), 24);
  assert.equal(msg.readUInt16LE(4), 20);
  assert.equal(msg.readUInt16LE(6), 0x301);
  assert.equal(msg.readUInt32LE(8), 7);
  assert.deepEqual([...msg.subarray(16)], [1, 2, 3, 0, 9, 0, 0, 0]);
});

test("forEachMessage walks every message and stops when asked", () => {
  const buf = Buffer.concat([
    encodeMessage(20, 2, 1, [Buffer.alloc(5)]),
    encodeMessage(3, 2, 1, [Buffer.alloc(4)]),
  ]);
  const seen: number[] = [];
  forEachMessage(buf, buf.length, (type) => {
    seen.push(type);
    return false;
  });
  assert.deepEqual(seen, [20, 3]);
  const first: number[] = [];
  assert.equal(
    forEachMessage(buf, buf.length, (type) => {
      first.push(type);
      return true;
    }),
    true,
  );
  assert.deepEqual(first, [20]);
});

test("forEachMessage refuses a short header and a length past the data", () => {
  const msg = encodeMessage(20, 2, 1, [Buffer.alloc(8)]);
  assert.throws(
    () => forEachMessage(msg, 10, () => false),
    (e: IdlereapError) => e.code === "IDLEREAP_ERR_NETLINK_TRUNCATED",
  );
  const lying = Buffer.from(msg);
  lying.writeUInt32LE(4096, 0);
  assert.throws(
    () => forEachMessage(lying, lying.length, () => false),
    (e: IdlereapError) => e.code === "IDLEREAP_ERR_NETLINK_TRUNCATED" && /4096/.test(e.message),
  );
  const zero = Buffer.from(msg);
  zero.writeUInt32LE(0, 0);
  assert.throws(() => forEachMessage(zero, zero.length, () => false), IdlereapError);
});

test("forEachAttr reads type and payload and refuses an overrunning attribute", () => {
  const attrs = Buffer.concat([encodeAttr(2, Buffer.from([7, 7, 7])), encodeAttr(21, Buffer.alloc(8, 1))]);
  const seen: [number, number][] = [];
  forEachAttr(attrs, 0, attrs.length, (type, _off, len) => seen.push([type, len]));
  assert.deepEqual(seen, [
    [2, 3],
    [21, 8],
  ]);
  const bad = Buffer.from(attrs);
  bad.writeUInt16LE(200, 0);
  assert.throws(
    () => forEachAttr(bad, 0, bad.length, () => {}),
    (e: IdlereapError) => e.code === "IDLEREAP_ERR_NETLINK_MALFORMED",
  );
  const tiny = Buffer.from(attrs);
  tiny.writeUInt16LE(2, 0);
  assert.throws(() => forEachAttr(tiny, 0, tiny.length, () => {}), IdlereapError);
});

test("parseErrorMessage decodes errno and the extended ack text", () => {
  const body = Buffer.alloc(4 + 16);
  body.writeInt32LE(-95, 0);
  body.writeUInt32LE(16, 4);
  const text = encodeAttr(1, Buffer.from("not supported\0"));
  const msg = encodeMessage(2, 0x300, 1, [body, text]);
  const info = parseErrorMessage(msg, 0, msg.length);
  assert.equal(info.errno, 95);
  assert.equal(info.message, "not supported");
  const short = encodeMessage(2, 0, 1, []);
  assert.throws(() => parseErrorMessage(short, 0, short.length), IdlereapError);
});

/** An NLMSG_ERROR with extended ack TLVs (flags NLM_F_ACK_TLVS | more) and the echoed header's length. */
function ackWithTlvs(echoedLen: number, flags: number, bodyLen: number): Buffer {
  const msg = encodeMessage(2, flags, 1, [Buffer.alloc(bodyLen)]);
  msg.writeInt32LE(-22, 16);
  if (bodyLen >= 8) msg.writeUInt32LE(echoedLen, 20);
  return msg;
}

test("parseErrorMessage refuses extended ack TLVs shorter than the echoed header, with a stable code", () => {
  const cases: [string, Buffer][] = [
    ["no echoed header at all", ackWithTlvs(0, 0x200, 4)],
    ["half an echoed header", ackWithTlvs(16, 0x200, 12)],
    ["capped, but the header is cut", ackWithTlvs(16, 0x300, 8)],
    ["echoed length past the message", ackWithTlvs(4096, 0x200, 4 + 16 + 8)],
    ["echoed length of 2^31", ackWithTlvs(2 ** 31, 0x200, 4 + 16 + 8)],
    ["echoed length of 2^32 - 1", ackWithTlvs(2 ** 32 - 1, 0x200, 4 + 16 + 8)],
    ["echoed length shorter than a header", ackWithTlvs(3, 0x200, 4 + 16 + 8)],
  ];
  for (const [name, msg] of cases) {
    assert.throws(
      () => parseErrorMessage(msg, 0, msg.length),
      (e: Error) =>
        e instanceof IdlereapError &&
        (e.code === "IDLEREAP_ERR_NETLINK_TRUNCATED" || e.code === "IDLEREAP_ERR_NETLINK_MALFORMED"),
      name,
    );
  }
});

test("parseErrorMessage still reads an acknowledgement without TLVs and a capped one with a message", () => {
  const ack = ackWithTlvs(16, 0, 4 + 16);
  ack.writeInt32LE(0, 16);
  assert.deepEqual(parseErrorMessage(ack, 0, ack.length), { errno: 0, message: undefined });
  const body = Buffer.alloc(4 + 16);
  body.writeInt32LE(-1, 0);
  body.writeUInt32LE(9999, 4); // the request's length: only its header was echoed (capped)
  const msg = encodeMessage(2, 0x300, 1, [body, encodeAttr(1, Buffer.from("denied\0"))]);
  assert.deepEqual(parseErrorMessage(msg, 0, msg.length), { errno: 1, message: "denied" });
});
