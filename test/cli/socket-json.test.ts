import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { socketToJson } from "../../src/cli/output/socket-json.js";
import { SocketJsonWriter } from "../../src/cli/output/socket-json-writer.js";
import { NetlinkError } from "../../src/errors.js";
import { formatIPv6 } from "../../src/kernel/address.js";
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
  probes: 0,
  deadPeerMs: 0,
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
  holders: 1,
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
    holders: 0,
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

const fixture = Buffer.from(
  readFileSync(new URL("../fixtures/inet-diag-established.hex", import.meta.url), "utf8").replace(/\s+/g, ""),
  "hex",
);
const SEQ = fixture.readUInt32LE(8);
const INFO = new DiagMessageView().reset(fixture, 0, fixture.length).infoOff;

type Cgroup = { path: string; unit: string | null; container: string | null; pod: string | null };
type Owner = { pid: number; fd: number; command: string; holders?: number };

/** A writer whose output collects in a string, and the array elements of that string. */
function writerFor(cgroup: Cgroup | undefined) {
  let text = "";
  const cgroupIds: string[] = [];
  const writer = new SocketJsonWriter(
    (bytes) => {
      text += bytes.toString("latin1");
    },
    (id) => {
      cgroupIds.push(id);
      return cgroup;
    },
  );
  const elements = (): string[] => {
    writer.end();
    assert.ok(text.startsWith("[") && text.endsWith("]\n"), text.slice(0, 40));
    const body = text.slice(1, -2);
    return body === "" ? [] : body.slice(1, -1).split(",\n");
  };
  return { writer, elements, cgroupIds };
}

/** (inode, pid, fd) triples and commands, as the owner walk gives them. */
function walked(owners: [inode: number, owner: Owner][]): [Float64Array, Map<number, string>] {
  return [
    Float64Array.from(owners.flatMap(([inode, o]) => [inode, o.pid, o.fd])),
    new Map(owners.map(([, o]) => [o.pid, o.command])),
  ];
}

/** Writes one reply through writeView and returns its text. */
function writeOne(reply: Buffer, netns: string, cgroup?: Cgroup, owner?: Owner): string {
  const { writer, elements } = writerFor(cgroup);
  writer.netns(netns);
  const inode = new DiagMessageView().reset(reply, 0, reply.length).inode;
  if (owner) writer.owners(...walked([[inode, owner]]));
  reply.copy(writer.buffer);
  writer.writeView(new DiagMessageView().reset(writer.buffer, 0, reply.length));
  const [only, ...rest] = elements();
  assert.equal(rest.length, 0);
  return only as string;
}

const expectedOf = (reply: Buffer, netns: string, cgroup?: Cgroup, owner?: Owner): string => {
  const v = new DiagMessageView().reset(reply, 0, reply.length);
  return socketToJson(socketFromView(v, netns, owner, v.cgroupOff < 0 ? undefined : cgroup));
};

function variants(): Buffer[] {
  const v6 = Buffer.from(fixture);
  v6[16] = 10;
  v6.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 16 + 4 + 4);
  const mapped = Buffer.from(v6);
  mapped.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1], 16 + 4 + 20);
  const big = Buffer.from(fixture);
  big.writeUInt32LE(4_294_967_295, 16 + 68);
  const listen = Buffer.from(fixture);
  listen[16 + 1] = 10;
  const noInfo = Buffer.from(fixture.subarray(0, 16 + 72));
  noInfo.writeUInt32LE(noInfo.length, 0);
  const shortInfo = Buffer.from(fixture.subarray(0, INFO + 60)); // an older kernel's tcp_info
  shortInfo.writeUInt32LE(shortInfo.length, 0);
  shortInfo.writeUInt16LE(60 + 4, INFO - 4);
  const busy = Buffer.from(fixture);
  busy.writeUInt32LE(3, 16 + 4 + 36); // bound to an interface
  busy.writeUInt32LE(500, 16 + 56); // unread bytes
  busy.writeUInt32LE(2, INFO + 24); // tcpi_unacked
  busy[INFO + 2] = 1; // tcpi_retransmits
  busy.writeBigUInt64LE(2n ** 53n - 1n, INFO + 120); // tcpi_bytes_acked
  const noTimer = Buffer.from(fixture);
  noTimer[16 + 2] = 0;
  noTimer.writeUInt32LE(0, 16 + 52);
  const bigCookie = Buffer.from(fixture);
  bigCookie.writeBigUInt64LE(0xfedcba9876543210n, 16 + 4 + 40);
  return [fixture, v6, mapped, big, listen, noInfo, shortInfo, busy, noTimer, bigCookie];
}

