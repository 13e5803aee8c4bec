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
