// cgroup v2 id → path. The kernel reports a socket's cgroup as an id (INET_DIAG_CGROUP_ID), which is
// the inode of the cgroup's directory; this index maps ids back to paths by walking the hierarchy.
import { type Dirent, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { parseProcCgroup } from "./parse.js";

export { type CgroupDescription, describeCgroup } from "./describe-cgroup.js";

/** Directories visited per walk at most, so a runaway hierarchy cannot stall a scan. */
const MAX_CGROUPS = 200_000;

/**
 * The cgroup v2 mount under `sysRoot`: /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a
 * hybrid one; undefined when there is none.
 */
export function cgroup2Root(sysRoot = "/sys"): string | undefined {
  for (const dir of [`${sysRoot}/fs/cgroup`, `${sysRoot}/fs/cgroup/unified`]) {
    if (existsSync(`${dir}/cgroup.controllers`)) return dir;
  }
  return undefined;
}

/** Walks the hierarchy under `root` once: directory inode → path relative to it ("/" for the root). */
export function walkCgroups(root: string, limit = MAX_CGROUPS): Map<number, string> {
  const index = new Map<number, string>();
  const rootIno = statIno(root);
  if (rootIno === undefined) return index;
  index.set(rootIno, "/");
  const queue: string[] = [""];
  for (let i = 0; i < queue.length && index.size < limit; i++) {
    const rel = queue[i] as string;
    for (const entry of listDirs(`${root}${rel}`)) {
      const child = `${rel}/${entry.name}`;
      const ino = statIno(`${root}${child}`);
      if (ino === undefined) continue;
      index.set(ino, child);
      queue.push(child);
    }
  }
  return index;
}

function listDirs(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  } catch {
    return [];
  }
}

function statIno(path: string): number | undefined {
  try {
    return statSync(path).ino;
  } catch {
    return undefined;
  }
}

export interface CgroupIndexOptions {
  readonly sysRoot?: string;
}

/**
 * A lazy, cached id → path index. An unknown id triggers one re-walk (a cgroup created since), at most
 * once per scan: call `beginScan()` at the start of each scan to allow the next one.
 */
export class CgroupIndex {
  readonly #sysRoot: string;
  #paths: Map<number, string> | undefined;
  #mayRefresh = true;

  constructor(options: CgroupIndexOptions = {}) {
    this.#sysRoot = options.sysRoot ?? "/sys";
  }

  beginScan(): void {
    this.#mayRefresh = true;
  }

  /** The path of cgroup `id` relative to the v2 mount ("/system.slice/nginx.service"), if known. */
  pathOf(id: number | bigint): string | undefined {
    const key = Number(id);
    const found = this.#load().get(key);
    if (found !== undefined || !this.#mayRefresh) return found;
    this.#refresh();
    return this.#load().get(key);
  }

  /** Number of cgroups indexed. */
  get size(): number {
    return this.#load().size;
  }

  #load(): Map<number, string> {
    if (this.#paths === undefined) this.#refresh();
    return this.#paths as Map<number, string>;
  }

  #refresh(): void {
    this.#mayRefresh = false;
    const root = cgroup2Root(this.#sysRoot);
    this.#paths = root === undefined ? new Map() : walkCgroups(root);
  }
}

/** The cgroup v2 path of a process (from /proc/PID/cgroup), or undefined when gone or on v1 only. */
export function processCgroupPath(pid: number | "self", procRoot = "/proc"): string | undefined {
  try {
    return parseProcCgroup(readFileSync(`${procRoot}/${pid}/cgroup`, "utf8"));
  } catch {
    return undefined;
  }
}

/** The id (directory inode) of a cgroup path such as processCgroupPath returns. */
export function cgroupIdOf(path: string, sysRoot = "/sys"): number | undefined {
  const root = cgroup2Root(sysRoot);
  return root === undefined ? undefined : statIno(`${root}${path === "/" ? "" : path}`);
}

/** A process's cgroup v2 path and id (what INET_DIAG_CGROUP_ID reports for its sockets). */
export function processCgroup(
  pid: number | "self",
  roots: { procRoot?: string; sysRoot?: string } = {},
): { path: string; id: number | undefined } | undefined {
  const path = processCgroupPath(pid, roots.procRoot);
  return path === undefined ? undefined : { path, id: cgroupIdOf(path, roots.sysRoot) };
}
