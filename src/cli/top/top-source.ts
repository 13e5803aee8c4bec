// One refresh of `idlereap top`: one pass over each namespace's dump (the filter applied as `ls`
// applies it, by the kernel where it can) for the header's counts and the table's rows, then the
// pressure gauges. Nothing is built per socket but the rows the screen can show (top-pass.ts).
// The /proc owner walk costs more than the dump, so its result is kept and redone only when the
// table needs a socket it does not know, at most every `ownersEveryMs`, and always before acting.
import type { DiagMessageView } from "../../kernel/inet-diag-codec.js";
import type { NetnsRef } from "../../kernel/netns.js";
import { TCP_STATES } from "../../kernel/structs.js";
import type { TcpSocket } from "../../model/tcp-socket.js";
import { type PressureReading, readPressure } from "../../pressure/netns-pressure.js";
import { CgroupIndex } from "../../proc/cgroups.js";
import { OwnerIndex } from "../../proc/owner-index.js";
import { idleBucketLabel } from "../../report/tally.js";
import { cgroupResolver } from "../../scan/collect.js";
import { type OwnerLookup, scanNamespaces } from "../../scan/scan.js";
import type { SocketFilter } from "../../select/socket-filter.js";
import type { Bucket } from "../output/bars.js";
import { NetnsContext, rankProcesses } from "./top-context.js";
import { groupLabel } from "./top-groups.js";
import type { GroupBy, Row } from "./top-model.js";
import { decode, TopPass, type TopQuery } from "./top-pass.js";
import { compileText, ViewText } from "./top-text.js";

export type { TopQuery } from "./top-pass.js";

export interface Header {
  total: number;
  byState: Map<string, number>;
  idle: Bucket[];
  established: number;
  keepaliveArmed: number;
  /** The fullest reading of each resource over the namespaces. */
  pressure: PressureReading[];
}

export interface Snapshot {
  at: Date;
  /** The query the rows answer (the header names its sort, group and filter). */
  query: TopQuery;
  header: Header;
  /** The first `query.limit` rows. */
  rows: Row[];
  /** Rows there are in all: sockets through the text filter, or groups. */
  rowCount: number;
  scanMs: number;
  errors: string[];
}

/** Which sockets to act on: some by their key, some by the group they are in. */
export interface Pick {
  sockets?: ReadonlySet<string>;
  groups?: ReadonlyMap<GroupBy, ReadonlySet<string>>;
  /** The text filter group members must pass, as in the table. */
  filter?: string;
  /** At most this many (the detail view); default all. */
  limit?: number;
  /** Walk /proc again first (closing needs the current holders); default false. */
  fresh?: boolean;
}

export interface SourceOptions {
  owners: boolean;
  /** The owner walk is redone at most this often (ms); default 30 s. */
  ownersEveryMs?: number;
}

export const OWNERS_EVERY_MS = 30_000;

export class TopSource {
  private readonly cgroups = new CgroupIndex();
  private readonly owners = new Map<string, OwnerIndex>();
  private ownersAt = Number.NEGATIVE_INFINITY;
  private ranks: Map<number, number> | undefined;
  /** Owner walks done (for tests and the bench). */
  walks = 0;

  constructor(
    readonly namespaces: readonly NetnsRef[],
    private readonly filter: SocketFilter,
    private readonly options: SourceOptions,
  ) {}

  refresh(query: TopQuery, now = Date.now()): Snapshot {
    const started = performance.now();
    if (this.options.owners && this.walks === 0) this.walkOwners(now);
    const pass = new TopPass(query);
    const errors = this.scan(query.sort === "process", (view, ctx) => pass.visit(view, ctx), pass);
    const sockets = pass.sockets();
    const unknown = pass.unknownOwners + sockets.filter((s) => s.inode !== 0 && s.pid === null).length;
    if (
      this.options.owners &&
      unknown > 0 &&
      now - this.ownersAt >= (this.options.ownersEveryMs ?? OWNERS_EVERY_MS)
    ) {
      // New sockets: their owners show from this refresh on for the rows, from the next for groups.
      this.walkOwners(now);
      this.attach(sockets);
    }
    const groups = pass.groups();
    const rows: Row[] =
      query.group === "none"
        ? sockets.map((socket) => ({ kind: "socket", socket }))
        : groups.slice(0, query.limit).map((group) => ({ kind: "group", group }));
    return {
      at: new Date(now),
      query,
      header: this.header(pass),
      rows,
      rowCount: query.group === "none" ? pass.matched : groups.length,
      scanMs: performance.now() - started,
      errors,
    };
  }

