// Resolves --netns (host, a name under /run/netns, or a path like /proc/PID/ns/net) and runs a
// synchronous function with the calling thread inside that namespace. /proc/sys/net reflects the
// namespace of the reading thread, so synchronous fs calls inside `inNetns` see the target's values.
import { closeSync, openSync, statSync } from "node:fs";
import { IdlereapError, InputError } from "../errors.js";
import { CLONE_NEWNET, setns } from "../kernel/libc.js";

export interface NetnsTarget {
  /** What the user asked for, for messages. */
  readonly label: string;
  /** Path of the namespace file, or undefined for the namespace idlereap runs in. */
  readonly path: string | undefined;
  /** True when this is the host's namespace (that of PID 1). */
  readonly isHost: boolean;
}

export function resolveNetns(spec: string | undefined): NetnsTarget {
  if (spec === undefined || spec === "" || spec === "host") {
    return { label: "host", path: undefined, isHost: isHostNs(SELF) };
  }
  const path = spec.includes("/") ? spec : `/run/netns/${spec}`;
  if (!/^[\w.@/-]+$/.test(spec)) {
    throw new InputError(
      "IDLEREAP_ERR_NETNS_NOT_FOUND",
      `--netns: ${JSON.stringify(spec)} is not a namespace name or path`,
      "netns",
    );
  }
  try {
    statSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new InputError(
        "IDLEREAP_ERR_NETNS_NOT_FOUND",
        `--netns: no network namespace at ${path}`,
        "netns",
      );
    }
    throw new IdlereapError("IDLEREAP_ERR_NETNS_ENTER", `--netns: cannot access ${path}: ${code}`);
  }
  return { label: spec, path, isHost: isHostNs(path) };
}

const SELF = "/proc/thread-self/ns/net";

function nsId(path: string): string | undefined {
  try {
    const st = statSync(path);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** The host's namespace is PID 1's; when that is hidden from us, the one idlereap runs in stands for it. */
function isHostNs(path: string): boolean {
  const host = nsId("/proc/1/ns/net") ?? nsId(SELF);
  return host !== undefined && nsId(path) === host;
}

/** Runs `fn` synchronously with the main thread in the namespace at `path` (or where it is). */
export function inNetns<R>(path: string | undefined, fn: () => R): R {
  if (path === undefined) return fn();
  let target: number;
  try {
    target = openSync(path, "r");
  } catch (err) {
    throw new IdlereapError("IDLEREAP_ERR_NETNS_ENTER", `cannot open ${path}: ${(err as Error).message}`);
  }
  const original = openSync("/proc/thread-self/ns/net", "r");
  try {
    setns(target, CLONE_NEWNET);
    try {
      return fn();
    } finally {
      setns(original, CLONE_NEWNET);
    }
  } finally {
    closeSync(original);
    closeSync(target);
  }
}

/** Arguments that run a command inside the namespace (nsenter), or the command itself. */
export function nsCommand(path: string | undefined, cmd: string, args: string[]): [string, string[]] {
  if (path === undefined) return [cmd, args];
  return ["nsenter", [`--net=${path}`, "--", cmd, ...args]];
}
