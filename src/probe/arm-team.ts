// The probe's per-socket work spread over threads: the calling thread and up to a few worker threads
// each read, arm and put back a share of the sockets (probe/arming.ts). Arming is ~20 system calls
// a socket; on 10k sockets that is a few hundred milliseconds that every socket's watch waits for.
// Workers start when the team does, so that they are up by the time the scan is done; a worker
// that is not up yet gets no share, and the share of one that fails is done here.
import type { Worker } from "node:worker_threads";
import type { KeepaliveOptions } from "../kernel/keepalive-options.js";
import { startWorker } from "../util/worker-boot.js";
import { callWorker } from "../util/worker-call.js";
import {
  Arming,
  type ArmOutcome,
  type ArmTarget,
  type PutBackItem,
  type PutBackOutcome,
  type ReadOutcome,
} from "./arming.js";

export type ArmRequest =
  | { readonly id: number; readonly op: "read"; readonly targets: readonly ArmTarget[] }
  | { readonly id: number; readonly op: "arm"; readonly probing: KeepaliveOptions }
  | {
      readonly id: number;
      readonly op: "putBack";
      readonly items: readonly PutBackItem[];
      readonly probing: KeepaliveOptions | undefined;
    }
  | { readonly id: number; readonly op: "release" };

export interface ArmReply {
  readonly id: number;
  readonly read?: ReadOutcome[];
  readonly armed?: (ArmOutcome | undefined)[];
  readonly putBack?: PutBackOutcome[];
}

/** Below this many sockets a share is not worth a message round trip. */
const MIN_SHARE = 256;

export interface ArmTeamOptions {
  /** Worker threads besides the calling thread; default 0. */
  readonly threads?: number;
  /** The smallest share a worker gets; default 256. */
  readonly minShare?: number;
}
const TIMEOUT_MS = 30_000;

interface Member {
  readonly worker: Worker;
  up: boolean;
  failed: boolean;
}

/** The slice of the last read that a thread holds duplicates for (member -1: this thread). */
interface Share {
  readonly member: number;
  readonly from: number;
  readonly to: number;
}

export class ArmTeam {
  readonly #local = new Arming();
  readonly #members: Member[] = [];
  #shares: Share[] = [];
  #nextId = 1;
  #closed = false;

  readonly #minShare: number;

  /** A team of this thread and `threads` worker threads, started now. */
  constructor(options: ArmTeamOptions = {}) {
    this.#minShare = Math.max(1, options.minShare ?? MIN_SHARE);
    for (let i = 0; i < (options.threads ?? 0); i++) {
      let worker: Worker;
      try {
        worker = startWorker(import.meta.url, "arm-worker");
      } catch {
        break; // no worker threads here (the single executable): this thread does it all
      }
      const m: Member = { worker, up: false, failed: false };
      worker.once("message", () => {
        m.up = true;
      });
      worker.once("error", () => {
        m.failed = true;
      });
      worker.unref();
      this.#members.push(m);
    }
  }

