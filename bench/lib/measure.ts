// Small timing helpers for benchmarks: run a command several times and keep the median wall time.
import { execFileSync, spawnSync } from "node:child_process";

export function timeCommand(cmd: string, args: string[], runs = 5): { ms: number; all: number[] } {
  const all: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"], maxBuffer: 1 << 30 });
    all.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  }
  return { ms: median(all), all };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

export function inNetnsArgs(netns: string, cmd: string, args: string[]): [string, string[]] {
  return ["ip", ["netns", "exec", netns, cmd, ...args]];
}

export function output(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30 });
}

export const fmt = (ms: number) => `${ms.toFixed(1)} ms`;
export const ratio = (a: number, b: number) => (a / b).toFixed(2);
