// The orders of top's table as numeric keys read straight from a dump reply, smallest first, so that
// a bounded selection keeps the first rows of 100k sockets without an object for each. One
// definition: the rows on screen are sorted by these same keys.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import { TCP_STATES } from "../../kernel/structs.js";
import { idleOf, type NetnsContext } from "./top-context.js";
import type { SortKey } from "./top-model.js";

/** Numbers in a sort key: a port and an IPv6 address in three 48-bit parts, or less. */
export const SORT_KEY_WIDTH = 4;

/** Kernel state number → place of its name in alphabetical order (the state sort). */
const STATE_RANK = (() => {
  const names = [...TCP_STATES].sort();
  return Uint8Array.from(TCP_STATES, (name) => names.indexOf(name));
})();

const TWO_32 = 4294967296;
const TWO_48 = 281474976710656;

/**
 * An address as three numbers in numeric order, IPv4 before IPv6: an IPv4 address is below 2^32
 * with two zeros; an IPv6 one is 2^48 plus its first 48 bits, then the next 48, then the last 32.
 */
function writeAddress(view: DiagMessageView, off: number, out: Float64Array, at: number): void {
  const dv = view.dv;
  if (view.family === 4) {
    out[at] = dv.getUint32(off);
    out[at + 1] = 0;
    out[at + 2] = 0;
    return;
  }
  out[at] = TWO_48 + dv.getUint16(off) * TWO_32 + dv.getUint32(off + 2);
  out[at + 1] = dv.getUint16(off + 6) * TWO_32 + dv.getUint32(off + 8);
  out[at + 2] = dv.getUint32(off + 12);
}

/** Larger first: the key is the value negated; unknown (-1) after every known value. */
const desc = (v: number | undefined): number => -(v ?? -1);

/** Writes the socket's key for `sort` into `out[0..SORT_KEY_WIDTH)`. */
export function writeSortKey(
  sort: SortKey,
  view: DiagMessageView,
  ctx: NetnsContext,
  out: Float64Array,
): void {
  out[1] = 0;
  out[2] = 0;
  out[3] = 0;
  switch (sort) {
    case "idle":
      out[0] = desc(idleOf(view));
      return;
    case "state":
      out[0] = STATE_RANK[view.stateNumber] as number;
      out[1] = desc(idleOf(view));
      return;
    case "unacked":
      out[0] = desc(view.unacked);
      return;
    case "retrans":
      out[0] = desc(view.totalRetrans);
      return;
    case "recv-q":
      out[0] = -view.recvQ;
      return;
    case "send-q":
      out[0] = -view.sendQ;
      return;
    case "local":
      out[0] = view.localPort;
      writeAddress(view, view.localAddressOffset, out, 1);
      return;
    case "remote":
      writeAddress(view, view.remoteAddressOffset, out, 0);
      out[3] = view.remotePort;
      return;
    case "process":
      out[0] = ctx.processRank(view);
      return;
  }
}
