// One refresh of top read in a single pass over the dump, with nothing built per socket: the
// header's counts (states, idle histogram, keepalive coverage, TIME_WAIT), then, for the table,
// either the groups' counts or the first `limit` sockets by the sort key, only those decoded.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import { STATE } from "../../kernel/structs.js";
import { keepScanId, socketFromView, type TcpSocket } from "../../model/tcp-socket.js";
import { IDLE_BUCKETS_MS, idleBucket } from "../../report/tally.js";
import { BoundedSelection } from "./bounded-selection.js";
import type { NetnsContext } from "./top-context.js";
import { GroupTally } from "./top-groups.js";
import type { Group, GroupBy, SortKey } from "./top-model.js";
import { SORT_KEY_WIDTH, writeSortKey } from "./top-order.js";
import { compileText, type TextMatch, ViewText } from "./top-text.js";

/** What the table shows: its order, grouping, text filter, and how many rows it may need. */
export interface TopQuery {
  sort: SortKey;
  group: GroupBy;
  filter: string;
  /** Rows kept: what the screen can show, with the room the cursor has moved into. */
  limit: number;
}

export class TopPass {
  total = 0;
  /** Sockets by kernel state number. */
  readonly stateCounts = new Uint32Array(16);
  /** Established sockets by idle bucket (IDLE_BUCKETS_MS). */
  readonly idle: number[] = new Array<number>(IDLE_BUCKETS_MS.length + 1).fill(0);
  established = 0;
  keepaliveArmed = 0;
  /** Sockets that pass the text filter: the table's rows when not grouped. */
  matched = 0;
  /** Sockets whose owner the table needs (groups, order or filter by process) and the kept walk lacks. */
  unknownOwners = 0;
  private readonly text: TextMatch | undefined;
  private readonly parts = new ViewText();
  private readonly selection: BoundedSelection<TcpSocket>;
  private readonly tally: GroupTally | undefined;
  /** Whether every socket's owner shapes the table, not only the owners of the rows shown. */
  private readonly everyOwner: boolean;

  constructor(readonly query: TopQuery) {
    this.text = compileText(query.filter);
    this.tally = query.group === "none" ? undefined : new GroupTally(query.group);
    this.selection = new BoundedSelection(this.tally ? 0 : query.limit, SORT_KEY_WIDTH);
    this.everyOwner = query.group === "process" || query.sort === "process" || this.text !== undefined;
  }

  visit(view: DiagMessageView, ctx: NetnsContext): void {
    this.count(view);
    if (this.everyOwner && ctx.owners && view.inode !== 0 && ctx.pidOf(view.inode) === undefined)
      this.unknownOwners++;
    if (this.text && !this.text(this.parts.reset(view, ctx))) return;
    this.matched++;
    if (this.tally) {
      this.tally.add(view, ctx);
      return;
    }
    const sel = this.selection;
    writeSortKey(this.query.sort, view, ctx, sel.scratch);
    if (sel.admits()) sel.admit(decode(view, ctx));
  }

  /** The kept sockets, in order (none when grouped). */
  sockets(): TcpSocket[] {
    return this.selection.sorted();
  }

  /** Every group, in order (none when not grouped). */
  groups(): Group[] {
    return this.tally ? this.tally.groups(this.query.sort) : [];
  }

  get timeWait(): number {
    return this.stateCounts[STATE.TIME_WAIT] as number;
  }

  private count(view: DiagMessageView): void {
    this.total++;
    const n = view.stateNumber;
    this.stateCounts[n] = (this.stateCounts[n] as number) + 1;
    if (n !== STATE.ESTABLISHED) return;
    this.established++;
    if (view.keepaliveArmed) this.keepaliveArmed++;
    const idle = view.idleMs;
    if (idle === undefined) return;
    const b = idleBucket(idle);
    this.idle[b] = (this.idle[b] as number) + 1;
  }
}

/** The socket object of a row: owner and cgroup from the refresh's context, the id kept for closing. */
export function decode(view: DiagMessageView, ctx: NetnsContext): TcpSocket {
  const owner = view.inode === 0 ? undefined : ctx.owners?.ownerOf(view.inode);
  return keepScanId(socketFromView(view, ctx.netns.name, owner, ctx.cgroupOf(view)), view);
}
