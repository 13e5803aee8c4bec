// The audit trail: one JSON line per action (time, netns, rule, 4-tuple, pid, command, cgroup, idle,
// action, result), appended to a file (reopened on SIGHUP, for log rotation) or written to stdout.
import { closeSync, constants, fstatSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { IdlereapError } from "../errors.js";
import type { Outcome } from "../reap/outcome.js";
import { makeDir } from "../util/make-dir.js";

/** Mode of the directories idlereap creates for its audit log, whatever the umask. */
export const AUDIT_DIR_MODE = 0o750;
const AUDIT_FILE_MODE = 0o640;

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

// The daemon runs as root: a link planted at the path must not redirect its appends (O_NOFOLLOW),
// and a FIFO there must neither block the open (O_NONBLOCK) nor be written to.
const APPEND_FLAGS =
  constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW | constants.O_NONBLOCK;

function openAppend(file: string): number {
  let fd: number;
  try {
    makeDir(dirname(file), AUDIT_DIR_MODE);
    fd = openSync(file, APPEND_FLAGS, AUDIT_FILE_MODE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === "ELOOP"
        ? "ELOOP: it is a symbolic link, which the audit log never follows"
        : (err as Error).message;
    throw new IdlereapError("IDLEREAP_ERR_CONFIG_READ", `audit.file: cannot open ${file}: ${why}`, {
      cause: err,
    });
  }
  if (!fstatSync(fd).isFile()) {
    closeSync(fd);
    throw new IdlereapError("IDLEREAP_ERR_CONFIG_READ", `audit.file: ${file} is not a regular file`);
  }
  return fd;
}
