// TCP state names as users write them, and the kernel's bit mask for a list of them.
import { FilterError } from "../errors.js";
import { TCP_STATES, type TcpState } from "../kernel/structs.js";

export const STATE_NAMES = TCP_STATES.slice(1, 12) as readonly TcpState[];

const bit = (s: TcpState): number => 1 << TCP_STATES.indexOf(s);
const ALL = STATE_NAMES.reduce((m, s) => m | bit(s), 0);

/** Like ss: "connected" is every state but listen, close, time-wait and syn-recv. */
const GROUPS: Record<string, number> = {
  all: ALL,
  connected: ALL & ~(bit("listen") | bit("close") | bit("time-wait") | bit("syn-recv")),
  synchronized: ALL & ~(bit("listen") | bit("close") | bit("time-wait") | bit("syn-recv") | bit("syn-sent")),
  bucket: bit("syn-recv") | bit("time-wait"),
};

const ALIASES: Record<string, TcpState> = { estab: "established", close_wait: "close-wait" };

export const DEFAULT_STATES = GROUPS.connected as number;

/** Parses "established,close-wait" (also ss spellings like estab, and groups all / connected). */
export function parseStates(list: string | readonly string[], key = "state"): number {
  const items = (typeof list === "string" ? list.split(",") : list)
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0) throw new FilterError(`${key}: empty state list`, key);
  let mask = 0;
  for (const raw of items) {
    const name = ALIASES[raw] ?? raw.replace(/_/g, "-");
    const group = GROUPS[name];
    if (group !== undefined) mask |= group;
    else if ((STATE_NAMES as readonly string[]).includes(name)) mask |= bit(name as TcpState);
    else {
      throw new FilterError(
        `${key}: unknown state "${raw}" (one of ${[...STATE_NAMES, ...Object.keys(GROUPS)].join(", ")})`,
        key,
      );
    }
  }
  return mask;
}

export function stateBit(state: number): number {
  return 1 << state;
}
