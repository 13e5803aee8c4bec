// The processes listed under /proc, in ascending pid order.
import { readdirSync } from "node:fs";
import { parseDecimalName } from "./parse.js";

/** Pids of the processes (thread-group leaders) under `procRoot`, ascending; empty when unreadable. */
export function listPids(procRoot = "/proc"): number[] {
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const name of names) {
    const pid = parseDecimalName(name);
    if (pid > 0) pids.push(pid);
  }
  return pids.sort((a, b) => a - b);
}