test("socket JSON written from the reply equals the object's JSON", () => {
  const cg = { path: "/system.slice/ü.service", unit: "ü.service", container: null, pod: null };
  const owner = { pid: 9, fd: 123456, command: 'node "x" ✓' };
  for (const reply of variants()) {
    assert.equal(writeOne(reply, "blue", cg, owner), expectedOf(reply, "blue", cg, owner));
    assert.equal(writeOne(reply, "ns\\1"), expectedOf(reply, "ns\\1"));
  }
});

test("the writer takes the first holder of a socket and counts every descriptor that holds it", () => {
  const { writer, elements } = writerFor(undefined);
  writer.netns("blue");
  const inode = new DiagMessageView().reset(fixture, 0, fixture.length).inode;
  // Walk order: pid 9 holds it twice (a kept dup), pid 11 once (an inherited descriptor).
  const triples = Float64Array.from([inode, 9, 4, inode, 9, 7, inode + 1, 9, 8, inode, 11, 3]);
  writer.owners(
    triples,
    new Map([
      [9, "srv"],
      [11, "child"],
    ]),
  );
  fixture.copy(writer.buffer);
  writer.writeView(new DiagMessageView().reset(writer.buffer, 0, fixture.length));
  const [only] = elements();
  const parsed = JSON.parse(only as string);
  assert.deepEqual([parsed.pid, parsed.fd, parsed.holders, parsed.command], [9, 4, 3, "srv"]);
  const owner = { pid: 9, fd: 4, command: "srv", holders: 3 };
  assert.equal(only, expectedOf(fixture, "blue", undefined, owner));
});

test("the writer writes a receive buffer of replies at once, up to the dump's end", () => {
  const { writer, elements, cgroupIds } = writerFor(undefined);
  writer.netns("host");
  const replies = variants();
  const other = Buffer.from(fixture);
  other.writeUInt32LE(SEQ + 1, 8); // another dump's reply: skipped
  const done = Buffer.alloc(20);
  done.writeUInt32LE(20, 0);
  done.writeUInt16LE(3, 4); // NLMSG_DONE
  done.writeUInt32LE(SEQ, 8);
  let n = 0;
  for (const r of [...replies.slice(0, 5), other, ...replies.slice(5), done]) {
    r.copy(writer.buffer, n);
    n += (r.length + 3) & ~3;
  }
  const stop = writer.writeReplies(n, SEQ);
  assert.equal(stop, n - 20, "stops at the NLMSG_DONE");
  assert.equal(writer.written, replies.length);
  assert.deepEqual(
    elements(),
    replies.map((r) => expectedOf(r, "host")),
  );
  assert.deepEqual(cgroupIds, ["1"], "each cgroup id is described once");
});

test("the writer stops at a malformed reply and leaves it to the caller", () => {
  const { writer, elements } = writerFor(undefined);
  writer.netns("host");
  fixture.copy(writer.buffer, 0);
  const bad = Buffer.from(fixture);
  bad.writeUInt16LE(2000, 16 + 72); // an attribute longer than the reply
  bad.copy(writer.buffer, fixture.length);
  assert.equal(writer.writeReplies(2 * fixture.length, SEQ), fixture.length);
  assert.equal(elements().length, 1);
});

test("the writer hands over its window when it fills, and loses nothing", () => {
  const chunks: number[] = [];
  let text = "";
  const writer = new SocketJsonWriter(
    (bytes) => {
      chunks.push(bytes.length);
      text += bytes.toString("latin1");
    },
    () => undefined,
  );
  const name = "\u0001".repeat(20_000); // 120 KB of escaped text in every socket's head
  writer.netns(name);
  const count = Math.floor(writer.buffer.length / fixture.length);
  for (let i = 0; i < count; i++) fixture.copy(writer.buffer, i * fixture.length);
  assert.equal(writer.writeReplies(count * fixture.length, SEQ), count * fixture.length);
  writer.end();
  assert.ok(chunks.length > 2, `${chunks.length} pieces`);
  const parsed = JSON.parse(text) as { netns: string }[];
  assert.equal(parsed.length, count);
  assert.ok(parsed.every((s) => s.netns === name));
});

