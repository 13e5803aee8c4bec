// Network namespaces: resolve "host", a name in /run/netns or a path such as /proc/PID/ns/net, and
// run synchronous code inside one. setns() moves only the calling thread, so the switch, the work
// and the switch back happen in one synchronous call on the main thread.
import { closeSync, openSync, statSync } from "node:fs";
import { IdlereapError, NetnsNotFoundError } from "../errors.js";
import { CLONE_NEWNET, setns } from "./libc.js";

export interface NetnsRef {
  /** How idlereap names it: "host", the /run/netns name, or the path it was given. */
  readonly name: string;
  /** A path usable with setns(), or null for the namespace this process already runs in. */
  readonly path: string | null;
  readonly inode: number;
}

export const NETNS_RUN_DIR = "/run/netns";

export function ownNetnsInode(): number {
  return statSync("/proc/thread-self/ns/net").ino;
}

/** Resolves a user's --netns value ("host", NAME, or PATH) to a namespace reference. */
export function resolveNetns(spec: string): NetnsRef {
  if (spec === "host" || spec === "") {
    const own = ownNetnsInode();
    let hostInode = own;
    try {
      hostInode = statSync("/proc/1/ns/net").ino;
    } catch {}
    return { name: "host", path: hostInode === own ? null : "/proc/1/ns/net", inode: hostInode };
  }
  const path = spec.includes("/") ? spec : `${NETNS_RUN_DIR}/${spec}`;
  let inode: number;
  try {
    inode = statSync(path).ino;
  } catch {
    throw new NetnsNotFoundError(
      `network namespace "${spec}" not found (looked at ${path}; see \`ip netns list\`)`,
    );
  }
  const path2 = inode === ownNetnsInode() ? null : path;
  return { name: spec, path: path2, inode };
}

/** Runs `fn` with the calling thread inside `ns`, then switches back, even when `fn` throws. */
export function inNetns<T>(ns: NetnsRef, fn: () => T): T {
  if (ns.path === null) return fn();
  let target: number;
  try {
    target = openSync(ns.path, "r");
  } catch (err) {
    throw new NetnsNotFoundError(`network namespace ${ns.name} is gone (${ns.path})`, { cause: err });
  }
  const self = openSync("/proc/thread-self/ns/net", "r");
  try {
    try {
      setns(target, CLONE_NEWNET);
    } catch (err) {
      throw new IdlereapError(
        "IDLEREAP_ERR_NETNS_ENTER",
        `cannot enter network namespace ${ns.name}: ${String(err)}`,
        {
          cause: err,
        },
      );
    }
    try {
      return fn();
    } finally {
      setns(self, CLONE_NEWNET);
    }
  } finally {
    closeSync(target);
    closeSync(self);
  }
}
