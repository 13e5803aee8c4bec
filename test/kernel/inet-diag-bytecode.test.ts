import assert from "node:assert/strict";
import { test } from "node:test";
import { cidrContains, parseAddress, parseCidr } from "../../src/kernel/address.js";
import { type Clauses, compileBytecode, runBytecode } from "../../src/kernel/inet-diag-bytecode.js";

const entries = [
  { family: 4 as const, sport: 8080, dport: 50000, src: "127.0.0.1", dst: "10.1.2.3" },
  { family: 4 as const, sport: 50001, dport: 8080, src: "10.9.9.9", dst: "127.0.0.1" },
  { family: 4 as const, sport: 22, dport: 40000, src: "192.168.1.5", dst: "192.168.1.9" },
  { family: 6 as const, sport: 443, dport: 51000, src: "::ffff:10.0.0.7", dst: "2001:db8::1" },
  { family: 6 as const, sport: 8080, dport: 52000, src: "2001:db8::5", dst: "fe80::1" },
].map((e) => ({ ...e, src: parseAddress(e.src).bytes, dst: parseAddress(e.dst).bytes }));

type Entry = (typeof entries)[number];

function direct(clauses: Clauses, e: Entry): boolean {
  return clauses.every((atoms) =>
    atoms.some((a) => {
      if ("port" in a) return a.kind === "sport" ? e.sport === a.port : e.dport === a.port;
      return cidrContains(a.cidr, a.kind === "src" ? e.src : e.dst, e.family);
    }),
  );
}

const cases: [string, Clauses][] = [
  ["empty", []],
  [
    "one port either side",
    [
      [
        { kind: "sport", port: 8080 },
        { kind: "dport", port: 8080 },
      ],
    ],
  ],
  ["local port", [[{ kind: "sport", port: 22 }]]],
  [
    "port and prefix",
    [
      [
        { kind: "sport", port: 8080 },
        { kind: "dport", port: 8080 },
      ],
      [{ kind: "src", cidr: parseCidr("127.0.0.0/8") }],
    ],
  ],
  ["v4 prefix matches v4-mapped v6", [[{ kind: "src", cidr: parseCidr("10.0.0.0/8") }]]],
  [
    "v6 prefix",
    [
      [
        { kind: "src", cidr: parseCidr("2001:db8::/32") },
        { kind: "dst", cidr: parseCidr("2001:db8::/32") },
      ],
    ],
  ],
  ["odd prefix length", [[{ kind: "dst", cidr: parseCidr("192.168.1.8/29") }]]],
  ["no match", [[{ kind: "dport", port: 1 }]]],
];

for (const [name, clauses] of cases) {
  test(`bytecode runs like the filter it came from: ${name}`, () => {
    const bc = compileBytecode(clauses);
    if (clauses.length === 0) assert.equal(bc.length, 0);
    for (const e of entries) {
      if (clauses.length === 0) continue;
      assert.equal(runBytecode(bc, e, cidrContains), direct(clauses, e), `entry ${e.sport}->${e.dport}`);
    }
  });
}

test("every jump lands on an op boundary or just past the end", () => {
  const bc = compileBytecode([
    Array.from({ length: 20 }, (_, i) => ({ kind: "sport" as const, port: 1000 + i })),
    [{ kind: "dst", cidr: parseCidr("::/0") }],
  ]);
  const boundaries = new Set<number>();
  for (let pos = 0; pos < bc.length; ) {
    boundaries.add(pos);
    const code = bc[pos] as number;
    pos += code === 1 ? 4 : code === 11 || code === 12 ? 8 : 4 + 8 + (bc[pos + 4] === 2 ? 4 : 16);
  }
  for (const pos of boundaries) {
    const yes = pos + (bc[pos + 1] as number);
    const no = pos + bc.readUInt16LE(pos + 2);
    for (const target of [yes, no]) {
      assert.ok(
        boundaries.has(target) || target === bc.length || target === bc.length + 4,
        `jump to ${target}`,
      );
    }
  }
});

test("a filter too large for 16-bit jumps is refused", () => {
  const many = Array.from({ length: 3000 }, () => ({
    kind: "src" as const,
    cidr: parseCidr("2001:db8::/64"),
  }));
  assert.throws(() => compileBytecode([many]), /too large/);
});
