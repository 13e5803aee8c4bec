// What owner-walk threads exchange: a request naming the pids to walk, and a reply of flat number
// arrays (transferred, not copied) that the calling thread replays into one OwnerMapBuilder.
import type { FdWalkStats, SocketSink } from "./fd-walk.js";
import type { OwnerMapBuilder } from "./socket-owners.js";

export interface WalkRequest {
  readonly id: number;
  readonly procRoot: string;
  readonly pids: number[];
  /** Wanted inodes, or undefined for every socket. */
  readonly wanted: Float64Array<ArrayBuffer> | undefined;
}

export interface WalkReply {
  readonly id: number;
  /** inode, pid, fd; repeated. */
  readonly sockets: Float64Array<ArrayBuffer>;
  /** pid, descriptor count; repeated. */
  readonly processes: Float64Array<ArrayBuffer>;
  readonly stats: FdWalkStats;
}

/** A sink that only appends numbers: the worker side of the walk builds no map. */
export class ArraySink implements SocketSink {
  sockets = new Float64Array(3 * 1024);
  processes = new Float64Array(2 * 64);
  socketsLength = 0;
  processesLength = 0;
  /** Pids that hold at least one socket, in walk order. */
  readonly ownerPids: number[] = [];

  onProcess(pid: number, fds: number): void {
    if (this.processesLength + 2 > this.processes.length) this.processes = grow(this.processes);
    this.processes[this.processesLength++] = pid;
    this.processes[this.processesLength++] = fds;
  }

  onSocket(inode: number, pid: number, fd: number): boolean {
    if (this.socketsLength + 3 > this.sockets.length) this.sockets = grow(this.sockets);
    this.sockets[this.socketsLength++] = inode;
    this.sockets[this.socketsLength++] = pid;
    this.sockets[this.socketsLength++] = fd;
    if (this.ownerPids[this.ownerPids.length - 1] !== pid) this.ownerPids.push(pid);
    return false;
  }

  reply(id: number, stats: FdWalkStats): WalkReply {
    const sockets = this.sockets.slice(0, this.socketsLength);
    return { id, sockets, processes: this.processes.slice(0, this.processesLength), stats };
  }
}

function grow(a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

/** Replays a reply into the builder and adds its counters to `stats`. */
export function replayReply(into: OwnerMapBuilder, stats: FdWalkStats, reply: WalkReply): void {
  const { processes, sockets } = reply;
  for (let j = 0; j + 1 < processes.length; j += 2)
    into.onProcess(processes[j] as number, processes[j + 1] as number);
  for (let i = 0; i + 2 < sockets.length; i += 3) {
    into.onSocket(sockets[i] as number, sockets[i + 1] as number, sockets[i + 2] as number);
  }
  stats.walked += reply.stats.walked;
  stats.unreadable += reply.stats.unreadable;
  stats.links += reply.stats.links;
}
