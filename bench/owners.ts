// Owner attribution benchmark: the /proc walk of findSocketOwners against `ss -tanp` (which walks
// /proc too) and `ss -tan` (no owners), on a farm of idle loopback connections in a throwaway
// namespace. Run: npx tsx bench/owners.ts [connections=50000] [processes=6] [rounds=5]
import { execFileSync } from "node:child_process";
import { netnsInodeOf } from "../src/proc/netns-inventory.js";
import { OwnerWalkPool } from "../src/proc/owner-walk-pool.js";
import { findSocketOwners } from "../src/proc/socket-owners.js";
import { withNetns } from "../test/helpers/netns.js";
import { buildFarm } from "./lib/farm.js";

// Ctrl-C still runs the exit hooks that delete the namespace and stop the farm.
process.once("SIGINT", () => process.exit(130));

const connections = Number(process.argv[2] ?? 50_000);
const processes = Number(process.argv[3] ?? 6);
const rounds = Number(process.argv[4] ?? 5);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function time(fn: () => void, n = rounds): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

function ss(netns: string, args: string[]): string {
  // stderr dropped: ss -e complains once per socket on hosts without a unified cgroup2 mount.
  return execFileSync("ip", ["netns", "exec", netns, "ss", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 28,
    stdio: ["ignore", "pipe", "ignore"],
  });
}

function report(label: string, ms: number[], base?: number): void {
  const m = median(ms);
  const ratio = base === undefined ? "" : `  ${(m / base).toFixed(2)}x walk`;
  console.log(
    `${label.padEnd(44)} median ${m.toFixed(1).padStart(7)} ms  min ${Math.min(...ms).toFixed(1)} ms${ratio}`,
  );
}

await withNetns(async (ns) => {
  const t0 = performance.now();
  const farm = await buildFarm({ connections, processes, netns: ns.name, timeoutMs: 120_000 });
  const built = (performance.now() - t0).toFixed(0);
  console.log(`farm: ${farm.sockets} sockets in ${farm.pids.length} processes, built in ${built} ms`);
  try {
    await measure(ns.name, farm.pids[0] as number);
  } finally {
    await farm.close();
  }
});

async function measure(netns: string, farmPid: number): Promise<void> {
  const inodes = [...ss(netns, ["-tanHe"]).matchAll(/ino:(\d+)/g)].map((m) => Number(m[1]));
  const netnsInode = netnsInodeOf(farmPid);
  if (netnsInode === undefined) throw new Error("cannot read the farm's network namespace");
  const all = new Set(inodes);
  const some = new Set(inodes.filter((_, i) => i % 100 === 0));
  const found = findSocketOwners({ netnsInode }).owners.size;
  console.log(`owner walk finds ${found} sockets; ss lists ${inodes.length} in the namespace`);
  const walk = time(() => findSocketOwners({ netnsInode }));
  const base = median(walk);
  report("walk, every process of the namespace", walk, base);
  report(
    "walk, wanted = every socket",
    time(() => findSocketOwners({ wanted: all, netnsInode })),
    base,
  );
  report(
    `walk, wanted = ${some.size} sockets (1%)`,
    time(() => findSocketOwners({ wanted: some, netnsInode })),
    base,
  );
  report(
    "walk, whole host (no netns filter)",
    time(() => findSocketOwners()),
    base,
  );
  const pool = new OwnerWalkPool({ threads: 2 });
  try {
    await pool.find({ netnsInode }); // starts the threads
    report("walk on 2 threads (OwnerWalkPool)", await timeAsync(() => pool.find({ netnsInode })), base);
  } finally {
    await pool.close();
  }
  const ipBase = median(time(() => execFileSync("ip", ["netns", "exec", netns, "true"])));
  report(
    "ss -tanp (owners)",
    time(() => ss(netns, ["-tanp"]), 2),
    base,
  );
  report(
    "ss -tan (no owners)",
    time(() => ss(netns, ["-tan"])),
    base,
  );
  console.log(`(ss figures include ~${ipBase.toFixed(1)} ms for ip netns exec)`);
}
