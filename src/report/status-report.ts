// The shape of the status report (`idlereap status --json` prints a StatusReport): per namespace
// counts, leaks, keepalive coverage and pressure, and the findings drawn from them.
import type { TcpSocket } from "../model/tcp-socket.js";
import type { PressureReading } from "../pressure/netns-pressure.js";

/** How much a finding matters; `status --fail-on` compares by this order. */
export type StatusSeverity = "info" | "warning" | "critical";
export const STATUS_SEVERITIES: readonly StatusSeverity[] = ["info", "warning", "critical"];

/** One thing the status report says to fix: what, why, and the command that fixes or digs deeper. */
export interface StatusFinding {
  id: string;
  severity: StatusSeverity;
  netns: string;
  message: string;
  command: string;
}

export interface ProcessCount {
  pid: number | null;
  command: string | null;
  count: number;
  /** The longest idle time among them (ms). */
  maxIdleMs: number;
}

/** One descriptor holding a socket. */
export interface SocketHolder {
  pid: number;
  fd: number;
  command: string | null;
}

/**
 * A connection held by more than one descriptor: closing one of them sends nothing. Same-process:
 * likely a dup() kept by a library; cross-process: a descriptor a child inherited.
 */
export interface SharedSocket {
  kind: "same-process" | "cross-process";
  state: string;
  local: string;
  peer: string;
  idleMs: number | null;
  inode: number;
  holders: SocketHolder[];
}

/** A process holding descriptors of TCP connections that are closed (gone from the kernel's table). */
export interface ClosedHeldProcess {
  pid: number;
  command: string | null;
  count: number;
  /** The descriptors, the first few. */
  fds: number[];
}

export interface HoldersStatus {
  shared: {
    /** Connections (any state but listen) held by more than one descriptor. */
    total: number;
    sameProcess: number;
    crossProcess: number;
    /** Listening sockets held by several descriptors: shared on purpose (pre-fork, socket activation); not flagged. */
    sharedListeners: number;
    /** The idlest ones, at most 50. */
    sockets: SharedSocket[];
  };
  closedHeld: {
    /** Descriptors confirmed (pidfd_getfd, tcp_info) to hold closed TCP connections. */
    total: number;
    /** Socket descriptors in no table of the namespace that could not be checked (not permitted, or past the bound). */
    unconfirmed: number;
    byProcess: ClosedHeldProcess[];
  };
}

export interface NetnsStatus {
  netns: string;
  scanMs: number;
  sockets: { total: number; byState: Record<string, number> };
  established: {
    total: number;
    idleHistogram: { le: string; count: number }[];
    longestIdle: TcpSocket[];
  };
  closeWait: { total: number; byProcess: ProcessCount[] };
  finWait2: { total: number; heldByProcess: ProcessCount[] };
  /**
   * Dead peers (model/dead-peer.ts), the first sockets with their owners; and established sockets
   * idle for over a minute with nothing outstanding, whose peer may be alive or gone (`idlereap probe`).
   */
  deadPeers: { total: number; sockets: TcpSocket[]; unknownLiveness: number };
  keepalive: {
    established: number;
    armed: number;
    coverage: number;
    processesWithout: ProcessCount[];
    settings: { time: number; intvl: number; probes: number } | null;
    /** time + intvl × probes: how long a dead idle peer of a keepalive socket goes unnoticed (s). */
    worstCaseDetectionSeconds: number | null;
  };
  pressure: PressureReading[];
  processes: { pid: number; command: string | null; fds: number; limit: number; ratio: number }[];
  /** Sockets held by several descriptors, and descriptors of closed connections (null without --process). */
  holders: HoldersStatus | null;
  findings: StatusFinding[];
}

export interface StatusReport {
  generatedAt: string;
  host: { hostname: string; kernel: string };
  namespaces: NetnsStatus[];
  findings: StatusFinding[];
  errors: { netns: string; code: string | undefined; message: string }[];
  /** Namespaces that could not be scanned (see `errors`): nothing is known of them, findings included. */
  notScanned: string[];
}
