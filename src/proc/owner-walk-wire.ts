// How owner-walk workers send their part of the map back: flat number arrays, transferred not copied.
import type { OwnerProcess, SocketOwnerMap } from "./socket-owners.js";

export interface WalkRequest {
  readonly id: number;
  readonly procRoot: string;
  readonly pids: number[];
  /** Wanted inodes, or undefined for every socket. */
  readonly wanted: Float64Array<ArrayBuffer> | undefined;
}

export interface WalkReply {
  readonly id: number;
  /** inode, pid, fd, holders; repeated. */
  readonly owners: Float64Array<ArrayBuffer>;
  /** pid, fds, sockets; repeated, with commands in the same order. */
  readonly processes: Float64Array<ArrayBuffer>;
  readonly commands: (string | undefined)[];
  readonly links: number;
  readonly unreadable: number;
}

export function encodeReply(id: number, map: SocketOwnerMap): WalkReply {
  const owners = new Float64Array(map.owners.size * 4);
  let i = 0;
  for (const [inode, o] of map.owners) {
    owners[i++] = inode;
    owners[i++] = o.pid;
    owners[i++] = o.fd;
    owners[i++] = o.holders;
  }
  const processes = new Float64Array(map.processes.size * 3);
  const commands: (string | undefined)[] = [];
  let j = 0;
  for (const p of map.processes.values()) {
    processes[j++] = p.pid;
    processes[j++] = p.fds;
    processes[j++] = p.sockets;
    commands.push(p.command);
  }
  return { id, owners, processes, commands, links: map.stats.links, unreadable: map.stats.unreadable };
}

/** Adds one worker's reply into `into`: the lowest pid keeps a shared socket, holders add up. */
export function mergeReply(into: SocketOwnerMap, reply: WalkReply): void {
  const { owners, processes, commands } = reply;
  for (let i = 0; i + 3 < owners.length; i += 4) {
    const owner = {
      pid: owners[i + 1] as number,
      fd: owners[i + 2] as number,
      holders: owners[i + 3] as number,
    };
    mergeOwner(into, owners[i] as number, owner);
  }
  for (let j = 0; j + 2 < processes.length; j += 3) {
    const pid = processes[j] as number;
    const proc: OwnerProcess = { pid, command: commands[j / 3], fds: processes[j + 1] as number, sockets: 0 };
    proc.sockets = processes[j + 2] as number;
    into.processes.set(pid, proc);
  }
  into.stats.walked += processes.length / 3;
  into.stats.links += reply.links;
  into.stats.unreadable += reply.unreadable;
}

function mergeOwner(
  into: SocketOwnerMap,
  inode: number,
  o: { pid: number; fd: number; holders: number },
): void {
  const seen = into.owners.get(inode);
  if (seen === undefined) {
    into.owners.set(inode, o);
    return;
  }
  const holders = seen.holders + o.holders;
  if (o.pid < seen.pid) into.owners.set(inode, { ...o, holders });
  else seen.holders = holders;
}
