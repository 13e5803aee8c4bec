// The audit trail: one JSON line per action (time, netns, rule, 4-tuple, pid, command, cgroup, idle,
// action, result), appended to a file (reopened on SIGHUP, for log rotation) or written to stdout.
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { IdlereapError } from "../errors.js";
import type { Outcome } from "../reap/outcome.js";

export interface AuditRecord {
  time: string;
  netns: string;
  rule: string | null;
  state: string;
  local: string;
  remote: string;
  pid: number | null;
  command: string | null;
  cgroup: string | null;
  idleMs: number | null;
  action: string;
  result: string;
  reason?: string;
  detail?: string;
  dryRun?: true;
}

const endpoint = (a: string, p: number, family: 4 | 6) => (family === 6 ? `[${a}]:${p}` : `${a}:${p}`);

export function auditRecord(o: Outcome, dryRun: boolean, now = new Date()): AuditRecord {
  const s = o.socket;
  return {
    time: now.toISOString(),
    netns: s.netns,
    rule: o.rule ?? null,
    state: s.state,
    local: endpoint(s.localAddress, s.localPort, s.family),
    remote: endpoint(s.remoteAddress, s.remotePort, s.family),
    pid: s.pid,
    command: s.command,
    cgroup: s.cgroup,
    idleMs: s.idleMs,
    action: o.action,
    result: o.result,
    ...(o.reason ? { reason: o.reason } : {}),
    ...(o.detail ? { detail: o.detail } : {}),
    ...(dryRun ? { dryRun: true as const } : {}),
  };
}

export class AuditLog {
  readonly file: string | undefined;
  private fd: number;

  /** Appends to `file` (created with its directory), or writes to stdout when it is undefined. */
  constructor(file: string | undefined) {
    this.file = file;
    this.fd = file === undefined ? 1 : openAppend(file);
  }

  write(records: readonly AuditRecord[]): void {
    if (records.length === 0) return;
    let text = "";
    for (const r of records) text += `${JSON.stringify(r)}\n`;
    writeSync(this.fd, text);
  }

  /** Reopens the file (after logrotate moved it away). */
  reopen(): void {
    if (this.file === undefined) return;
    const fd = openAppend(this.file);
    closeSync(this.fd);
    this.fd = fd;
  }

  close(): void {
    if (this.file !== undefined) closeSync(this.fd);
  }
}

function openAppend(file: string): number {
  try {
    mkdirSync(dirname(file), { recursive: true });
    return openSync(file, "a", 0o640);
  } catch (err) {
    throw new IdlereapError(
      "IDLEREAP_ERR_CONFIG_READ",
      `audit.file: cannot open ${file}: ${(err as Error).message}`,
    );
  }
}
