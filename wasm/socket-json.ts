// AssemblyScript. The JSON text of sockets, written straight from the kernel's sock_diag replies:
// what `idlereap ls --json` prints. Built to WebAssembly by scripts/build-wasm.mjs.
//
// Why WebAssembly: the same writer in JavaScript ran its first few thousand sockets in V8's
// interpreter while the optimizing compiler worked (75-120 ms of every run on a small VM), so time
// per socket was not flat from 10k to 100k sockets. This module compiles in a millisecond, and one
// call writes a whole receive buffer of replies.
//
// The text is exactly socketToJson(socketFromView(...)) (src/cli/output/socket-json.ts); a test
// holds the two to that. All memory is reserved at start or by reserveOwners(), so the JavaScript
// views of it stay valid while a dump runs.

import {
  AF_INET,
  AF_INET6,
  DIAG_MSG,
  INET_DIAG_CGROUP_ID,
  INET_DIAG_INFO,
  NLMSG_DONE,
  NLMSG_ERROR,
  NLMSG_HDRLEN,
  SOCK_DIAG_BY_FAMILY,
  SOCKID,
  STATE,
  STATE_MAX,
  STATE_MIN,
  TCP_INFO,
  TCP_STATES,
  TIMER_MAX,
  TIMERS,
} from "./generated/kernel-structs";

// The layouts and names above are src/kernel/structs.ts's, written as AssemblyScript at build time.
// inet_diag_sockid's fields as offsets in inet_diag_msg (after the netlink header).
const M_SPORT = DIAG_MSG.id + SOCKID.sport;
const M_DPORT = DIAG_MSG.id + SOCKID.dport;
const M_SRC = DIAG_MSG.id + SOCKID.src;
const M_DST = DIAG_MSG.id + SOCKID.dst;
const M_IFACE = DIAG_MSG.id + SOCKID.if_;
const M_COOKIE = DIAG_MSG.id + SOCKID.cookie;

/** Room for one socket's text besides the namespace, cgroup and command texts. */
const SOCKET_ROOM: usize = 1536;

// ---- Memory -----------------------------------------------------------------------------------

export const RECV_SIZE: usize = 64 * 1024;
export const STAGE_SIZE: usize = 128 * 1024;
export const OUT_SIZE: usize = 4 * 1024 * 1024;
/** The receive buffer: JavaScript receives netlink replies into it. */
export const RECV: usize = heap.alloc(RECV_SIZE);
/** Text handed over by JavaScript (namespace head, cgroup segment). */
export const STAGE: usize = heap.alloc(STAGE_SIZE);
/** The output window. */
export const OUT: usize = heap.alloc(OUT_SIZE);
const NETNS: usize = heap.alloc(STAGE_SIZE);
let netnsLen: usize = 0;

/** A literal, as its address << 32 | its length. */
function lit(s: string): u64 {
  const len = String.UTF8.byteLength(s);
  const p = heap.alloc(<usize>len);
  String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, p);
  return ((<u64>p) << 32) | <u64>len;
}

function put(at: usize, l: u64): usize {
  const len = <usize>(l & 0xffffffff);
  memory.copy(at, <usize>(l >> 32), len);
  return at + len;
}

const TIMER_KEEPALIVE = <u8>TIMERS.indexOf("keepalive");
const STATE4 = new StaticArray<u64>(TCP_STATES.length);
const STATE6 = new StaticArray<u64>(TCP_STATES.length);
const TIMER = new StaticArray<u64>(TIMERS.length);
for (let i = 0; i < TCP_STATES.length; i++) {
  STATE4[i] = lit(`,"family":4,"state":"${TCP_STATES[i]}","localAddress":"`);
  STATE6[i] = lit(`,"family":6,"state":"${TCP_STATES[i]}","localAddress":"`);
}
for (let i = 0; i < TIMERS.length; i++) TIMER[i] = lit(`,"timer":"${TIMERS[i]}","timerExpiresMs":`);

