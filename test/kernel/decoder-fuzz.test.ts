// Seeded fuzzing of the kernel-reply decoders: truncations at every length, length lies, bit flips
// and random bodies, fed to the JavaScript decoder (netlink-codec + DiagMessageView) and to the
// `ls --json` WebAssembly writer. Both must refuse with an IdlereapError, never crash, and agree.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { socketToJson } from "../../src/cli/output/socket-json.js";
import { SocketJsonWriter } from "../../src/cli/output/socket-json-writer.js";
import { IdlereapError } from "../../src/errors.js";
import { DiagMessageView } from "../../src/kernel/inet-diag-codec.js";
import {
  align4,
  forEachAttr,
  forEachMessage,
  messageLength,
  parseErrorMessage,
} from "../../src/kernel/netlink-codec.js";
import { type CgroupInfo, type Owner, socketFromView } from "../../src/model/tcp-socket.js";

const SEED = Number(process.env.IDLEREAP_FUZZ_SEED ?? 0x1d1e7ea9);
const fixture = Buffer.from(
  readFileSync(new URL("../fixtures/inet-diag-established.hex", import.meta.url), "utf8").replace(/\s+/g, ""),
  "hex",
);
const SEQ = fixture.readUInt32LE(8);
const INFO = new DiagMessageView().reset(fixture, 0, fixture.length).infoOff;
const NETNS = "fuzz";

/** mulberry32: a small seeded generator, so a failing case can be replayed from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

// Owners and cgroups that both paths are given: some sockets have them, most do not.
const OWNERS = new Map<number, Owner>([
  [571185, { pid: 4242, fd: 7, command: 'node "x"' }],
  [0x80000000, { pid: 1, fd: 0, command: "" }],
]);
const resolveCgroup = (id: string): CgroupInfo | undefined =>
  BigInt(id) % 3n === 1n
    ? { path: `/fuzz/${id}.scope`, unit: `${id}.scope`, container: null, pod: null }
    : undefined;

function message(type: number, seq: number, body: Buffer): Buffer {
  const m = Buffer.alloc(16 + body.length);
  m.writeUInt32LE(m.length, 0);
  m.writeUInt16LE(type, 4);
  m.writeUInt16LE(2, 6);
  m.writeUInt32LE(seq, 8);
  body.copy(m, 16);
  return m;
}

/** Messages laid out as the kernel sends them, each padded to 4 bytes. */
function dump(...messages: Buffer[]): Buffer {
  return Buffer.concat(messages.map((m) => Buffer.concat([m, Buffer.alloc(align4(m.length) - m.length)])));
}

