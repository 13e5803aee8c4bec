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
    this.stream.write(this.sink.take());
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
  // One walker thread beside the dumping main thread: two busy threads for two cores, and ~20 MB
  // less than a second walker would cost.
  const pool = owners ? new OwnerWalkPool({ threads: 1 }) : undefined;
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
      // Heads wait in 8 MiB chunks for the walk; only their end offsets and inodes are kept apart.
      const heads = new HeadStore();
      const [result] = scanNamespaces([ns], { filter }, (v) => {
        writeViewHead(heads.sinkFor(), v, head, cgroups);
        heads.commit(v.inode);
      });
      results.push(result as NetnsScanResult);
      emitWithOwners(out, heads, await walk);
    }
  } finally {
    await pool?.close();
  }
  out.end();
  return results;
}

const HEAD_CHUNK = 8 << 20;
const HEAD_ROOM = 4096;

/** Socket heads kept in fixed chunks (no copying as they grow), with each one's inode. */
class HeadStore {
  readonly chunks: ByteSink[] = [];
  /** Per head: its chunk and its end offset in that chunk. */
  readonly chunkOf: number[] = [];
  readonly ends: number[] = [];
  readonly inodes: number[] = [];

  sinkFor(): ByteSink {
    const last = this.chunks[this.chunks.length - 1];
    if (last && last.pos + HEAD_ROOM <= last.buf.length) return last;
    const next = new ByteSink(HEAD_CHUNK);
    this.chunks.push(next);
    return next;
  }

  commit(inode: number): void {
    const i = this.chunks.length - 1;
    this.chunkOf.push(i);
    this.ends.push((this.chunks[i] as ByteSink).pos);
    this.inodes.push(inode);
  }
}

function emitWithOwners(out: Output, heads: HeadStore, map: SocketOwnerMap): void {
  let start = 0;
  let chunk = -1;
  for (let i = 0; i < heads.ends.length; i++) {
    const c = heads.chunkOf[i] as number;
    if (c !== chunk) {
      chunk = c;
      start = 0;
    }
    const end = heads.ends[i] as number;
    out.next();
    out.sink.reserve(end - start);
    out.sink.bytes((heads.chunks[c] as ByteSink).buf.subarray(start, end));
    const o = map.owners.get(heads.inodes[i] as number);
    writeOwnerTail(
      out.sink,
      o ? { pid: o.pid, fd: o.fd, command: map.processes.get(o.pid)?.command ?? "" } : undefined,
    );
    out.maybeFlush();
    start = end;
  }
}
