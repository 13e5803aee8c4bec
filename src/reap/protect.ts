// Sockets idlereap never touches whatever the filter says: protected ports (22 by default),
// protected processes (command globs) and idlereap's own sockets.
import { socketInodesOf } from "../proc/owner-index.js";
import { matchGlob } from "../select/glob.js";
import { REAP_DEFAULTS } from "./defaults.js";
import type { SkipReason } from "./outcome.js";

/** What the rule looks at; TcpSocket and DiagMessageView both have it (a reply has no owner). */
export interface SafetySubject {
  readonly state: string;
  readonly inode: number;
  readonly localPort: number;
  readonly remotePort: number;
  readonly recvQ: number;
  readonly sendQ: number;
  readonly notsentBytes: number | null | undefined;
  readonly pid?: number | null;
  readonly command?: string | null;
}

export interface ProtectSpec {
  /** Local or remote ports never closed. Default [22]; [] protects none. */
  readonly ports?: readonly number[];
  /** Owner command names (globs with *) never closed. Default none. */
  readonly processes?: readonly string[];
}

export const DEFAULT_PROTECT = REAP_DEFAULTS.protect;

export class Protection {
  readonly ports: ReadonlySet<number>;
  readonly processes: readonly string[];
  private readonly ownPid: number;
  private ownInodes = new Set<number>();

  constructor(spec: ProtectSpec = {}, ownPid = process.pid) {
    this.ports = new Set(spec.ports ?? DEFAULT_PROTECT.ports);
    this.processes = spec.processes ?? DEFAULT_PROTECT.processes;
    this.ownPid = ownPid;
    this.refreshOwn();
  }

  /** Whether the owner lookup is needed to apply the protection. */
  get needsOwners(): boolean {
    return this.processes.length > 0;
  }

  /** Re-reads our own socket inodes (call before each scan: the metrics server opens new ones). */
  refreshOwn(): void {
    this.ownInodes = socketInodesOf("self");
  }

  /** Whether a socket inode is one of idlereap's own. */
  isOwn(inode: number): boolean {
    return inode !== 0 && this.ownInodes.has(inode);
  }

  /** Why the socket must be left alone, or undefined. */
  reasonFor(s: SafetySubject): SkipReason | undefined {
    if (s.pid === this.ownPid || (s.inode !== 0 && this.ownInodes.has(s.inode))) return "own-socket";
    if (this.ports.has(s.localPort) || this.ports.has(s.remotePort)) return "protected-port";
    if (this.processes.length > 0 && typeof s.command === "string") {
      const command = s.command;
      if (this.processes.some((p) => matchGlob(p, command))) return "protected-process";
    }
    return undefined;
  }
}