const v6 = Buffer.from(fixture);
v6[16] = 10;
v6.set([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 16 + 4 + 4);
const listen = Buffer.from(fixture);
listen[16 + 1] = 10;
const noInfo = message(20, SEQ, fixture.subarray(16, 16 + 72));
const done = message(3, SEQ, Buffer.alloc(4));
const ackTlvs = Buffer.alloc(4 + 16 + 12);
ackTlvs.writeInt32LE(-22, 0);
ackTlvs.writeUInt32LE(16, 4);
ackTlvs.set([11, 0, 1, 0, ...Buffer.from("nope\0"), 0], 20);
const error = message(2, SEQ, ackTlvs);
error.writeUInt16LE(0x300, 6);
const other = Buffer.from(fixture);
other.writeUInt32LE(SEQ + 1, 8);

// Counters past 2^53 and a cgroup id with bit 31 set: where the two paths once disagreed.
const big = Buffer.from(fixture);
big.writeBigUInt64LE(2n ** 64n - 1n, INFO + 120);
big.writeBigUInt64LE(2n ** 31n, new DiagMessageView().reset(fixture, 0, fixture.length).cgroupOff);

const BASES = [dump(fixture, v6, noInfo, listen, done), dump(fixture, other, error), dump(v6, big)];

/** What one receive buffer gives: the sockets' text, then how the walk ended. */
interface Outcome {
  texts: string[];
  end: string;
  cgroupIds: Set<string>;
}

/** An error either path may raise: an IdlereapError, by its code. Anything else fails the test. */
function refusal(err: unknown, what: string): string {
  if (!(err instanceof IdlereapError)) {
    throw new assert.AssertionError({ message: `${what}: uncaught ${String(err)}`, actual: err });
  }
  return err.code;
}

/** The walk of DiagSocket.dump over one receive buffer, from `from`; `visit` gets each socket reply. */
function walk(buf: Buffer, n: number, from: number, visit: (v: DiagMessageView) => void): string {
  const view = new DiagMessageView();
  for (let off = from; off < n; ) {
    const len = messageLength(buf, off, n);
    if (buf.readUInt32LE(off + 8) === SEQ) {
      const type = buf.readUInt16LE(off + 4);
      if (type === 20) visit(view.reset(buf, off, len));
      else if (type === 3) return "done";
      else if (type === 2) {
        const e = parseErrorMessage(buf, off, len);
        return `errno ${e.errno} ${e.message}`;
      }
    }
    off += align4(len);
  }
  return "more";
}

/** The JavaScript decoder: each socket as `ls` builds it, written by socketToJson. */
function decode(bytes: Buffer): Outcome {
  const out: Outcome = { texts: [], end: "", cgroupIds: new Set() };
  try {
    out.end = walk(bytes, bytes.length, 0, (v) => {
      const id = v.cgroupIdText;
      if (id !== undefined) out.cgroupIds.add(id);
      const s = socketFromView(
        v,
        NETNS,
        OWNERS.get(v.inode),
        id === undefined ? undefined : resolveCgroup(id),
      );
      out.texts.push(socketToJson(s));
      v.sockId();
    });
  } catch (err) {
    out.end = refusal(err, "JavaScript decoder");
  }
  return out;
}

/** The other readers of the same bytes (SOCK_DESTROY's answer walk): only IdlereapErrors. */
function otherReaders(bytes: Buffer): void {
  try {
    forEachMessage(bytes, bytes.length, (type, _flags, _seq, off, len) => {
      if (type === 2) parseErrorMessage(bytes, off, len);
      else forEachAttr(bytes, off + 16 + 72, off + len, () => {});
      return false;
    });
  } catch (err) {
    refusal(err, "forEachMessage");
  }
}

/** One writer for every case (an instance costs megabytes); its text is cut per case. */
class WasmPath {
  #text = "";
  readonly looked: string[] = [];
  readonly writer = new SocketJsonWriter(
    (bytes) => {
      this.#text += bytes.toString("latin1");
    },
    (id) => {
      this.looked.push(id);
      return resolveCgroup(id);
    },
  );

  constructor() {
    this.writer.netns(NETNS);
    const triples = [...OWNERS].flatMap(([inode, o]) => [inode, o.pid, o.fd]);
    this.writer.owners(
      Float64Array.from(triples),
      new Map([...OWNERS.values()].map((o) => [o.pid, o.command ?? undefined])),
    );
  }

  /** Receives `bytes` into the writer's buffer (after stale bytes of other cases) and walks as `ls` does. */
  run(bytes: Buffer): Outcome {
    const { writer } = this;
    writer.buffer.fill(int(256), bytes.length, bytes.length + 512);
    bytes.copy(writer.buffer);
    this.looked.length = 0;
    let end: string;
    try {
      const from = writer.writeReplies(bytes.length, SEQ);
      end = walk(writer.buffer, bytes.length, from, (v) => writer.writeView(v));
    } catch (err) {
      end = refusal(err, "WebAssembly writer");
    }
    writer.end();
    // "[" once, then "\n" or ",\n" before each socket, then "\n]\n" or "]\n" at each end().
    const lines = this.#text
      .replace(/^\[/, "")
      .replace(/\n?\]\n$/, "")
      .split("\n");
    this.#text = "";
    const texts = lines.filter((l) => l !== "" && l !== ",").map((l) => l.replace(/,$/, ""));
    return { texts, end, cgroupIds: new Set(this.looked) };
  }
}

// ---- Mutations --------------------------------------------------------------------------------

/** Offsets of the messages in a dump (walking the true lengths of the base, before any lie). */
function messageOffsets(buf: Buffer): number[] {
  const offs: number[] = [];
  for (let off = 0; off + 16 <= buf.length; off += align4(buf.readUInt32LE(off))) offs.push(off);
  return offs;
}

/** Offsets of the attributes of the socket reply at `off`. */
function attrOffsets(buf: Buffer, off: number): number[] {
  const offs: number[] = [];
  const end = off + buf.readUInt32LE(off);
  for (let a = off + 16 + 72; a + 4 <= end; a += align4(buf.readUInt16LE(a))) offs.push(a);
  return offs;
}

const LENGTH_LIES = [
  0,
  1,
  3,
  4,
  5,
  15,
  16,
  17,
  19,
  20,
  36,
  87,
  88,
  89,
  90,
  91,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 31 + 16,
];

function lieAboutLengths(base: Buffer): Buffer {
  const buf = Buffer.from(base);
  const offs = messageOffsets(buf);
  const m = pick(offs);
  const len = buf.readUInt32LE(m);
  const roll = int(4);
  if (roll === 0)
    buf.writeUInt32LE(pick([...LENGTH_LIES, len - 1, len + 1, len + 3, len - 5, int(2 ** 32)]) >>> 0, m);
  else if (roll === 1 && buf.readUInt16LE(m + 4) === 2) {
    buf.writeUInt16LE(pick([0x200, 0x300, 0x100, 0]), m + 6); // ack TLVs, capped or not
    buf.writeUInt32LE(pick(LENGTH_LIES) >>> 0, m + 20); // the echoed header's length
  } else {
    const attrs = buf.readUInt16LE(m + 4) === 20 ? attrOffsets(buf, m) : [];
    if (attrs.length === 0) buf.writeUInt32LE(pick(LENGTH_LIES) >>> 0, m);
    else buf.writeUInt16LE(pick([0, 1, 3, 4, 5, 8, 12, 283, 284, 285, 0xffff, int(0x10000)]), pick(attrs));
  }
  // Sometimes the message also lies to match: its length cut to just past the lie.
  if (int(4) === 0) return buf.subarray(0, Math.min(buf.length, m + int(buf.length - m + 1)));
  return buf;
}

function flipBits(base: Buffer): Buffer {
  const buf = Buffer.from(base);
  const flips = 1 + int(8);
  for (let i = 0; i < flips; i++) {
    // Half of the flips land in a header (netlink or inet_diag_msg), where a bit means most.
    const m = pick(messageOffsets(base));
    const at = int(2) === 0 ? m + int(Math.min(88, buf.length - m)) : int(buf.length);
    buf[at] = (buf[at] as number) ^ (1 << int(8));
  }
  return buf;
}

/** A socket reply with a plausible head and random attributes; sometimes an implausible head. */
function randomBody(): Buffer {
  const head = Buffer.alloc(72);
  for (let i = 0; i < 72; i++) head[i] = int(256);
  if (int(8) !== 0) {
    head[0] = pick([2, 10]);
    head[1] = 1 + int(11);
    head[2] = int(5);
  }
  const attrs: Buffer[] = [];
  for (let i = int(5); i > 0; i--) {
    const type = pick([2, 2, 21, 8, 15, 22, 1, int(0x10000)]);
    const size =
      type === 2 ? pick([0, 3, 60, 104, 160, 280, int(300)]) : type === 21 ? pick([8, 7, 9]) : int(16);
    const a = Buffer.alloc(align4(4 + size));
    a.writeUInt16LE(4 + size, 0);
    a.writeUInt16LE(type, 2);
    for (let j = 4; j < 4 + size; j++) a[j] = int(4) === 0 ? int(256) : 0;
    if (type === 2 && size >= 60 && int(2) === 0)
      a.writeBigUInt64LE(BigInt(int(2 ** 32)) << 30n, 4 + Math.min(120, size - 8));
    if (type === 21 && size === 8) a.writeBigUInt64LE(BigInt(int(2 ** 32)) << BigInt(int(33)), 4);
    attrs.push(a);
  }
  // The last attribute's padding is sometimes left out: nlmsg_len not a multiple of 4.
  const body = Buffer.concat([head, ...attrs]);
  const last = attrs.at(-1);
  const trim = last && int(2) === 0 ? align4(last.readUInt16LE(0)) - last.readUInt16LE(0) : 0;
  return message(20, SEQ, body.subarray(0, body.length - trim));
}

function randomBytes(): Buffer {
  const buf = Buffer.alloc(int(400));
  for (let i = 0; i < buf.length; i++) buf[i] = int(256);
  if (buf.length >= 16 && int(2) === 0) {
    buf.writeUInt32LE(buf.length - int(4), 0);
    buf.writeUInt16LE(pick([2, 3, 20]), 4);
    buf.writeUInt32LE(SEQ, 8);
  }
  return buf;
}

/** The cases: every truncation of the first base, then the rest drawn from the seeded generator. */
function* cases(): Generator<[string, Buffer]> {
  const first = BASES[0] as Buffer;
  for (let n = 0; n <= first.length; n++) {
    yield [`cut at ${n}`, first.subarray(0, n)];
    // The same cut with the last message's length told to match it.
    const cut = Buffer.from(first.subarray(0, n));
    const m = messageOffsets(first)
      .filter((o) => o + 16 <= n)
      .at(-1);
    if (m !== undefined) {
      cut.writeUInt32LE(n - m, m);
      yield [`cut at ${n}, length matched`, cut];
    }
  }
  for (let i = 0; i < 600; i++) yield [`length lie ${i}`, lieAboutLengths(pick(BASES))];
  for (let i = 0; i < 900; i++) yield [`bit flips ${i}`, flipBits(pick(BASES))];
  for (let i = 0; i < 500; i++) yield [`random body ${i}`, dump(randomBody(), randomBody(), done)];
  for (let i = 0; i < 200; i++) yield [`random bytes ${i}`, randomBytes()];
}

test(`fuzzed replies: clean refusals and the same text from both decoders (seed ${SEED})`, (t) => {
  const wasm = new WasmPath();
  const ends = new Map<string, number>();
  let sockets = 0;
  let count = 0;
  for (const [name, bytes] of cases()) {
    count++;
    otherReaders(bytes);
    const js = decode(bytes);
    const ws = wasm.run(bytes);
    const what = `${name} (seed ${SEED}): ${bytes.toString("hex")}`;
    assert.deepEqual(ws.texts, js.texts, what);
    assert.equal(ws.end, js.end, what);
    for (const id of ws.cgroupIds) assert.ok(js.cgroupIds.has(id), `looked up cgroup ${id}: ${what}`);
    sockets += js.texts.length;
    const key = /^errno/.test(js.end) ? "errno" : js.end;
    ends.set(key, (ends.get(key) ?? 0) + 1);
  }
  t.diagnostic(
    `${count} cases, ${sockets} sockets written, ends ${JSON.stringify(Object.fromEntries(ends))}`,
  );
  assert.ok(count >= 3000, `${count} cases`);
  // The cases reach every outcome: written sockets, the dump's end, kernel errors and each refusal.
  assert.ok(sockets > 1000, `${sockets} sockets written`);
  for (const end of [
    "done",
    "more",
    "errno",
    "IDLEREAP_ERR_NETLINK_TRUNCATED",
    "IDLEREAP_ERR_NETLINK_MALFORMED",
  ]) {
    assert.ok((ends.get(end) ?? 0) > 20, `${end}: ${JSON.stringify([...ends])}`);
  }
});
