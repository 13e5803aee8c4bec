// The effective capabilities of this process (CapEff in /proc/self/status): tells a user without
// root why owners cannot be seen, instead of silently showing none.
import { readFileSync } from "node:fs";

/** Capability numbers from linux/capability.h. */
export const CAP = Object.freeze({ NET_ADMIN: 12, SYS_PTRACE: 19, SYS_ADMIN: 21 });

/** Whether this process has capability `cap` in its effective set (true when it cannot be told). */
export function hasCapability(cap: number, procRoot = "/proc"): boolean {
  let status: string;
  try {
    status = readFileSync(`${procRoot}/self/status`, "utf8");
  } catch {
    return true;
  }
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (hex === undefined) return true;
  return ((BigInt(`0x${hex}`) >> BigInt(cap)) & 1n) === 1n;
}