const K_LOCAL_PORT = lit('","localPort":');
const K_REMOTE_ADDRESS = lit(',"remoteAddress":"');
const K_REMOTE_PORT = lit('","remotePort":');
const K_IFACE = lit(',"iface":');
const K_RECV_Q = lit(',"recvQ":');
const K_SEND_Q = lit(',"sendQ":');
const K_ZERO_QUEUES = lit(',"iface":0,"recvQ":0,"sendQ":0');
const K_IDLE = lit(',"idleMs":');
const K_LAST_SEND = lit(',"lastSendMs":');
const K_LAST_RECV = lit(',"lastRecvMs":');
const K_LAST_ACK = lit(',"lastAckMs":');
const K_PROBES = lit(',"probes":');
const K_DEAD_PEER = lit(',"deadPeerMs":');
const K_RTT = lit(',"rttMs":');
const K_UNACKED = lit(',"unacked":');
const K_RETRANSMITS = lit(',"retransmits":');
const K_TOTAL_RETRANS = lit(',"totalRetrans":');
const K_NOTSENT = lit(',"notsentBytes":');
const K_QUIET = lit(',"unacked":0,"retransmits":0,"totalRetrans":0,"notsentBytes":0');
const K_BYTES_ACKED = lit(',"bytesAcked":');
const K_BYTES_RECEIVED = lit(',"bytesReceived":');
const K_NO_TIMER = lit(',"timer":"off","timerExpiresMs":0,"keepalive":false,"inode":');
const K_KEEPALIVE_TRUE = lit(',"keepalive":true,"inode":');
const K_KEEPALIVE_FALSE = lit(',"keepalive":false,"inode":');
const K_COOKIE = lit(',"cookie":"');
const K_UID = lit('","uid":');
const K_NO_CGROUP = lit(',"cgroupId":null,"cgroup":null,"unit":null,"container":null,"pod":null');
const K_PID = lit(',"pid":');
const K_FD = lit(',"fd":');
const K_HOLDERS = lit(',"holders":');
const K_NO_COMMAND = lit(',"command":""}');
const K_NO_OWNER = lit(',"pid":null,"fd":null,"holders":0,"command":null}');
const K_NULL = lit("null");
const K_FIRST = lit("\n");
const K_NEXT = lit(",\n");

// ---- Numbers and addresses --------------------------------------------------------------------

/** "00" to "99", two bytes each. */
const PAIRS: usize = heap.alloc(200);
for (let i: u32 = 0; i < 100; i++)
  store<u16>(PAIRS + ((<usize>i) << 1), <u16>((48 + i / 10) | ((48 + (i % 10)) << 8)));

function decimal(at: usize, n: u64): usize {
  if (n < 10) {
    store<u8>(at, <u8>(48 + n));
    return at + 1;
  }
  let digits: usize = 2;
  for (let t: u64 = 100; digits < 20 && t <= n; t *= 10) digits++;
  const end = at + digits;
  let p = end;
  while (n >= 100) {
    const q = n / 100;
    p -= 2;
    store<u16>(p, load<u16>(PAIRS + ((<usize>(n - q * 100)) << 1)));
    n = q;
  }
  if (n >= 10) store<u16>(p - 2, load<u16>(PAIRS + ((<usize>n) << 1)));
  else store<u8>(p - 1, <u8>(48 + n));
  return end;
}

/** Microseconds as milliseconds, the text JavaScript's String(us / 1000) gives. */
function millis(at: usize, us: u32): usize {
  const whole = us / 1000;
  let frac = us - whole * 1000;
  at = decimal(at, whole);
  if (frac === 0) return at;
  let digits: usize = 3;
  while (frac % 10 === 0) {
    frac /= 10;
    digits--;
  }
  store<u8>(at, 46);
  const end = at + 1 + digits;
  for (let p = end; p > at + 1; frac /= 10) store<u8>(--p, <u8>(48 + (frac % 10)));
  return end;
}

function ipv4(at: usize, a: usize): usize {
  at = decimal(at, load<u8>(a));
  store<u8>(at, 46);
  at = decimal(at + 1, load<u8>(a + 1));
  store<u8>(at, 46);
  at = decimal(at + 1, load<u8>(a + 2));
  store<u8>(at, 46);
  return decimal(at + 1, load<u8>(a + 3));
}

