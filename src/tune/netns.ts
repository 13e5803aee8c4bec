// The namespace a tune or firewall command targets: src/kernel/netns.ts resolves it and runs code
// inside it; this adds whether it is the host's (global keys written from elsewhere change the host)
// and the nsenter prefix that runs a tool there.
import {
  CURRENT_NETNS,
  inNetns as inKernelNetns,
  isHostNetns,
  resolveNetns as resolveKernelNetns,
} from "../kernel/netns.js";

export interface NetnsTarget {
  /** What the user asked for, for messages. */
  readonly label: string;
  /** Path of the namespace file, or undefined for the namespace idlereap runs in. */
  readonly path: string | undefined;
  /** True when this is the host's namespace (that of PID 1). */
  readonly isHost: boolean;
}

/** Resolves --netns: the current namespace (default), host, a name in /run/netns, or a path. */
export function resolveNetns(spec: string | undefined): NetnsTarget {
  const ref = resolveKernelNetns(spec ?? CURRENT_NETNS);
  return {
    label: ref.name,
    path: ref.path ?? undefined,
    isHost: isHostNetns(ref.inode),
  };
}

/** Runs `fn` synchronously with the main thread in the namespace at `path` (or where it is). */
export function inNetns<R>(path: string | undefined, fn: () => R): R {
  if (path === undefined) return fn();
  return inKernelNetns({ name: path, path, inode: 0 }, fn);
}

/** Arguments that run a command inside the namespace (nsenter), or the command itself. */
export function nsCommand(path: string | undefined, cmd: string, args: string[]): [string, string[]] {
  if (path === undefined) return [cmd, args];
  return ["nsenter", [`--net=${path}`, "--", cmd, ...args]];
}
