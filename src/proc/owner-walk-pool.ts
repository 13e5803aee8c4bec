// The owner walk on worker threads, so that it runs while the caller dumps sockets (`status`). The
// walk is one readlinkat per descriptor, mostly kernel time; whether splitting one walk over two
// threads pays depends on the machine (bench/owners.ts, 2 cores: 0.60x the one-thread time on one,
// 1.77x on a slower one, where replaying the replies cost more). Starting a thread costs a new Node
// environment (~150 ms of CPU on the slower machine), so a walk of few descriptors stays on the
// calling thread. A thread that fails or hangs never fails the scan: the walk is redone on the
// calling thread.
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../util/worker-boot.js";
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
  /** Worker threads; default min(2, available cores). 0 walks on the calling thread. */
  readonly threads?: number;
  /** A thread that has not answered in this many ms is replaced; default 30000. */
  readonly timeoutMs?: number;
  /** Walks of fewer descriptors than this, in all, stay on the calling thread; default 32768. */
  readonly minDescriptors?: number;
}

export class OwnerWalkPool {
  readonly #workers: (Worker | undefined)[] = [];
  readonly #threads: number;
  readonly #timeoutMs: number;
  readonly #minDescriptors: number;
  #nextId = 1;

  constructor(options: OwnerWalkPoolOptions = {}) {
    this.#threads = Math.max(0, options.threads ?? Math.min(2, availableParallelism()));
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#minDescriptors = options.minDescriptors ?? 32_768;
  }

  get threads(): number {
    return this.#threads;
  }

  /** Threads running now (they start with the first walk that needs them). */
  get running(): number {
    return this.#workers.filter((w) => w !== undefined).length;
  }

  /** Same result as findSocketOwners; a predicate `wanted` cannot cross threads and walks here. */
  async find(options: SocketOwnerOptions = {}): Promise<SocketOwnerMap> {
    if (this.#threads === 0 || typeof options.wanted === "function") return findSocketOwners(options);
    try {
      return await this.#findThreaded(options, options.wanted);
    } catch {
      return findSocketOwners(options);
    }
  }

  async #findThreaded(
    options: SocketOwnerOptions,
    set: ReadonlySet<number> | undefined,
  ): Promise<SocketOwnerMap> {
    const started = performance.now();
    const procRoot = options.procRoot ?? "/proc";
    const { pids, otherNetns } = selectPids(procRoot, options);
    const weighted = weigh(procRoot, pids);
    if (weighted.reduce((sum, w) => sum + w.fds, 0) < this.#minDescriptors) {
      return findSocketOwners(options);
    }
    const shares = balance(weighted, this.#threads);
    const wanted = set === undefined ? undefined : Float64Array.from(set);
    const asks = shares.map((share, i) => this.#ask(i, { procRoot, pids: share, wanted }));
    const replies = await Promise.all(asks);
    const builder = new OwnerMapBuilder(set);
    const stats = { walked: 0, otherNetns, unreadable: 0, links: 0, stopped: false };
    for (const reply of replies) replayReply(builder, stats, reply);
    return builder.finish(procRoot, stats, started);
  }

  async close(): Promise<void> {
    await Promise.all(this.#workers.splice(0).map((w) => w?.terminate()));
  }

  #ask(index: number, req: Omit<WalkRequest, "id">): Promise<WalkReply> {
    const worker = this.#worker(index);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        worker.off("message", onMessage).off("error", onFailure).off("exit", onFailure);
        worker.unref();
      };
      const onMessage = (reply: WalkReply): void => {
        if (reply.id !== id) return;
        done();
        resolve(reply);
      };
      const onFailure = (err: unknown): void => {
        done();
        this.#discard(index, worker);
        reject(err instanceof Error ? err : new Error(`owner walk thread exited (${String(err)})`));
      };
      const timer = setTimeout(() => onFailure(new Error("owner walk thread timed out")), this.#timeoutMs);
      worker.on("message", onMessage).once("error", onFailure).once("exit", onFailure);
      worker.ref();
      worker.postMessage({ ...req, id });
    });
  }

  #discard(index: number, worker: Worker): void {
    if (this.#workers[index] === worker) this.#workers[index] = undefined;
    void worker.terminate();
  }

  #worker(index: number): Worker {
    let worker = this.#workers[index];
    if (worker === undefined) {
      worker = startWorker(import.meta.url, "owner-walk-worker");
      worker.unref();
      this.#workers[index] = worker;
    }
    return worker;
  }
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

/** Each pid with its descriptor count (from the size of its fd directory, without listing it). */
function weigh(procRoot: string, pids: number[]): { pid: number; fds: number }[] {
  const procfs = isProcfs(procRoot);
  return pids.map((pid) => ({ pid, fds: fdDirSize(`${procRoot}/${pid}/fd`, procfs) ?? 0 }));
}

/** Splits pids into `parts` lists of about equal descriptor counts (largest first, to the lightest). */
function balance(weighted: { pid: number; fds: number }[], parts: number): number[][] {
  const sorted = [...weighted].sort((a, b) => b.fds - a.fds);
  const shares = Array.from({ length: parts }, () => ({ pids: [] as number[], load: 0 }));
  for (const { pid, fds } of sorted) {
    const lightest = shares.reduce((a, b) => (b.load < a.load ? b : a));
    lightest.pids.push(pid);
    lightest.load += fds + 1;
  }
  return shares.map((s) => s.pids.sort((a, b) => a - b));
}
