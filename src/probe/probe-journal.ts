// What a liveness probe changed, written before it changes anything: one file per probing process
// under the run directory. A probe that ends normally deletes its file; one that was killed leaves
// it, and the next probe (or `idlereap probe --recover`) puts the options back from it.
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import {
  readKeepaliveOptions,
  sameKeepaliveOptions,
  writeKeepaliveOptions,
} from "../kernel/keepalive-options.js";
import { close } from "../kernel/libc.js";
import { Closer } from "../reap/closer.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { makeDir } from "../util/make-dir.js";
import { type JournalEntry, parseJournal } from "./probe-journal-schema.js";

export const DEFAULT_RUN_DIR = "/run/idlereap";

export type { JournalEntry } from "./probe-journal-schema.js";

export interface RecoveryReport {
  /** Sockets whose options were put back. */
  restored: number;
  /** Sockets that are gone (their owner closed them): nothing to put back. */
  gone: number;
  /** Sockets whose options could not be put back, with why. */
  failed: { pid: number; fd: number; reason: string }[];
}

export class ProbeJournal {
  readonly file: string;

  constructor(readonly dir: string = DEFAULT_RUN_DIR) {
    this.file = join(dir, "probes", `${process.pid}.json`);
  }

  write(entries: readonly JournalEntry[]): void {
    if (entries.length === 0) return;
    makeDir(join(this.dir, "probes"), 0o700);
    writeFileAtomic(this.file, JSON.stringify({ version: 1, pid: process.pid, entries }), 0o600);
  }

  clear(): void {
    rmSync(this.file, { force: true });
  }

  /** Puts back what probes of processes that are no longer running left changed. */
  recover(): RecoveryReport {
    const report: RecoveryReport = { restored: 0, gone: 0, failed: [] };
    let names: string[];
    try {
      names = readdirSync(join(this.dir, "probes"));
    } catch {
      return report;
    }
    for (const name of names) {
      const m = /^(\d+)\.json$/.exec(name);
      if (!m || Number(m[1]) === process.pid || processRuns(Number(m[1]))) continue;
      const file = join(this.dir, "probes", name);
      const entries = readJournal(file, report);
      const closer = new Closer(new Map());
      try {
        for (const e of entries) restoreEntry(closer, e, report);
      } finally {
        closer.release();
      }
      rmSync(file, { force: true });
    }
    return report;
  }
}

function readJournal(file: string, report: RecoveryReport): readonly JournalEntry[] {
  try {
    return parseJournal(readFileSync(file, "utf8"));
  } catch (err) {
    report.failed.push({ pid: 0, fd: 0, reason: `${file} is not a probe journal: ${String(err)}` });
    return [];
  }
}

function restoreEntry(closer: Closer, e: JournalEntry, report: RecoveryReport): void {
  const dup = closer.duplicate({ pid: e.pid, fd: e.fd, inode: e.inode, command: null });
  if ("result" in dup) {
    // The process, the descriptor or that socket is gone: nothing of ours is left to undo.
    if (dup.reason === "gone" || dup.reason === "identity-changed") report.gone++;
    else report.failed.push({ pid: e.pid, fd: e.fd, reason: dup.detail ?? String(dup.reason) });
    return;
  }
  try {
    writeKeepaliveOptions(dup.fd, e.before);
    if (sameKeepaliveOptions(readKeepaliveOptions(dup.fd), e.before)) report.restored++;
    else report.failed.push({ pid: e.pid, fd: e.fd, reason: "options read back differ" });
  } catch (err) {
    report.failed.push({ pid: e.pid, fd: e.fd, reason: String(err) });
  } finally {
    close(dup.fd);
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
