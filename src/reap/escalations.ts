// Graceful closes waiting out their grace period. When it ends, one dump per namespace tells which
// sockets a process still holds; those are aborted ("escalated"), the rest closed on their own.
// A socket that left the kernel's table while its owner still has the descriptor (a CLOSE_WAIT
// socket the application never closes) is "closed-held": freed as a connection, not as a descriptor.
import { holdsSocket } from "../proc/held-descriptor.js";
import type { Closer } from "./closer.js";
import type { Outcome } from "./outcome.js";

interface Pending {
  outcome: Outcome;
  deadline: number;
  /** Grace 0 ("never abort"): only tell closed-and-released from closed-held, never escalate. */
  checkOnly?: boolean;
}

/** With no grace period, how long after the FIN the descriptor check runs (ends early once released). */
export const CHECK_ONLY_MS = 1000;

export class Escalations {
  private pending: Pending[] = [];

  get size(): number {
    return this.pending.length;
  }

  add(outcome: Outcome, graceMs: number, now = Date.now()): void {
    if (graceMs > 0) this.pending.push({ outcome, deadline: now + graceMs });
    else this.pending.push({ outcome, deadline: now + CHECK_ONLY_MS, checkOnly: true });
  }

  /** The earliest deadline, or undefined when nothing waits. */
  nextDeadline(): number | undefined {
    let min: number | undefined;
    for (const p of this.pending) if (min === undefined || p.deadline < min) min = p.deadline;
    return min;
  }

  /** Forgets the entries whose owner has closed the socket already (so a caller can stop waiting early). */
  dropReleased(closer: Closer): void {
    const byNetns = new Map<string, Set<string>>();
    for (const p of this.pending) {
      const set = byNetns.get(p.outcome.socket.netns) ?? new Set<string>();
      set.add(p.outcome.socket.cookie);
      byNetns.set(p.outcome.socket.netns, set);
    }
    const held = new Map<string, Set<string>>();
    for (const [netns, cookies] of byNetns) {
      try {
        held.set(netns, closer.stillHeld(netns, cookies));
      } catch {
        held.set(netns, new Set());
      }
    }
    this.pending = this.pending.filter(
      (p) => held.get(p.outcome.socket.netns)?.has(p.outcome.socket.cookie) || descriptorHeld(p.outcome),
    );
  }

  /**
   * Checks every entry whose deadline has passed and aborts the sockets still held. Returns the
   * outcomes that changed (result "escalated", or "failed" when the abort failed).
   */
  run(closer: Closer, now = Date.now()): Outcome[] {
    const due = new Map<string, Pending[]>();
    const waiting: Pending[] = [];
    for (const p of this.pending) {
      if (p.deadline > now) {
        waiting.push(p);
        continue;
      }
      const list = due.get(p.outcome.socket.netns) ?? [];
      list.push(p);
      due.set(p.outcome.socket.netns, list);
    }
    this.pending = waiting;
    const changed: Outcome[] = [];
    for (const [netns, list] of due) {
      let held: Set<string>;
      try {
        held = closer.stillHeld(netns, new Set(list.map((p) => p.outcome.socket.cookie)));
      } catch {
        continue; // the namespace is gone, and its sockets with it
      }
      for (const { outcome, checkOnly } of list) {
        if (!held.has(outcome.socket.cookie)) {
          if (markHeld(outcome)) changed.push(outcome);
          continue;
        }
        if (checkOnly) continue;
        const done = closer.abort(outcome.socket);
        if (done.result === "aborted") outcome.result = "escalated";
        else if (done.result === "failed") {
          outcome.result = "failed";
          if (done.detail !== undefined) outcome.detail = `escalation: ${done.detail}`;
          if (done.code !== undefined) outcome.code = done.code;
        } else continue;
        changed.push(outcome);
      }
    }
    return changed;
  }
}

/** The owner still has the descriptor of a socket (its number still links to the socket's inode). */
function descriptorHeld(o: Outcome): boolean {
  const s = o.socket;
  return s.pid !== null && s.fd !== null && holdsSocket(s.pid, s.fd, s.inode);
}

/** A closed socket whose descriptor the application keeps becomes "closed-held"; true when it did. */
function markHeld(o: Outcome): boolean {
  if (!descriptorHeld(o)) return false;
  o.result = "closed-held";
  o.detail = HELD_DETAIL;
  return true;
}

export const HELD_DETAIL =
  "connection closed (port and conntrack entry freed); the application still holds the descriptor " +
  "and only it can free it by closing it (fix or restart the application)";