function group(a: usize, i: i32): u32 {
  return <u32>bswap<u16>(load<u16>(a + ((<usize>i) << 1)));
}

function hex(at: usize, g: u32): usize {
  for (let shift: i32 = g >= 0x1000 ? 12 : g >= 0x100 ? 8 : g >= 0x10 ? 4 : 0; shift >= 0; shift -= 4) {
    const x = (g >> shift) & 15;
    store<u8>(at++, <u8>(x < 10 ? 48 + x : 87 + x));
  }
  return at;
}

/** RFC 5952 text, as formatIPv6 (src/kernel/address.ts) writes it. */
function ipv6(at: usize, a: usize): usize {
  if ((group(a, 0) | group(a, 1) | group(a, 2) | group(a, 3) | group(a, 4)) === 0 && group(a, 5) === 0xffff) {
    store<u32>(at, 0x66663a3a); // "::ff"
    store<u16>(at + 4, 0x6666); // "ff"
    store<u8>(at + 6, 58); // ":"
    return ipv4(at + 7, a + 12);
  }
  // The longest run of two or more zero groups, the first of equals, becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (group(a, i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && group(a, j) === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  for (let i = 0; i < 8; i++) {
    if (i === best) {
      store<u16>(at, 0x3a3a);
      at += 2;
      i += bestLen - 1;
      continue;
    }
    if (i > 0 && i !== best + bestLen) store<u8>(at++, 58);
    at = hex(at, group(a, i));
  }
  return at;
}

// ---- Namespace and cgroup texts ---------------------------------------------------------------

/** Makes the `len` bytes in STAGE (`{"netns":"name"`) the head of every socket written next. */
export function setNetns(len: usize): void {
  memory.copy(NETNS, STAGE, len);
  netnsLen = len;
}

/** Writes the cgroup segment (`,"cgroupId":...,"pod":...`) of a cgroup id to STAGE; returns its length. */
declare function cgroupSegment(lo: u32, hi: u32): i32;

const CG_SLOTS: u32 = 1024;
const CG_ARENA_SIZE: usize = 1024 * 1024;
/** Open addressing by cgroup id: id u64, text address u32, text length u32. */
const cgTable: usize = heap.alloc(<usize>CG_SLOTS * 16);
const cgArena: usize = heap.alloc(CG_ARENA_SIZE);
let cgArenaUsed: usize = 0;
let cgCount: u32 = 0;

function cgClear(): void {
  memory.fill(cgTable, 0, <usize>CG_SLOTS * 16);
  cgArenaUsed = 0;
  cgCount = 0;
}

/** The slot of `key` (not 0): its own, or the empty one where it goes. */
function cgSlot(key: u64): usize {
  // biome-ignore lint/correctness/noPrecisionLoss: a u64 literal (this is AssemblyScript)
  let i = <u32>((key * 0x9e3779b97f4a7c15) >> 54) & (CG_SLOTS - 1);
  let s = cgTable + ((<usize>i) << 4);
  while (load<u64>(s) !== key && load<u64>(s) !== 0) {
    i = (i + 1) & (CG_SLOTS - 1);
    s = cgTable + ((<usize>i) << 4);
  }
  return s;
}

/** The cgroup segment of `id`, asked of JavaScript once per id: its address << 32 | length. */
function cgroupText(id: u64): u64 {
  const key = id + 1; // 0 marks an empty slot
  if (key !== 0) {
    const s = cgSlot(key);
    if (load<u64>(s) === key) return ((<u64>load<u32>(s, 8)) << 32) | <u64>load<u32>(s, 12);
  }
  const len = <usize>cgroupSegment(<u32>id, <u32>(id >> 32));
  if (key === 0) return ((<u64>STAGE) << 32) | <u64>len;
  if (cgCount >= CG_SLOTS / 2 || cgArenaUsed + len > CG_ARENA_SIZE) cgClear();
  const text = cgArena + cgArenaUsed;
  memory.copy(text, STAGE, len);
  cgArenaUsed += len;
  cgCount++;
  const s = cgSlot(key);
  store<u64>(s, key);
  store<u32>(s, <u32>text, 8);
  store<u32>(s, <u32>len, 12);
  return ((<u64>text) << 32) | <u64>len;
}

