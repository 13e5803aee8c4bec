// Pure compiler of socket filters to inet_diag bytecode (INET_DIAG_REQ_BYTECODE), so the kernel
// skips non-matching sockets before it fills tcp_info. The filter is an AND of clauses, each an
// OR of atoms: exact local/remote ports and address prefixes.
import { FilterError } from "../errors.js";
import type { Cidr } from "./address.js";
import { AF_INET, AF_INET6, BC } from "./structs.js";

export type Atom = { kind: "sport" | "dport"; port: number } | { kind: "src" | "dst"; cidr: Cidr };

/** Clauses are AND-ed; atoms inside a clause are OR-ed. An empty list compiles to no bytecode. */
export type Clauses = Atom[][];

const OP = 4;

/**
 * The most ports one list may hold. A port comparison takes 12 bytes of bytecode (two ops and a
 * jump) and the kernel's jumps and the netlink attribute length are 16-bit, so a filter holds at
 * most 65531 bytes: about 5400 ports, 2700 when a port is matched on either side. Lists are
 * bounded below that so that every list accepted also compiles.
 */
export const MAX_FILTER_PORTS = 2048;
/** The largest bytecode the kernel takes (nla_len and jump offsets are u16). */
export const MAX_BYTECODE_BYTES = 0xffff - OP;

function encodeAtom(atom: Atom): Buffer {
  if ("port" in atom) {
    // A port comparison is two ops: the comparison and one carrying the port in its `no` field.
    const b = Buffer.alloc(2 * OP);
    b[0] = atom.kind === "sport" ? BC.S_EQ : BC.D_EQ;
    b.writeUInt16LE(atom.port, OP + 2);
    return b;
  }
  // struct inet_diag_hostcond: family u8, prefix_len u8, (pad), port s32, addr.
  const addrLen = atom.cidr.family === 4 ? 4 : 16;
  const b = Buffer.alloc(OP + 8 + addrLen);
  b[0] = atom.kind === "src" ? BC.S_COND : BC.D_COND;
  b[OP] = atom.cidr.family === 4 ? AF_INET : AF_INET6;
  b[OP + 1] = atom.cidr.prefix;
  b.writeInt32LE(-1, OP + 4);
  b.set(atom.cidr.bytes.subarray(0, addrLen), OP + 8);
  return b;
}

function setJumps(b: Buffer, at: number, yes: number, no: number): void {
  if (yes > 255 || no > 0xffff) {
    throw new FilterError("filter too large for the kernel's bytecode");
  }
  b[at + 1] = yes;
  b.writeUInt16LE(no, at + 2);
}

/**
 * Layout per clause: atom, JMP, atom, JMP, ..., atom. An atom that matches falls through to its
 * JMP, which jumps (16-bit offset) to the next clause; one that fails tries the next atom; the
 * last atom failing jumps past the end (len + 4), which the kernel reads as "no match".
 */
export function compileBytecode(clauses: Clauses): Buffer {
  const pieces = clauses.filter((c) => c.length > 0).map((c) => c.map(encodeAtom));
  const total = pieces.reduce(
    (n, atoms) => n + atoms.reduce((m, a) => m + a.length, 0) + OP * (atoms.length - 1),
    0,
  );
  if (total > MAX_BYTECODE_BYTES) {
    throw new FilterError(
      `filter too large for the kernel's bytecode (${total} bytes, at most ${MAX_BYTECODE_BYTES}): use fewer ports or prefixes`,
    );
  }
  const out = Buffer.alloc(total);
  let pos = 0;
  for (const atoms of pieces) {
    const clauseLen = atoms.reduce((m, a) => m + a.length, 0) + OP * (atoms.length - 1);
    const clauseEnd = pos + clauseLen;
    atoms.forEach((atom, i) => {
      out.set(atom, pos);
      const last = i === atoms.length - 1;
      setJumps(out, pos, atom.length, last ? total + OP - pos : atom.length + OP);
      pos += atom.length;
      if (!last) {
        out[pos] = BC.JMP;
        setJumps(out, pos, OP, clauseEnd - pos);
        pos += OP;
      }
    });
  }
  return out;
}

/** The kernel's interpreter (net/ipv4/inet_diag.c inet_diag_bc_run) in JS, for tests and fallbacks. */
export function runBytecode(
  bc: Buffer,
  entry: { family: 4 | 6; sport: number; dport: number; src: Uint8Array; dst: Uint8Array },
  contains: (cidr: Cidr, addr: Uint8Array, family: 4 | 6) => boolean,
): boolean {
  let pos = 0;
  let len = bc.length;
  while (len > 0) {
    const code = bc[pos] as number;
    let yes = true;
    if (code === BC.JMP) yes = false;
    else if (code === BC.S_EQ) yes = entry.sport === bc.readUInt16LE(pos + OP + 2);
    else if (code === BC.D_EQ) yes = entry.dport === bc.readUInt16LE(pos + OP + 2);
    else if (code === BC.S_COND || code === BC.D_COND) {
      const fam = bc[pos + OP] === AF_INET ? 4 : 6;
      const bytes = bc.subarray(pos + OP + 8, pos + OP + 8 + (fam === 4 ? 4 : 16));
      const cidr: Cidr = { family: fam, prefix: bc[pos + OP + 1] as number, bytes, text: "" };
      yes = contains(cidr, code === BC.S_COND ? entry.src : entry.dst, entry.family);
    }
    const step = yes ? (bc[pos + 1] as number) : bc.readUInt16LE(pos + 2);
    pos += step;
    len -= step;
  }
  return len === 0;
}
