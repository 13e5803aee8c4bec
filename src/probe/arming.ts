// The per-socket work of a liveness probe: duplicate the owner's descriptor and read
// its keepalive options, set the probing options, and later put the options back through a fresh
// duplicate and read them again: about twenty system calls a socket, kept in one place so that the
// watch in probe/liveness.ts reads as the protocol it is.
import {
  type KeepaliveOptions,
  readKeepaliveOptions,
  sameKeepaliveOptions,
  writeKeepaliveOptions,
} from "../kernel/keepalive-options.js";
import { close } from "../kernel/libc.js";
import type { TcpSocket } from "../model/tcp-socket.js";
import { Closer } from "../reap/closer.js";

/** What is needed to find a socket again: its owner's descriptor and its identity. */
export type ArmTarget = Pick<TcpSocket, "pid" | "fd" | "inode" | "cookie" | "command">;

export type ReadOutcome = { readonly before: KeepaliveOptions } | { readonly failed: string };

/**
 * `at`: when the probing options were set (performance.now()). A failed set is put back at once,
 * with what that achieved.
 */
export type ArmOutcome =
  | { readonly at: number }
  | { readonly failed: string; readonly restored: boolean; readonly reason?: string };

export interface PutBackOutcome {
  readonly restored: boolean;
  readonly reason?: string;
}

export interface PutBackItem {
  readonly target: ArmTarget;
  readonly before: KeepaliveOptions;
}

export class Arming {
  readonly #closer = new Closer(new Map());
  /** The duplicates of the last `read`, open until `arm` (-1 where the read failed). */
  #fds: number[] = [];
  #befores: (KeepaliveOptions | undefined)[] = [];

  /** Duplicates each target and reads its options; the duplicates stay open until `arm`. */
  read(targets: readonly ArmTarget[]): ReadOutcome[] {
    this.#closeHeld();
    return targets.map((t) => {
      const dup = this.#closer.duplicate(t);
      if ("result" in dup) {
        this.#hold(-1, undefined);
        return { failed: dup.detail ?? String(dup.reason ?? dup.result) };
      }
      try {
        const before = readKeepaliveOptions(dup.fd);
        this.#hold(dup.fd, before);
        return { before };
      } catch (err) {
        close(dup.fd);
        this.#hold(-1, undefined);
        return { failed: message(err) };
      }
    });
  }

  /** Sets `probing` on every socket of the last `read` (undefined where it failed) and closes the duplicates. */
  arm(probing: KeepaliveOptions): (ArmOutcome | undefined)[] {
    const out = this.#fds.map((fd, i): ArmOutcome | undefined => {
      const before = this.#befores[i];
      if (fd < 0 || before === undefined) return undefined;
      try {
        writeKeepaliveOptions(fd, probing, before);
        return { at: performance.now() };
      } catch (err) {
        return { failed: `setting the probe failed: ${message(err)}`, ...restoreOn(fd, before, undefined) };
      } finally {
        close(fd);
      }
    });
    this.#fds = [];
    this.#befores = [];
    return out;
  }

  /**
   * Puts each item's options back through a fresh duplicate and reads them again to prove it.
   * `probing` is what was set (only what differs from it is written), or undefined when unknown.
   */
  putBack(items: readonly PutBackItem[], probing: KeepaliveOptions | undefined): PutBackOutcome[] {
    return items.map(({ target, before }) => {
      const dup = this.#closer.duplicate(target);
      if ("result" in dup) {
        // A socket its owner closed (or whose descriptor now holds another) keeps nothing of ours.
        const gone = dup.reason === "gone" || dup.reason === "identity-changed";
        return gone
          ? { restored: true }
          : { restored: false, reason: `not restored: ${dup.detail ?? dup.reason}` };
      }
      try {
        return restoreOn(dup.fd, before, probing);
      } finally {
        close(dup.fd);
      }
    });
  }

  /** Closes what is still open: duplicates read and never armed, and the pidfds. */
  release(): void {
    this.#closeHeld();
    this.#closer.release();
  }

  #hold(fd: number, before: KeepaliveOptions | undefined): void {
    this.#fds.push(fd);
    this.#befores.push(before);
  }

  #closeHeld(): void {
    for (const fd of this.#fds) if (fd >= 0) close(fd);
    this.#fds = [];
    this.#befores = [];
  }
}

function restoreOn(
  fd: number,
  before: KeepaliveOptions,
  current: KeepaliveOptions | undefined,
): PutBackOutcome {
  try {
    writeKeepaliveOptions(fd, before, current);
    const after = readKeepaliveOptions(fd);
    if (sameKeepaliveOptions(before, after)) return { restored: true };
    return { restored: false, reason: `options read back differ: ${JSON.stringify(after)}` };
  } catch (err) {
    return { restored: false, reason: `not restored: ${message(err)}` };
  }
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
