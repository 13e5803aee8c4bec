// Reads and writes sysctls under an injectable /proc/sys root, per-namespace keys inside the
// target network namespace and global keys in idlereap's own (they are the same for every namespace,
// and some are visible or writable only from the host's).
import { closeSync, constants, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { inNetns, type NetnsTarget } from "./netns.js";
import { normalizeValue, sysctlSpec } from "./sysctl-catalog.js";

export const DEFAULT_PROC_SYS = "/proc/sys";

export class ProcSys {
  readonly root: string;
  readonly netns: NetnsTarget;

  constructor(root: string, netns: NetnsTarget) {
    this.root = root;
    this.netns = netns;
  }

  /** File path of a dotted key under the root. */
  pathOf(key: string): string {
    return join(this.root, ...key.split("."));
  }

  /** Reads keys; a key that does not exist (or cannot be read) maps to undefined. */
  readMany(keys: readonly string[]): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    const [local, global] = split(keys);
    inNetns(this.netns.path, () => {
      for (const k of local) out.set(k, this.readOne(k));
    });
    for (const k of global) out.set(k, this.readOne(k));
    return new Map(keys.map((k) => [k, out.get(k)]));
  }

  read(key: string): string | undefined {
    return this.readMany([key]).get(key);
  }

  /** Writes one key; throws the fs error (errno code) when the kernel refuses. */
  write(key: string, value: string): void {
    // O_TRUNC without O_CREAT: an unknown key fails with ENOENT, as in /proc/sys, on a test tree too.
    const flag = constants.O_WRONLY | constants.O_TRUNC;
    const run = () => {
      const fd = openSync(this.pathOf(key), flag);
      try {
        writeSync(fd, `${value}\n`);
      } finally {
        closeSync(fd);
      }
    };
    if (isGlobal(key)) run();
    else inNetns(this.netns.path, run);
  }

  private readOne(key: string): string | undefined {
    try {
      return normalizeValue(readFileSync(this.pathOf(key), "utf8"));
    } catch {
      return undefined;
    }
  }
}

export function isGlobal(key: string): boolean {
  return sysctlSpec(key)?.scope === "global";
}

function split(keys: readonly string[]): [string[], string[]] {
  const local: string[] = [];
  const global: string[] = [];
  for (const k of keys) (isGlobal(k) ? global : local).push(k);
  return [local, global];
}