// ---- Owners -----------------------------------------------------------------------------------

// Socket inode → pid, fd, holders; pid → command text. Filled from JavaScript: reserveOwners()
// returns an input area, JavaScript writes (inode, pid, fd) triples in walk order (ascending pid:
// the first of an inode wins, as the lowest pid holding it; the later ones only count as holders),
// then (pid, text offset, text length) triples, then the texts into it, and indexOwners() builds
// the tables.
let ownersOn = false;
let sockMask: u32 = 0;
let sockTable: usize = 0; // inode u32 (0 = empty), pid u32, fd u32, holders u32
const SOCK_SLOT: usize = 16;
let procMask: u32 = 0;
let procTable: usize = 0; // pid u32 (0 = empty), text address u32, text length u32
let input: usize = 0;
let inputSize: usize = 0;
let tableSize: usize = 0;
let maxCommandLen: usize = 0;

function slots(n: u32): u32 {
  let s: u32 = 16;
  while (s < n * 2) s <<= 1;
  return s;
}

/**
 * An input area for `sockets` owners, `processes` commands and `textBytes` of command text. It
 * may grow the memory: JavaScript makes its views again after this call.
 */
export function reserveOwners(sockets: u32, processes: u32, textBytes: u32): usize {
  const need = (<usize>sockets + <usize>processes) * 12 + <usize>textBytes;
  if (need > inputSize) {
    inputSize = need + (need >> 1);
    input = heap.alloc(inputSize);
  }
  const tables = <usize>slots(sockets) * SOCK_SLOT + <usize>slots(processes) * 12;
  if (tables > tableSize) {
    tableSize = tables + (tables >> 1);
    sockTable = heap.alloc(tableSize);
  }
  return input;
}

/** Indexes what JavaScript wrote to the input area; later sockets get their owner's fields. */
export function indexOwners(sockets: u32, processes: u32): void {
  const sockSlots = slots(sockets);
  const procSlots = slots(processes);
  sockMask = sockSlots - 1;
  procMask = procSlots - 1;
  procTable = sockTable + <usize>sockSlots * SOCK_SLOT;
  memory.fill(sockTable, 0, <usize>sockSlots * SOCK_SLOT + <usize>procSlots * 12);
  for (let i: u32 = 0; i < sockets; i++) {
    const e = input + <usize>i * 12;
    const s = sockSlot(load<u32>(e));
    if (load<u32>(s) !== 0) {
      store<u32>(s, load<u32>(s, 12) + 1, 12); // held by a lower pid, seen first
      continue;
    }
    store<u32>(s, load<u32>(e));
    store<u32>(s, load<u32>(e, 4), 4);
    store<u32>(s, load<u32>(e, 8), 8);
    store<u32>(s, 1, 12);
  }
  const texts = input + (<usize>sockets + <usize>processes) * 12;
  maxCommandLen = 0;
  for (let i: u32 = 0; i < processes; i++) {
    const e = input + (<usize>sockets + <usize>i) * 12;
    const s = procSlot(load<u32>(e));
    const len = load<u32>(e, 8);
    store<u32>(s, load<u32>(e));
    store<u32>(s, <u32>texts + load<u32>(e, 4), 4);
    store<u32>(s, len, 8);
    if (<usize>len > maxCommandLen) maxCommandLen = len;
  }
  ownersOn = true;
}

/** Later sockets are written without owners (`"pid":null`). */
export function clearOwners(): void {
  ownersOn = false;
}

function sockSlot(inode: u32): usize {
  let i = (inode * 0x9e3779b1) & sockMask;
  let s = sockTable + <usize>i * SOCK_SLOT;
  while (load<u32>(s) !== inode && load<u32>(s) !== 0) {
    i = (i + 1) & sockMask;
    s = sockTable + <usize>i * SOCK_SLOT;
  }
  return s;
}

