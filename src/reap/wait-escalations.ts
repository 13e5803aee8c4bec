// Waits out the grace period of graceful closes, polling so that the wait ends as soon as every
// owner has closed its socket, and escalates what is left at each deadline.
import type { Closer } from "./closer.js";
import type { Escalations } from "./escalations.js";
import type { Outcome } from "./outcome.js";

const POLL_MS = 100;

export async function waitForEscalations(
  escalations: Escalations,
  closer: Closer,
  onEscalated: (changed: Outcome[]) => void = () => {},
): Promise<void> {
  let polls = 0;
  while (escalations.size > 0) {
    const deadline = escalations.nextDeadline() ?? Date.now();
    const wait = Math.max(0, Math.min(POLL_MS * 2 ** Math.min(polls, 4), deadline - Date.now()));
    await new Promise((r) => setTimeout(r, wait));
    polls++;
    if (Date.now() >= deadline) onEscalated(escalations.run(closer));
    else escalations.dropReleased(closer);
    closer.release();
  }
}
