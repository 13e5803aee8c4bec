// Network namespaces: resolve "current" (where the command runs, the default), "host" (PID 1's), a
// name in /run/netns or a path such as /proc/PID/ns/net, and run synchronous code inside one.
// setns() moves only the calling thread, so the switch, the work and the switch back happen in one
// synchronous call on the main thread.
import { closeSync, openSync, readdirSync, readlinkSync, statfsSync, statSync } from "node:fs";
import { ERRNO, IdlereapError, NetnsNotFoundError, PermissionError, SyscallError } from "../errors.js";
import { CLONE_NEWNET, setns } from "./libc.js";

export interface NetnsRef {
  /** How idlereap names it: its /run/netns name, "host", "current", or the path it was given. */
  readonly name: string;
  /** A path usable with setns(), or null for the namespace this process already runs in. */
  readonly path: string | null;
  readonly inode: number;
}

export const NETNS_RUN_DIR = "/run/netns";
/** The spec every command defaults to: the namespace the command runs in, as `ss` and `nft` do. */
export const CURRENT_NETNS = "current";
const HOST_NETNS_PATH = "/proc/1/ns/net";
const NSFS_MAGIC = 0x6e736673;

export function ownNetnsInode(): number {
  return statSync("/proc/thread-self/ns/net").ino;
}

/** Resolves a user's --netns value ("current", "host", NAME, or PATH) to a namespace reference. */
export function resolveNetns(spec: string): NetnsRef {
  if (spec === CURRENT_NETNS) return currentNetns();
  if (spec === "host") return hostNetns();
  if (spec.trim() === "") {
    throw new NetnsNotFoundError(
      'network namespace "" is empty: name one, or leave --netns out for the current namespace',
    );
  }
  const path = spec.includes("/") ? spec : `${NETNS_RUN_DIR}/${spec}`;
  const inode = netnsInodeAt(path, spec);
  return { name: spec, path: inode === ownNetnsInode() ? null : path, inode };
}

/** The namespace this process runs in, named after its /run/netns name when it has one. */
export function currentNetns(): NetnsRef {
  const inode = ownNetnsInode();
  return { name: nameOfCurrent(inode), path: null, inode };
}

/**
 * PID 1's namespace. When /proc/1/ns/net cannot be read (a container, a restricted root) the host
 * cannot be told apart from the current namespace, so naming it explicitly is refused rather than
 * quietly meaning the current one.
 */
function hostNetns(): NetnsRef {
  let inode: number;
  try {
    inode = statSync(HOST_NETNS_PATH).ino;
  } catch (err) {
    throw new IdlereapError(
      "IDLEREAP_ERR_PERMISSION",
      `--netns host: cannot read ${HOST_NETNS_PATH} (${(err as NodeJS.ErrnoException).code ?? String(err)}), so the host's namespace cannot be identified from here; leave --netns out for the namespace this command runs in, or name the namespace`,
      { cause: err },
    );
  }
  return { name: "host", path: inode === ownNetnsInode() ? null : HOST_NETNS_PATH, inode };
}

/**
 * Whether `ref` is PID 1's namespace. Where PID 1's cannot be read, the namespace this process runs
 * in is taken for the host's (what a process that sees no other can assume).
 */
export function isHostNetns(ref: Pick<NetnsRef, "inode">): boolean {
  try {
    return statSync(HOST_NETNS_PATH).ino === ref.inode;
  } catch {
    return ref.inode === ownNetnsInode();
  }
}

function nameOfCurrent(inode: number): string {
  try {
    for (const name of readdirSync(NETNS_RUN_DIR).sort()) {
      try {
        if (statSync(`${NETNS_RUN_DIR}/${name}`).ino === inode) return name;
      } catch {}
    }
  } catch {}
  return isHostNetns({ inode }) ? "host" : CURRENT_NETNS;
}

/** The inode of a network namespace file; refuses paths that are not one (setns would say EINVAL). */
function netnsInodeAt(path: string, spec: string): number {
  let inode: number;
  try {
    inode = statSync(path).ino;
  } catch {
    throw new NetnsNotFoundError(
      `network namespace "${spec}" not found (looked at ${path}; see \`ip netns list\`)`,
    );
  }
  if (!isNetnsFile(path)) {
    throw new NetnsNotFoundError(
      `"${spec}" is not a network namespace (${path} is not a namespace file; see \`ip netns list\`)`,
    );
  }
  return inode;
}

function isNetnsFile(path: string): boolean {
  try {
    if (statfsSync(path).type !== NSFS_MAGIC) return false;
  } catch {
    return false;
  }
  try {
    return readlinkSync(path).startsWith("net:[");
  } catch {
    return true; // a bind mount such as /run/netns/NAME: nsfs, and not a link
  }
}

/** Runs `fn` with the calling thread inside `ns`, then switches back, even when `fn` throws. */
export function inNetns<T>(ns: NetnsRef, fn: () => T): T {
  if (ns.path === null) return fn();
  let target: number;
  try {
    target = openSync(ns.path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EACCES" || code === "EPERM") {
      throw new PermissionError(`cannot open network namespace ${ns.name} (${ns.path})`, { cause: err });
    }
    throw new NetnsNotFoundError(`network namespace ${ns.name} is gone (${ns.path})`, { cause: err });
  }
  const self = openSync("/proc/thread-self/ns/net", "r");
  try {
    try {
      setns(target, CLONE_NEWNET);
    } catch (err) {
      throw enterError(ns, err);
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

/** Why setns failed, in the user's terms: no privilege, not a namespace (bad input), or other. */
function enterError(ns: NetnsRef, err: unknown): IdlereapError {
  const what = `cannot enter network namespace ${ns.name}`;
  const errno = err instanceof SyscallError ? err.errno : undefined;
  if (errno === ERRNO.EPERM || errno === ERRNO.EACCES) return new PermissionError(what, { cause: err });
  if (errno === ERRNO.EINVAL) {
    return new NetnsNotFoundError(`${what}: ${ns.path} is not a network namespace (setns: EINVAL)`, {
      cause: err,
    });
  }
  return new IdlereapError("IDLEREAP_ERR_NETNS_ENTER", `${what}: ${String(err)}`, { cause: err });
}
