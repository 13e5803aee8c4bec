// The sysctls of the namespace a tune command targets, through the one sysctl layer
// (src/proc/sysctl.ts): per-namespace keys inside the target network namespace, global keys in
// idlereap's own (they are the same for every namespace, and some are visible or writable only
// from the host's). A key is global until the catalog says it is per namespace.
import { inNetns, isHostNetns, type NetnsRef } from "../kernel/netns.js";
import { PROC_SYS, readSysctlValue, sysctlFile, writeSysctl } from "../proc/sysctl.js";
import { sysctlSpec } from "./sysctl-catalog.js";

export const DEFAULT_PROC_SYS = PROC_SYS;

export class ProcSys {
  /** The /proc/sys root (a test tree in tests). */
  readonly root: string;
  readonly netns: NetnsRef;
  /** True when the target is the host's namespace. */
  readonly isHost: boolean;

  constructor(root: string, netns: NetnsRef, isHost = isHostNetns(netns)) {
    this.root = root;
    this.netns = netns;
    this.isHost = isHost;
  }

  /** File path of a dotted key under the root. */
  pathOf(key: string): string {
    return sysctlFile(key, this.root);
  }

  /** Reads keys; a key that does not exist (or cannot be read) maps to undefined. */
  readMany(keys: readonly string[]): Map<string, string | undefined> {
    const out = new Map<string, string | undefined>();
    const [local, global] = split(keys);
    inNetns(this.netns, () => {
      for (const k of local) out.set(k, readSysctlValue(k, this.root));
    });
    for (const k of global) out.set(k, readSysctlValue(k, this.root));
    return new Map(keys.map((k) => [k, out.get(k)]));
  }

  read(key: string): string | undefined {
    return this.readMany([key]).get(key);
  }

  /** Writes one key; throws the fs error (errno code) when the kernel refuses. */
  write(key: string, value: string): void {
    if (isGlobal(key)) writeSysctl(key, value, this.root);
    else inNetns(this.netns, () => writeSysctl(key, value, this.root));
  }
}

/** Global unless the catalog knows the key as per namespace: writing a global key changes the host. */
export function isGlobal(key: string): boolean {
  return sysctlSpec(key)?.scope !== "netns";
}

function split(keys: readonly string[]): [string[], string[]] {
  const local: string[] = [];
  const global: string[] = [];
  for (const k of keys) (isGlobal(k) ? global : local).push(k);
  return [local, global];
}
