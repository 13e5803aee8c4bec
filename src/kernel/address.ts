// Pure IP address helpers: format kernel byte order addresses, parse text addresses and CIDRs.
import { createRequire } from "node:module";
import { FilterError } from "../errors.js";

// node:net is loaded only when an address is parsed: every command formats addresses, few parse them,
// and loading it costs a few milliseconds at each start.
let isIP: ((text: string) => number) | undefined;

export function formatIPv4(buf: Uint8Array, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** RFC 5952 text form: lowercase, longest run of two or more zero groups as "::", v4-mapped as ::ffff:a.b.c.d. */
export function formatIPv6(buf: Uint8Array, off: number): string {
  const g: number[] = new Array(8);
  for (let i = 0; i < 8; i++) g[i] = ((buf[off + 2 * i] as number) << 8) | (buf[off + 2 * i + 1] as number);
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${formatIPv4(buf, off + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (i: number) => (g[i] as number).toString(16);
  if (bestStart < 0) return g.map((_, i) => hex(i)).join(":");
  const head: string[] = [];
  for (let i = 0; i < bestStart; i++) head.push(hex(i));
  const tail: string[] = [];
  for (let i = bestStart + bestLen; i < 8; i++) tail.push(hex(i));
  return `${head.join(":")}::${tail.join(":")}`;
}

/** Parses an IPv4 or IPv6 address to its bytes (network order). */
export function parseAddress(text: string): { family: 4 | 6; bytes: Buffer } {
  isIP ??= (createRequire(import.meta.url)("node:net") as typeof import("node:net")).isIP;
  const kind = isIP(text);
  if (kind === 4) return { family: 4, bytes: Buffer.from(text.split(".").map(Number)) };
  if (kind === 6) return { family: 6, bytes: parseIPv6(text) };
  throw new FilterError(`"${text}" is not an IPv4 or IPv6 address`);
}

function parseIPv6(text: string): Buffer {
  let s = text;
  const v4 = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [, head, a, b, c, d] = v4.map(String) as [string, string, string, string, string, string];
    s = `${head}${((+a << 8) | +b).toString(16)}:${((+c << 8) | +d).toString(16)}`;
  }
  const [left = "", right] = s.split("::");
  const groups = (part: string) => (part === "" ? [] : part.split(":").map((h) => Number.parseInt(h, 16)));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = right === undefined ? l : [...l, ...new Array<number>(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  for (const [i, v] of all.entries()) out.writeUInt16BE(v, i * 2);
  return out;
}

export interface Cidr {
  family: 4 | 6;
  bytes: Buffer;
  prefix: number;
  text: string;
}

/** Parses "10.0.0.0/8", "::1/128" or a bare address (a full-length prefix). */
export function parseCidr(text: string): Cidr {
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const { family, bytes } = parseAddress(addr);
  const max = family === 4 ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!/^\d+$/.test(prefixText) || prefix > max) {
    throw new FilterError(`"${text}": prefix must be 0..${max}`);
  }
  return { family, bytes, prefix, text };
}

/** True when `addr` (bytes, 4 or 16; v4-mapped v6 matches a v4 CIDR) lies inside `cidr`. */
export function cidrContains(cidr: Cidr, addr: Uint8Array, addrFamily: 4 | 6): boolean {
  let base = 0;
  if (cidr.family !== addrFamily) {
    if (!(cidr.family === 4 && addrFamily === 6 && isV4Mapped(addr))) return false;
    base = 12;
  }
  const full = cidr.prefix >> 3;
  for (let i = 0; i < full; i++) if (addr[base + i] !== cidr.bytes[i]) return false;
  const rest = cidr.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (((addr[base + full] as number) ^ (cidr.bytes[full] as number)) & mask) === 0;
}

function isV4Mapped(a: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (a[i] !== 0) return false;
  return a[10] === 0xff && a[11] === 0xff;
}