test("owners: each socket gets its own; sockets without one get nulls", () => {
  const { writer, elements } = writerFor(undefined);
  writer.netns("host");
  const replies = [0, 1, 2, 3].map((i) => {
    const r = Buffer.from(fixture);
    r.writeUInt32LE(1000 + i, 16 + 68);
    return r;
  });
  const owners: [number, Owner][] = [
    [1000, { pid: 5, fd: 3, command: "a" }],
    [1002, { pid: 6, fd: 4, command: "" }],
    [1003, { pid: 5, fd: 9, command: "a" }],
    [1000, { pid: 8, fd: 1, command: "b" }], // a forked child shares 1000: the lower pid, seen first, wins
  ];
  writer.owners(...walked(owners));
  let n = 0;
  for (const r of replies) n += r.copy(writer.buffer, n);
  writer.writeReplies(n, SEQ);
  writer.owners(undefined);
  n = replies[0]?.copy(writer.buffer, 0) ?? 0;
  writer.writeReplies(n, SEQ);
  const got = elements().map(
    (t) => JSON.parse(t) as { pid: number | null; fd: number | null; command: string | null },
  );
  assert.deepEqual(
    got.map((s) => [s.pid, s.fd, s.command]),
    [
      [5, 3, "a"],
      [null, null, null],
      [6, 4, ""],
      [5, 9, "a"],
      [null, null, null],
    ],
  );
});

test("addresses, integers and milliseconds are written as JavaScript writes them", () => {
  const { writer, elements } = writerFor(undefined);
  writer.netns("host");
  const expected: [string, number, number][] = [];
  const zeroRuns = [0, 0, 0, 0xffff, 1, 0xabcd, 0x10, 0];
  let n = 0;
  for (let i = 0; i < 120; i++) {
    const r = Buffer.from(fixture);
    r[16] = 10;
    for (let g = 0; g < 8; g++) {
      const word =
        Math.random() < 0.5 ? 0 : (zeroRuns[(i + g) % 8] as number) || Math.floor(Math.random() * 65536);
      r.writeUInt16BE(word, 16 + 4 + 4 + 2 * g);
    }
    const rtt =
      i < 20
        ? ([0, 1, 10, 100, 999, 1000, 1001, 1010, 1100, 4_294_967_295][i % 10] as number)
        : Math.floor(Math.random() * 2 ** 32);
    const inode = Math.floor(Math.random() * 2 ** 32);
    r.writeUInt32LE(rtt, INFO + 68);
    r.writeUInt32LE(inode, 16 + 68);
    expected.push([formatIPv6(r, 16 + 4 + 4), rtt / 1000, inode]);
    n += r.copy(writer.buffer, n);
  }
  writer.writeReplies(n, SEQ);
  const got = elements().map((t) => JSON.parse(t) as { localAddress: string; rttMs: number; inode: number });
  assert.deepEqual(
    got.map((s) => [s.localAddress, s.rttMs, s.inode]),
    expected,
  );
});

test("cgroup ids with bit 31 or 63 set are printed unsigned and looked up by that id", () => {
  const cg = { path: "/big.slice", unit: null, container: null, pod: null };
  const cgroupOff = new DiagMessageView().reset(fixture, 0, fixture.length).cgroupOff;
  for (const id of [
    2n ** 31n,
    2n ** 32n - 1n,
    2n ** 32n + 2n ** 31n,
    2n ** 63n + 2n ** 31n,
    2n ** 64n - 2n,
  ]) {
    const reply = Buffer.from(fixture);
    reply.writeBigUInt64LE(id, cgroupOff);
    const { writer, elements, cgroupIds } = writerFor(cg);
    writer.netns("host");
    reply.copy(writer.buffer);
    writer.writeReplies(reply.length, SEQ);
    const [text] = elements();
    assert.deepEqual(cgroupIds, [id.toString()], "the lookup gets the unsigned id");
    assert.equal(text, expectedOf(reply, "host", cg));
    assert.equal((JSON.parse(text as string) as { cgroupId: string }).cgroupId, id.toString());
  }
});

