// The owner walk spread over worker threads. The walk is one readlink per descriptor, all kernel time,
// so on a multi-core host threads that walk different processes cut the wall time nearly by their
// number. Meant for a daemon that scans repeatedly: starting the threads costs tens of milliseconds.
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { fdDirSize, isProcfs } from "./fd-count.js";
import { netnsInodeOf } from "./netns-inode.js";
import { replayReply, type WalkReply, type WalkRequest } from "./owner-walk-wire.js";
import { listPids } from "./pids.js";
import {
  findSocketOwners,
  OwnerMapBuilder,
  type SocketOwnerMap,
  type SocketOwnerOptions,
} from "./socket-owners.js";

export interface OwnerWalkPoolOptions {
  /** Worker threads; default min(2, available cores). 1 walks on the calling thread. */
  readonly threads?: number;
}

// Worker entry: from dist it is the compiled .js; from sources (tests, benchmarks under tsx) the
// thread registers tsx first, which it does not inherit from the parent.
const BOOT = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.loader) (await import(workerData.loader)).register();
  await import(workerData.entry);
})();`;

export class OwnerWalkPool {
  readonly #workers: (Worker | undefined)[] = [];
  readonly #threads: number;
  #nextId = 1;

  constructor(options: OwnerWalkPoolOptions = {}) {
    this.#threads = Math.max(1, options.threads ?? Math.min(2, availableParallelism()));
  }

  get threads(): number {
    return this.#threads;
  }

  /** Same result as findSocketOwners; a predicate `wanted` cannot cross threads and walks here. */
  async find(options: SocketOwnerOptions = {}): Promise<SocketOwnerMap> {
    if (this.#threads === 1 || typeof options.wanted === "function") return findSocketOwners(options);
    const started = performance.now();
    const procRoot = options.procRoot ?? "/proc";
    const { pids, otherNetns } = selectPids(procRoot, options);
    const shares = balance(procRoot, pids, this.#threads);
    const wanted = options.wanted === undefined ? undefined : Float64Array.from(options.wanted);
    const replies = await Promise.all(
      shares.map((share, i) => this.#ask(i, { procRoot, pids: share, wanted })),
    );
    const builder = new OwnerMapBuilder(options.wanted);
    const stats = { walked: 0, otherNetns, unreadable: 0, links: 0, stopped: false };
    for (const reply of replies) replayReply(builder, stats, reply);
    const { stopped: _, ...rest } = stats;
    return builder.finish(procRoot, rest, started);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.splice(0).map((w) => w?.terminate()));
  }

  #ask(index: number, req: Omit<WalkRequest, "id">): Promise<WalkReply> {
    const worker = this.#worker(index);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const onMessage = (reply: WalkReply): void => {
        if (reply.id !== id) return;
        worker.off("message", onMessage).off("error", onError);
        worker.unref();
        resolve(reply);
      };
      const onError = (err: Error): void => {
        worker.off("message", onMessage);
        if (this.#workers[index] === worker) this.#workers[index] = undefined;
        reject(err);
      };
      worker.on("message", onMessage).once("error", onError);
      worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  #worker(index: number): Worker {
    let worker = this.#workers[index];
    if (worker === undefined) {
      worker = new Worker(BOOT, { eval: true, workerData: workerEntry() });
      worker.unref();
      this.#workers[index] = worker;
    }
    return worker;
  }
}

function workerEntry(): { entry: string; loader: string | undefined } {
  const fromSource = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSource ? "./owner-walk-worker.ts" : "./owner-walk-worker.js", import.meta.url)
    .href;
  return { entry, loader: fromSource ? import.meta.resolve("tsx/esm/api") : undefined };
}

function selectPids(procRoot: string, options: SocketOwnerOptions): { pids: number[]; otherNetns: number } {
  const all = options.pids ? [...options.pids] : listPids(procRoot);
  if (options.netnsInode === undefined) return { pids: all, otherNetns: 0 };
  const pids = all.filter((pid) => {
    const ino = netnsInodeOf(pid, procRoot);
    return ino === undefined || ino === options.netnsInode;
  });
  return { pids, otherNetns: all.length - pids.length };
}

/** Splits pids into `parts` lists of about equal descriptor counts (largest first, to the lightest). */
function balance(procRoot: string, pids: number[], parts: number): number[][] {
  const procfs = isProcfs(procRoot);
  const weighted = pids.map((pid) => ({ pid, fds: fdDirSize(`${procRoot}/${pid}/fd`, procfs) ?? 0 }));
  weighted.sort((a, b) => b.fds - a.fds);
  const shares = Array.from({ length: parts }, () => ({ pids: [] as number[], load: 0 }));
  for (const { pid, fds } of weighted) {
    const lightest = shares.reduce((a, b) => (b.load < a.load ? b : a));
    lightest.pids.push(pid);
    lightest.load += fds + 1;
  }
  return shares.map((s) => s.pids.sort((a, b) => a - b));
}