function procSlot(pid: u32): usize {
  let i = (pid * 0x9e3779b1) & procMask;
  let s = procTable + <usize>i * 12;
  while (load<u32>(s) !== pid && load<u32>(s) !== 0) {
    i = (i + 1) & procMask;
    s = procTable + <usize>i * 12;
  }
  return s;
}

function ownerTail(at: usize, inode: u32): usize {
  if (!ownersOn || inode === 0) return put(at, K_NO_OWNER);
  const s = sockSlot(inode);
  if (load<u32>(s) !== inode) return put(at, K_NO_OWNER);
  const pid = load<u32>(s, 4);
  at = decimal(put(at, K_PID), pid);
  at = decimal(put(at, K_FD), load<u32>(s, 8));
  at = decimal(put(at, K_HOLDERS), load<u32>(s, 12));
  const p = procSlot(pid);
  if (load<u32>(p) !== pid) return put(at, K_NO_COMMAND);
  const len = <usize>load<u32>(p, 8);
  memory.copy(at, <usize>load<u32>(p, 4), len);
  return at + len;
}

// ---- Sockets ----------------------------------------------------------------------------------

/** Sockets written since reset(); where the last call stopped in its buffer; where its text ends. */
export let written: u32 = 0;
export let stopAt: i32 = 0;
export let outEnd: usize = 0;

export function reset(): void {
  written = 0;
}

function infoU32(at: usize, info: usize, len: i32, field: i32): usize {
  return field + 4 <= len ? decimal(at, load<u32>(info + field)) : put(at, K_NULL);
}

/** Writes `String(lo + hi * 2 ** 32)` at `at` and returns its length: what JavaScript prints for a u64 past 2^53. */
declare function numberText(lo: u32, hi: u32, at: usize): i32;

function infoU64(at: usize, info: usize, len: i32, field: i32): usize {
  if (field + 8 > len) return put(at, K_NULL);
  const n = load<u64>(info + field);
  // The decoder reads a u64 into a double: past 2^53 it prints the double's digits, not the integer's.
  if (n < 0x20000000000000) return decimal(at, n);
  return at + <usize>numberText(<u32>n, <u32>(n >> 32), at);
}

/** What socket() returns instead of an end. */
const MALFORMED: usize = 0;
const NO_ROOM: usize = 1;

/**
 * Writes the socket of the reply at `m` (its netlink header; `len` bytes, checked by the caller) at
 * `at` and returns the end, or MALFORMED, or NO_ROOM when the window cannot hold it.
 */