test("a reply whose length is not a multiple of 4 is read as the JavaScript decoder reads it", () => {
  // inet_diag_msg, then INET_DIAG_SHUTDOWN (a 5-byte attribute) last: nlmsg_len = 93.
  const reply = Buffer.concat([fixture.subarray(0, 16 + 72), Buffer.from([5, 0, 8, 0, 3])]);
  reply.writeUInt32LE(reply.length, 0);
  const second = Buffer.from(fixture);
  const { writer, elements } = writerFor(undefined);
  writer.netns("host");
  writer.buffer.fill(0xff); // what lies past the reply must not be read
  reply.copy(writer.buffer, 0);
  second.copy(writer.buffer, 96);
  assert.equal(writer.writeReplies(96 + second.length, SEQ), 96 + second.length);
  assert.deepEqual(elements(), [expectedOf(reply, "host"), expectedOf(second, "host")]);
  assert.equal(writeOne(reply, "one"), expectedOf(reply, "one"));
});

test("64-bit counters past 2^53 are printed as JavaScript prints the decoder's number", () => {
  for (const bytes of [2n ** 53n, 2n ** 53n + 1n, 2n ** 60n + 12345n, 2n ** 64n - 1n, 10n ** 19n + 7n]) {
    const reply = Buffer.from(fixture);
    reply.writeBigUInt64LE(bytes, INFO + 120); // tcpi_bytes_acked
    reply.writeBigUInt64LE(bytes - 1n, INFO + 128); // tcpi_bytes_received
    assert.equal(writeOne(reply, "host"), expectedOf(reply, "host"));
  }
});

test("the writer stops at a reply the JavaScript decoder refuses: foreign family, unknown state or timer", () => {
  const cases: [string, number, number][] = [
    ["family 0", 16, 0],
    ["family 7", 16, 7],
    ["state 0", 17, 0],
    ["state 12", 17, 12],
    ["state 33", 17, 33],
    ["timer 5", 18, 5],
    ["timer 255", 18, 255],
  ];
  for (const [name, at, value] of cases) {
    const bad = Buffer.from(fixture);
    bad[at] = value;
    assert.throws(() => new DiagMessageView().reset(bad, 0, bad.length), NetlinkError, name);
    const { writer, elements } = writerFor(undefined);
    writer.netns("host");
    fixture.copy(writer.buffer, 0);
    bad.copy(writer.buffer, fixture.length);
    fixture.copy(writer.buffer, 2 * fixture.length);
    assert.equal(writer.writeReplies(3 * fixture.length, SEQ), fixture.length, name);
    assert.equal(elements().length, 1, name);
  }
});

test("probes and deadPeerMs are written from the reply as the model defines them", () => {
  const cases: [unacked: number, retransmits: number, probes: number, expected: number][] = [
    [4, 3, 0, 42_000], // data retransmitting: the last ACK's age
    [0, 0, 2, 42_000], // keepalive probes unanswered
    [4, 0, 0, 0], // in flight for less than an RTO
    [0, 0, 0, 0], // quiet
  ];
  for (const [unacked, retransmits, probes, expected] of cases) {
    const reply = Buffer.from(fixture);
    reply.writeUInt32LE(unacked, INFO + 24);
    reply[INFO + 2] = retransmits;
    reply[INFO + 3] = probes;
    reply.writeUInt32LE(42_000, INFO + 56);
    const { writer, elements } = writerFor(undefined);
    writer.netns("host");
    reply.copy(writer.buffer);
    writer.writeReplies(reply.length, SEQ);
    const [text] = elements();
    assert.equal(text, expectedOf(reply, "host", undefined));
    const s = JSON.parse(text as string) as { probes: number; deadPeerMs: number };
    assert.deepEqual([s.probes, s.deadPeerMs], [probes, expected], `${unacked}/${retransmits}/${probes}`);
  }
});