  /** Duplicates each target and reads its options; the duplicates stay open until `arm`. */
  async read(targets: readonly ArmTarget[]): Promise<ReadOutcome[]> {
    // A worker says it is up through the event loop, which the caller's scan may not have let run.
    await new Promise((resolve) => setImmediate(resolve));
    this.#shares = split(targets.length, this.#ready(targets.length));
    const slice = (share: Share) => targets.slice(share.from, share.to);
    return this.#each({
      request: (share) => ({ op: "read", targets: slice(share) }),
      local: (share) => this.#local.read(slice(share)),
      reply: (r) => r.read,
      recover: (share, err) => slice(share).map(() => ({ failed: `probe thread failed: ${err}` })),
    });
  }

  /**
   * Sets `probing` on every socket read (undefined where the read failed), on the thread that read
   * it. Where a thread fails, its sockets are put back from here, from `befores`.
   */
  async arm(
    probing: KeepaliveOptions,
    befores: readonly (KeepaliveOptions | undefined)[],
    targets: readonly ArmTarget[],
  ): Promise<(ArmOutcome | undefined)[]> {
    const out = await this.#each<ArmOutcome | undefined>({
      request: () => ({ op: "arm", probing }),
      local: () => this.#local.arm(probing),
      reply: (r) => r.armed,
      recover: (share, err) => {
        const out: (ArmOutcome | undefined)[] = [];
        for (let i = share.from; i < share.to; i++) {
          const before = befores[i];
          if (before === undefined) {
            out.push(undefined);
            continue;
          }
          const [back] = this.#local.putBack([{ target: targets[i] as ArmTarget, before }], undefined);
          out.push({ failed: `probe thread failed: ${err}`, ...(back as PutBackOutcome) });
        }
        return out;
      },
    });
    this.#shares = [];
    return out;
  }

  /** Puts the items' options back, spread over the threads. */
  async putBack(
    items: readonly PutBackItem[],
    probing: KeepaliveOptions | undefined,
  ): Promise<PutBackOutcome[]> {
    this.#shares = split(items.length, this.#ready(items.length));
    const here = (share: Share) => this.#local.putBack(items.slice(share.from, share.to), probing);
    const out = await this.#each({
      request: (share) => ({ op: "putBack", items: items.slice(share.from, share.to), probing }),
      local: here,
      reply: (r) => r.putBack,
      recover: here,
    });
    this.#shares = [];
    return out;
  }

  /**
   * Releases every thread's descriptors (they belong to the process, not to the thread that opened
   * them) and stops the workers, without waiting for them to stop: they keep nothing open, and an
   * exiting process does not wait for them.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#local.release();
    await Promise.all(
      this.#members.map(async (m) => {
        if (m.up && !m.failed) {
          const release: ArmRequest = { op: "release", id: this.#nextId++ };
          await callWorker(m.worker, release, 1000, "probe").catch(() => {});
        }
        m.worker.unref();
        void m.worker.terminate();
      }),
    );
  }

  /** The members that take a share of `count` items: those up and not failed, while shares stay large. */
  #ready(count: number): number[] {
    const up = this.#members.flatMap((m, i) => (m.up && !m.failed ? [i] : []));
    return up.slice(0, Math.max(0, Math.floor(count / this.#minShare) - 1));
  }

  /** Worker threads up and working (they say so once started). */
  get workersUp(): number {
    return this.#members.filter((m) => m.up && !m.failed).length;
  }

  /**
   * Runs one step on every share and returns the outcomes in the order of the items: the workers'
   * requests are posted first, so that they work while this thread does its own share; the share of
   * a worker that fails is handled here by `recover`.
   */
  async #each<T>(step: Step<T>): Promise<T[]> {
    const calls = this.#shares.map((share): T[] | Promise<T[]> | undefined => {
      if (share.member < 0) return undefined;
      const m = this.#members[share.member] as Member;
      if (m.failed) return step.recover(share, "the thread had failed before");
      const request = { ...step.request(share), id: this.#nextId++ };
      return callWorker<ArmReply>(m.worker, request, TIMEOUT_MS, "probe").then(
        (reply) => step.reply(reply) ?? step.recover(share, "no reply"),
        (err: unknown) => {
          m.failed = true;
          void m.worker.terminate();
          return step.recover(share, err instanceof Error ? err.message : String(err));
        },
      );
    });
    const here = this.#shares.map((share) => (share.member < 0 ? step.local(share) : undefined));
    const there = await Promise.all(calls);
    return this.#shares.flatMap((_, i) => here[i] ?? there[i] ?? []);
  }
}

/** One step of the per-socket work, as each kind of thread does it. */
interface Step<T> {
  request(share: Share): Omit<ArmRequest, "id">;
  local(share: Share): T[];
  reply(reply: ArmReply): T[] | undefined;
  recover(share: Share, err: string): T[];
}

/** Contiguous, nearly equal slices of `count` items: the first for this thread, one per member. */
function split(count: number, members: readonly number[]): Share[] {
  const parts = members.length + 1;
  const shares: Share[] = [];
  for (let p = 0; p < parts; p++) {
    const from = Math.floor((count * p) / parts);
    const to = Math.floor((count * (p + 1)) / parts);
    shares.push({ member: p === 0 ? -1 : (members[p - 1] as number), from, to });
  }
  return shares;
}