function socket(m: usize, len: i32, at: usize): usize {
  if (len < NLMSG_HDRLEN + DIAG_MSG.size) return MALFORMED;
  const msg = m + NLMSG_HDRLEN;
  // What DiagMessageView refuses (checkHead in src/kernel/inet-diag-codec.ts), refused here too.
  const family = <i32>load<u8>(msg + DIAG_MSG.family);
  const state = <i32>load<u8>(msg + DIAG_MSG.state);
  if ((family !== AF_INET && family !== AF_INET6) || state < STATE_MIN || state > STATE_MAX) return MALFORMED;
  if (<i32>load<u8>(msg + DIAG_MSG.timer) > TIMER_MAX) return MALFORMED;
  const end = m + <usize>len;
  let info: usize = 0;
  let infoLen: i32 = 0;
  let cgroup: usize = 0;
  // `a + 4 <= end`, not `end - a >= 4`: after an attribute whose padding passes an unaligned end,
  // the unsigned difference would wrap and the walk read past the reply.
  for (let a = msg + DIAG_MSG.size; a + 4 <= end; ) {
    const alen = <usize>load<u16>(a);
    if (alen < 4 || alen > end - a) return MALFORMED;
    const type = load<u16>(a + 2) & 0x3fff;
    if (type === INET_DIAG_INFO) {
      info = a + 4;
      infoLen = <i32>alen - 4;
    } else if (type === INET_DIAG_CGROUP_ID && alen >= 12) cgroup = a + 4;
    a += (alen + 3) & ~3;
  }
  const cg = cgroup === 0 ? K_NO_CGROUP : cgroupText(load<u64>(cgroup));
  const cgLen = <usize>(cg & 0xffffffff);
  if (at + netnsLen + cgLen + maxCommandLen + SOCKET_ROOM > OUT + OUT_SIZE) return NO_ROOM;

  at = put(at, written === 0 ? K_FIRST : K_NEXT);
  memory.copy(at, NETNS, netnsLen);
  at += netnsLen;
  const v4 = family === AF_INET;
  at = put(at, v4 ? STATE4[state] : STATE6[state]);
  at = v4 ? ipv4(at, msg + M_SRC) : ipv6(at, msg + M_SRC);
  at = decimal(put(at, K_LOCAL_PORT), bswap<u16>(load<u16>(msg + M_SPORT)));
  at = put(at, K_REMOTE_ADDRESS);
  at = v4 ? ipv4(at, msg + M_DST) : ipv6(at, msg + M_DST);
  at = decimal(put(at, K_REMOTE_PORT), bswap<u16>(load<u16>(msg + M_DPORT)));
  const iface = load<u32>(msg + M_IFACE);
  const recvQ = load<u32>(msg + DIAG_MSG.rqueue);
  const sendQ = load<u32>(msg + DIAG_MSG.wqueue);
  // Most sockets are unbound, with empty queues and no timer: those runs are one literal each.
  if ((iface | recvQ | sendQ) === 0) at = put(at, K_ZERO_QUEUES);
  else {
    at = decimal(put(at, K_IFACE), iface);
    at = decimal(put(at, K_RECV_Q), recvQ);
    at = decimal(put(at, K_SEND_Q), sendQ);
  }
  // Listeners have all-zero timestamps: their idle fields are null, as in socketFromView.
  const ilen = info === 0 ? 0 : infoLen;
  const tlen = state === STATE.LISTEN ? 0 : ilen;
  at = put(at, K_IDLE);
  if (TCP_INFO.lastDataRecv + 4 <= tlen) {
    const sent = load<u32>(info + TCP_INFO.lastDataSent);
    const recv = load<u32>(info + TCP_INFO.lastDataRecv);
    at = decimal(at, sent < recv ? sent : recv);
  } else at = put(at, K_NULL);
  at = infoU32(put(at, K_LAST_SEND), info, tlen, TCP_INFO.lastDataSent);
  at = infoU32(put(at, K_LAST_RECV), info, tlen, TCP_INFO.lastDataRecv);
  at = infoU32(put(at, K_LAST_ACK), info, tlen, TCP_INFO.lastAckRecv);
  at = put(at, K_PROBES);
  at = TCP_INFO.probes < ilen ? decimal(at, load<u8>(info + TCP_INFO.probes)) : put(at, K_NULL);
  at = deadPeer(put(at, K_DEAD_PEER), info, ilen, tlen);
  at = put(at, K_RTT);
  at = TCP_INFO.rtt + 4 <= ilen ? millis(at, load<u32>(info + TCP_INFO.rtt)) : put(at, K_NULL);
  if (
    TCP_INFO.notsentBytes + 4 <= ilen &&
    (load<u32>(info + TCP_INFO.unacked) |
      load<u8>(info + TCP_INFO.retransmits) |
      load<u32>(info + TCP_INFO.totalRetrans) |
      load<u32>(info + TCP_INFO.notsentBytes)) ===
      0
  ) {
    at = put(at, K_QUIET);
  } else {
    at = infoU32(put(at, K_UNACKED), info, ilen, TCP_INFO.unacked);
    at = put(at, K_RETRANSMITS);
    at = TCP_INFO.retransmits < ilen ? decimal(at, load<u8>(info + TCP_INFO.retransmits)) : put(at, K_NULL);
    at = infoU32(put(at, K_TOTAL_RETRANS), info, ilen, TCP_INFO.totalRetrans);
    at = infoU32(put(at, K_NOTSENT), info, ilen, TCP_INFO.notsentBytes);
  }
  at = infoU64(put(at, K_BYTES_ACKED), info, ilen, TCP_INFO.bytesAcked);
  at = infoU64(put(at, K_BYTES_RECEIVED), info, ilen, TCP_INFO.bytesReceived);
  const timer = load<u8>(msg + DIAG_MSG.timer);
  const expires = load<u32>(msg + DIAG_MSG.expires);
  if ((<u32>timer | expires) === 0) at = put(at, K_NO_TIMER);
  else {
    at = decimal(put(at, TIMER[timer]), expires);
    at = put(at, timer === TIMER_KEEPALIVE ? K_KEEPALIVE_TRUE : K_KEEPALIVE_FALSE);
  }
  const inode = load<u32>(msg + DIAG_MSG.inode);
  at = decimal(at, inode);
  at = decimal(put(at, K_COOKIE), load<u64>(msg + M_COOKIE));
  at = decimal(put(at, K_UID), load<u32>(msg + DIAG_MSG.uid));
  at = put(at, cg);
  at = ownerTail(at, inode);
  written++;
  return at;
}

