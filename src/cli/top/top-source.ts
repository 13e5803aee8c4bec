// One refresh of `idlereap top`: the sockets the filter selects (one dump per namespace), their
// owners, and the header's counts, idle histogram, keepalive coverage and pressure gauges.
// The /proc owner walk costs more than the dump on a large table, so its result is kept and
// redone only every `ownersEveryMs` (new sockets show no owner until then), and before acting.
import type { NetnsRef } from "../../kernel/netns.js";
import type { Owner, TcpSocket } from "../../model/tcp-socket.js";
import { type PressureReading, readPressure } from "../../pressure/netns-pressure.js";
import { CgroupIndex } from "../../proc/cgroups.js";
import { OwnerIndex } from "../../proc/owner-index.js";
import { IDLE_BUCKETS_MS, idleBucket, idleBucketLabel } from "../../report/tally.js";
import { collectSockets } from "../../scan/collect.js";
import type { SocketFilter } from "../../select/socket-filter.js";
import type { Bucket } from "../output/bars.js";

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
  sockets: TcpSocket[];
  header: Header;
  scanMs: number;
  errors: string[];
}

export interface SourceOptions {
  owners: boolean;
  ownersEveryMs?: number;
}

export class TopSource {
  private readonly cgroups = new CgroupIndex();
  private readonly owners = new Map<string, OwnerIndex>();
  private ownersAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly namespaces: readonly NetnsRef[],
    private readonly filter: SocketFilter,
    private readonly options: SourceOptions,
  ) {}

  refresh(now = Date.now()): Snapshot {
    const started = performance.now();
    const { sockets, namespaces } = collectSockets(this.namespaces, {
      filter: this.filter,
      owners: false,
      ids: true,
      cgroupIndex: this.cgroups,
    });
    if (this.options.owners) {
      if (now - this.ownersAt >= (this.options.ownersEveryMs ?? 10_000)) this.walkOwners(now);
      this.attach(sockets);
    }
    const errors = namespaces.filter((r) => r.error).map((r) => `${r.netns.name}: ${r.error?.message}`);
    return {
      at: new Date(now),
      sockets,
      header: this.header(sockets),
      scanMs: performance.now() - started,
      errors,
    };
  }

  /** Walks /proc again now and gives `sockets` their current owners (before a graceful close). */
  freshOwners(sockets: TcpSocket[]): void {
    this.walkOwners(Date.now());
    this.attach(sockets);
  }

  private walkOwners(now: number): void {
    this.ownersAt = now;
    for (const ns of this.namespaces) this.owners.set(ns.name, OwnerIndex.walk({ netnsInode: ns.inode }));
  }

  private attach(sockets: TcpSocket[]): void {
    for (const s of sockets) {
      const owner: Owner | undefined = s.inode === 0 ? undefined : this.owners.get(s.netns)?.ownerOf(s.inode);
      s.pid = owner?.pid ?? null;
      s.fd = owner?.fd ?? null;
      s.command = owner?.command ?? null;
    }
  }

  private header(sockets: readonly TcpSocket[]): Header {
    const byState = new Map<string, number>();
    const idle = new Array<number>(IDLE_BUCKETS_MS.length + 1).fill(0);
    let established = 0;
    let keepaliveArmed = 0;
    let timeWait = 0;
    for (const s of sockets) {
      byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
      if (s.state === "time-wait") timeWait++;
      if (s.state !== "established") continue;
      established++;
      if (s.keepalive) keepaliveArmed++;
      if (s.idleMs !== null) {
        const b = idleBucket(s.idleMs);
        idle[b] = (idle[b] ?? 0) + 1;
      }
    }
    return {
      total: sockets.length,
      byState,
      idle: idle.map((count, i) => ({ le: idleBucketLabel(i), count })),
      established,
      keepaliveArmed,
      pressure: this.pressure(timeWait),
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
