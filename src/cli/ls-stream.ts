// The fast path of `idlereap ls --json` (no sort, no limit, no owner filter): JSON bytes are written
// straight from the kernel's replies, and the /proc owner walk runs on worker threads while the main
// thread dumps, so the two biggest costs overlap instead of adding up.

import type { NetnsRef } from "../kernel/netns.js";
import type { SocketFilter } from "../policy/socket-filter.js";
import { CgroupIndex } from "../proc/cgroups.js";
import { OwnerWalkPool } from "../proc/owner-walk-pool.js";
import type { SocketOwnerMap } from "../proc/socket-owners.js";
import { cgroupResolver } from "../scan/collect.js";
import { type NetnsScanResult, scanNamespaces } from "../scan/scan.js";
import { io } from "./io.js";
import {
  ByteSink,
  cgroupSegments,
  netnsHead,
  writeOwnerTail,
  writeViewHead,
} from "./output/socket-json-bytes.js";

const FLUSH_AT = 1 << 20;
const COMMA = Buffer.from(",\n");

class Output {
  readonly sink = new ByteSink(2 * FLUSH_AT);
  private count = 0;
  constructor(private readonly stream: NodeJS.WritableStream) {
    this.sink.ascii("[");
  }
  /** Starts the next array element. */
  next(): void {
    this.sink.reserve(2);
    if (this.count++ === 0) this.sink.ascii("\n");
    else this.sink.bytes(COMMA);
  }
  maybeFlush(): void {
    if (this.sink.pos >= FLUSH_AT) this.flush();
  }
  flush(): void {
    this.stream.write(this.sink.buf.subarray(0, this.sink.pos));
    this.sink.buf = Buffer.allocUnsafe(2 * FLUSH_AT);
    this.sink.pos = 0;
  }
  end(): void {
    this.sink.reserve(4);
    this.sink.ascii(this.count ? "\n]\n" : "]\n");
    this.flush();
  }
}

export async function streamJson(
  namespaces: readonly NetnsRef[],
  filter: SocketFilter,
  owners: boolean,
  stream: NodeJS.WritableStream = io.stdout,
): Promise<NetnsScanResult[]> {
  const out = new Output(stream);
  const pool = owners ? new OwnerWalkPool() : undefined;
  const cgroups = cgroupSegments(cgroupResolver(new CgroupIndex()));
  const results: NetnsScanResult[] = [];
  try {
    for (const ns of namespaces) {
      const head = netnsHead(ns.name);
      const walk = pool?.find({ netnsInode: ns.inode });
      if (!walk) {
        const [result] = scanNamespaces([ns], { filter }, (v) => {
          out.next();
          writeViewHead(out.sink, v, head, cgroups);
          writeOwnerTail(out.sink, undefined);
          out.maybeFlush();
        });
        results.push(result as NetnsScanResult);
        continue;
      }
      // Heads wait in one buffer for the walk; only their end offsets and inodes are kept apart.
      const heads = new ByteSink(4 * FLUSH_AT);
      const ends: number[] = [];
      const inodes: number[] = [];
      const [result] = scanNamespaces([ns], { filter }, (v) => {
        writeViewHead(heads, v, head, cgroups);
        ends.push(heads.pos);
        inodes.push(v.inode);
      });
      results.push(result as NetnsScanResult);
      emitWithOwners(out, heads, ends, inodes, await walk);
    }
  } finally {
    await pool?.close();
  }
  out.end();
  return results;
}

function emitWithOwners(
  out: Output,
  heads: ByteSink,
  ends: number[],
  inodes: number[],
  map: SocketOwnerMap,
): void {
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i] as number;
    out.next();
    out.sink.reserve(end - start);
    out.sink.bytes(heads.buf.subarray(start, end));
    const o = map.owners.get(inodes[i] as number);
    writeOwnerTail(
      out.sink,
      o ? { pid: o.pid, fd: o.fd, command: map.processes.get(o.pid)?.command ?? "" } : undefined,
    );
    out.maybeFlush();
    start = end;
  }
}