  /** The sockets `pick` names, from a fresh dump: what closing (or a group's detail) works on. */
  pick(pick: Pick): TcpSocket[] {
    if (pick.fresh && this.options.owners) this.walkOwners(Date.now());
    const text = compileText(pick.filter ?? "");
    const limit = pick.limit ?? Number.POSITIVE_INFINITY;
    const out: TcpSocket[] = [];
    const parts = new ViewText();
    const inGroup = (view: DiagMessageView, ctx: NetnsContext): boolean => {
      if (!pick.groups) return false;
      let found = false;
      for (const [by, keys] of pick.groups) if (keys.has(groupLabel(by, view, ctx))) found = true;
      return found && (text === undefined || text(parts.reset(view, ctx)));
    };
    this.scan(false, (view, ctx) => {
      if (out.length >= limit) return;
      const byKey = pick.sockets?.size ? pick.sockets.has(`${ctx.netns.name}/${view.cookieText}`) : false;
      if (byKey || inGroup(view, ctx)) out.push(decode(view, ctx));
    });
    return out;
  }

  private scan(
    ranked: boolean,
    visit: (view: DiagMessageView, ctx: NetnsContext) => void,
    pass?: TopPass,
  ): string[] {
    this.cgroups.beginScan();
    const cgroupInfo = cgroupResolver(this.cgroups);
    const ranks = ranked ? this.processRanks() : new Map<number, number>();
    const contexts = new Map(
      this.namespaces.map((ns) => [ns, new NetnsContext(ns, this.owners.get(ns.name), cgroupInfo, ranks)]),
    );
    const lookup = this.filter.needsOwners ? (ns: NetnsRef) => this.ownerLookup(ns, pass) : undefined;
    let ctx: NetnsContext | undefined;
    const results = scanNamespaces(this.namespaces, { filter: this.filter, owners: lookup }, (view, ns) => {
      if (ctx?.netns !== ns) ctx = contexts.get(ns) as NetnsContext;
      visit(view, ctx);
    });
    return results.filter((r) => r.error).map((r) => `${r.netns.name}: ${r.error?.message}`);
  }

  /** The kept walk as the filter's owner lookup; a socket it does not know asks for a new walk. */
  private ownerLookup(ns: NetnsRef, pass: TopPass | undefined): OwnerLookup {
    const index = this.owners.get(ns.name);
    return (inode) => {
      const owner = inode === 0 ? undefined : index?.ownerOf(inode);
      if (owner === undefined && inode !== 0 && pass) pass.unknownOwners++;
      return owner;
    };
  }

  private processRanks(): Map<number, number> {
    this.ranks ??= rankProcesses(this.owners.values());
    return this.ranks;
  }

  /** Walks /proc again now and gives `sockets` their current owners (before a graceful close). */
  freshOwners(sockets: TcpSocket[]): void {
    if (!this.options.owners) return;
    this.walkOwners(Date.now());
    this.attach(sockets);
  }

  private walkOwners(now: number): void {
    this.ownersAt = now;
    this.walks++;
    this.ranks = undefined;
    for (const ns of this.namespaces) this.owners.set(ns.name, OwnerIndex.walk({ netnsInode: ns.inode }));
  }

  private attach(sockets: TcpSocket[]): void {
    for (const s of sockets) {
      const owner = s.inode === 0 ? undefined : this.owners.get(s.netns)?.ownerOf(s.inode);
      s.pid = owner?.pid ?? null;
      s.fd = owner?.fd ?? null;
      s.holders = owner ? (owner.holders ?? 1) : 0;
      s.command = owner?.command ?? null;
    }
  }

  private header(pass: TopPass): Header {
    const byState = new Map<string, number>();
    pass.stateCounts.forEach((n, i) => {
      if (n > 0) byState.set(TCP_STATES[i] ?? String(i), n);
    });
    return {
      total: pass.total,
      byState,
      idle: pass.idle.map((count, i) => ({ le: idleBucketLabel(i), count })),
      established: pass.established,
      keepaliveArmed: pass.keepaliveArmed,
      pressure: this.pressure(pass.timeWait),
    };
  }

  private pressure(timeWait: number): PressureReading[] {
    const worst = new Map<string, PressureReading>();
    for (const ns of this.namespaces) {
      let readings: PressureReading[];
      try {
        // TIME_WAIT counts come from sockstat when the filter hides those sockets.
        readings = readPressure(ns, this.namespaces.length === 1 && timeWait > 0 ? { timeWait } : {});
      } catch {
        continue;
      }
      for (const r of readings) if ((worst.get(r.resource)?.ratio ?? -1) < r.ratio) worst.set(r.resource, r);
    }
    return [...worst.values()];
  }
}