/** deadPeerMs as src/model/dead-peer.ts defines it: the last ACK's age while probes or retransmitted data wait, else 0. */
function deadPeer(at: usize, info: usize, ilen: i32, tlen: i32): usize {
  if (TCP_INFO.lastAckRecv + 4 > tlen) return put(at, K_NULL);
  const lastAck = load<u32>(info + TCP_INFO.lastAckRecv);
  const probes: u32 = TCP_INFO.probes < ilen ? <u32>load<u8>(info + TCP_INFO.probes) : 0;
  if (probes > 0) return decimal(at, lastAck);
  if (TCP_INFO.unacked + 4 > ilen) return put(at, K_NULL);
  const retrans: u32 = TCP_INFO.retransmits < ilen ? <u32>load<u8>(info + TCP_INFO.retransmits) : 0;
  return decimal(at, load<u32>(info + TCP_INFO.unacked) > 0 && retrans > 0 ? lastAck : 0);
}

/** Status: the whole buffer is written; a reply that is not a socket (or is malformed) stops at stopAt; the window is full. */
export const DONE_ALL = 0;
export const STOPPED = 1;
export const FULL = 2;

/**
 * Writes the socket replies of dump `seq` in RECV[from, n) from `at`, skipping other sequences.
 * Sets stopAt and outEnd. JavaScript reads what stopped it (the dump's end, an error, a malformed
 * reply) at stopAt itself, or flushes a full window and calls again from stopAt.
 */
export function writeReplies(from: i32, n: i32, seq: u32, at: usize): i32 {
  let off = from;
  let status = DONE_ALL;
  while (off < n) {
    const m = RECV + <usize>off;
    if (n - off < NLMSG_HDRLEN) {
      status = STOPPED;
      break;
    }
    const len = <i32>load<u32>(m);
    if (len < NLMSG_HDRLEN || len > n - off) {
      status = STOPPED;
      break;
    }
    if (load<u32>(m + 8) === seq) {
      const type = load<u16>(m + 4);
      if (type === SOCK_DIAG_BY_FAMILY) {
        const end = socket(m, len, at);
        if (end <= NO_ROOM) {
          status = end === NO_ROOM ? FULL : STOPPED;
          break;
        }
        at = end;
      } else if (type === NLMSG_DONE || type === NLMSG_ERROR) {
        status = STOPPED;
        break;
      }
    }
    off += (len + 3) & ~3;
  }
  stopAt = off;
  outEnd = at;
  return status;
}

/** Writes the one socket reply at RECV + `off` (`len` bytes) from `at`: writeReplies for a single reply. */
export function writeReply(off: i32, len: i32, at: usize): i32 {
  const end = socket(RECV + <usize>off, len, at);
  outEnd = end <= NO_ROOM ? at : end;
  return end === NO_ROOM ? FULL : end === MALFORMED ? STOPPED : DONE_ALL;
}
