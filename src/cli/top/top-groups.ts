// Grouping for top's table, counted in one pass over a dump: a group's size, idlest member, unacked
// segments and states, with nothing kept per socket. Each socket is first counted under a cheap key
// (port, IPv4 address, pid, cgroup id); the groups' names are made once per key and groups with the
// same name (cgroups of one unit) merged at the end.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import { TCP_STATES } from "../../kernel/structs.js";
import { cgroupIdOf, cgroupLabel, idleOf, type NetnsContext } from "./top-context.js";
import type { Group, GroupBy, SortKey } from "./top-model.js";

interface Tally {
  key: string;
  count: number;
  maxIdleMs: number;
  unacked: number;
  states: Uint32Array;
}

/** The group's name for one socket (what the table shows and closing a group matches on). */
export function groupLabel(by: GroupBy, view: DiagMessageView, ctx: NetnsContext): string {
  switch (by) {
    case "process":
      return ctx.processOf(view) || "(no process)";
    case "cgroup":
      return cgroupLabel(ctx.cgroupOf(view));
    case "port":
      return `:${view.localPort}`;
    case "remote":
      return view.family === 6 ? `[${view.remoteAddress}]` : view.remoteAddress;
    default:
      return "";
  }
}

/** A key with the same groups as the label, cheaper to make: a number but for IPv6 remotes. */
function fastKey(by: GroupBy, view: DiagMessageView, ctx: NetnsContext): number | string {
  switch (by) {
    case "process":
      return ctx.pidOf(view.inode) ?? -1;
    case "cgroup":
      return cgroupIdOf(view);
    case "port":
      return view.localPort;
    case "remote":
      return view.family === 4 ? view.dv.getUint32(view.remoteAddressOffset) : groupLabel(by, view, ctx);
    default:
      return 0;
  }
}

export class GroupTally {
  private readonly tallies = new Map<number | string, Tally>();

  constructor(readonly by: GroupBy) {}

  add(view: DiagMessageView, ctx: NetnsContext): void {
    const k = fastKey(this.by, view, ctx);
    let t = this.tallies.get(k);
    if (t === undefined) {
      t = {
        key: groupLabel(this.by, view, ctx),
        count: 0,
        maxIdleMs: 0,
        unacked: 0,
        states: new Uint32Array(16),
      };
      this.tallies.set(k, t);
    }
    t.count++;
    const idle = idleOf(view) ?? 0;
    if (idle > t.maxIdleMs) t.maxIdleMs = idle;
    t.unacked += view.unacked ?? 0;
    const n = view.stateNumber;
    t.states[n] = (t.states[n] as number) + 1;
  }

  /** Every group, in the order of the sort key. */
  groups(sort: SortKey): Group[] {
    const merged = new Map<string, Tally>();
    for (const t of this.tallies.values()) {
      const m = merged.get(t.key);
      if (m === undefined) merged.set(t.key, { ...t, states: t.states.slice() });
      else {
        m.count += t.count;
        m.maxIdleMs = Math.max(m.maxIdleMs, t.maxIdleMs);
        m.unacked += t.unacked;
        t.states.forEach((n, i) => {
          m.states[i] = (m.states[i] as number) + n;
        });
      }
    }
    const out = [...merged.values()].map((t) => this.group(t));
    return sortGroups(out, sort);
  }

  private group(t: Tally): Group {
    const byState = new Map<string, number>();
    t.states.forEach((n, i) => {
      if (n > 0) byState.set(TCP_STATES[i] ?? String(i), n);
    });
    return { by: this.by, key: t.key, count: t.count, maxIdleMs: t.maxIdleMs, unacked: t.unacked, byState };
  }
}

/** Groups in the order of the sort key: by their idlest member for `idle`, by name for names, else by size. */
export function sortGroups(groups: Group[], sort: SortKey): Group[] {
  if (sort === "idle") return groups.sort((a, b) => b.maxIdleMs - a.maxIdleMs || b.count - a.count);
  if (sort === "unacked") return groups.sort((a, b) => b.unacked - a.unacked);
  if (sort === "process" || sort === "local" || sort === "remote")
    return groups.sort((a, b) => a.key.localeCompare(b.key));
  return groups.sort((a, b) => b.count - a.count);
}
