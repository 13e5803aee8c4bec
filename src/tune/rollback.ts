// `tune rollback`: restores the values a backup recorded (and the persisted file as it was) into
// the namespace asked for. Like every acting command it shows the plan, and acts only with --yes.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { IdlereapError, TuneBackupError } from "../errors.js";
import type { NetnsRef } from "../kernel/netns.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { writeKey } from "./apply.js";
import { type Backup, backupIsFor, findBackup, retireBackup } from "./backup.js";
import { isGlobal, ProcSys } from "./proc-sys.js";

export interface RollbackOptions {
  readonly stateDir: string;
  /** The namespace to restore into; a backup taken elsewhere is never restored into it. */
  readonly netns: NetnsRef;
  /** A backup file; default: the newest for `netns` not yet rolled back. */
  readonly backup?: string;
  /** The /proc/sys root to write under (the backup's own record of it is not trusted). */
  readonly sysRoot: string;
  /** The sysctl.d directory: the only place a backup's persisted file may be restored. */
  readonly sysctlDir: string;
  /** Restore global keys (they change the whole host). */
  readonly allowGlobal?: boolean;
  /** false: only say what would be done. */
  readonly yes: boolean;
  /** Test seam: whether the target is the host's namespace. */
  readonly isHost?: boolean;
}

export interface RollbackEntry {
  readonly key: string;
  readonly current: string | undefined;
  readonly previous: string;
  readonly written: string;
  readonly global: boolean;
}

export interface RollbackResult {
  readonly applied: boolean;
  readonly netns: string;
  readonly backupFile: string;
  /** Where the backup went once used (undefined for a plan). */
  readonly retiredAs: string | undefined;
  /** Newer backups of other or deleted namespaces that were passed over. */
  readonly skipped: number;
  readonly entries: readonly RollbackEntry[];
  readonly restored: readonly { key: string; value: string }[];
  /** Keys someone changed again after idlereap wrote them (restored all the same). */
  readonly changedSince: readonly { key: string; found: string; written: string }[];
  readonly persist: { file: string; action: "restored" | "removed" } | undefined;
}

export function rollbackTune(opts: RollbackOptions): RollbackResult {
  const { file, backup: b, skipped } = findBackup(opts.stateDir, opts.netns, opts.backup);
  if (!backupIsFor(b, opts.netns)) {
    throw new TuneBackupError(
      `backup ${file} was taken in namespace ${b.netnsLabel}, not ${opts.netns.name}: its values belong there; nothing was changed`,
    );
  }
  const persistFile = b.persist ? checkPersistPath(file, b.persist.file, opts.sysctlDir) : undefined;
  const procSys = new ProcSys(opts.sysRoot, opts.netns, opts.isHost);
  const current = procSys.readMany(b.values.map((v) => v.key));
  const entries = b.values.map((v) => ({ ...v, current: current.get(v.key), global: isGlobal(v.key) }));
  const changedSince = entries
    .filter((e) => e.current !== undefined && e.current !== e.written)
    .map((e) => ({ key: e.key, found: e.current as string, written: e.written }));
  const persist =
    b.persist && persistFile
      ? {
          file: persistFile,
          action: b.persist.previous === null ? ("removed" as const) : ("restored" as const),
        }
      : undefined;
  const base = { netns: opts.netns.name, backupFile: file, skipped, entries, changedSince, persist };
  const global = entries.filter((e) => e.global).map((e) => e.key);
  if (global.length > 0 && !opts.allowGlobal && opts.yes) {
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_GLOBAL_KEY",
      `${global.join(", ")} ${global.length > 1 ? "are" : "is"} global: restoring would change the whole host; pass --allow-global to do it; nothing was changed`,
    );
  }
  if (!opts.yes) return { ...base, applied: false, retiredAs: undefined, restored: [] };
  const restored = restoreValues(procSys, b, file);
  if (b.persist && persistFile) restorePersisted(persistFile, b.persist.previous);
  return { ...base, applied: true, retiredAs: retireBackup(file), restored };
}

function restoreValues(procSys: ProcSys, b: Backup, file: string): { key: string; value: string }[] {
  const restored: { key: string; value: string }[] = [];
  const failed: string[] = [];
  for (const v of [...b.values].reverse()) {
    try {
      writeKey(procSys, v.key, v.previous);
      restored.push({ key: v.key, value: v.previous });
    } catch (err) {
      failed.push((err as Error).message);
    }
  }
  if (failed.length > 0) {
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_WRITE",
      `rollback from ${file} incomplete: ${failed.join("; ")}`,
    );
  }
  return restored;
}

function restorePersisted(file: string, previous: string | null): void {
  try {
    if (previous === null) rmSync(file, { force: true });
    else if (!existsSync(file) || readFileSync(file, "utf8") !== previous) writeFileAtomic(file, previous);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_WRITE",
      `the values were restored, but restoring ${file} failed: ${code}; the backup is kept`,
      { cause: err },
    );
  }
}

/** A persisted file is restored only as a *.conf file directly in the sysctl.d directory. */
function checkPersistPath(backupFile: string, file: string, sysctlDir: string): string {
  const path = resolve(file);
  const name = basename(path);
  if (
    path !== file ||
    dirname(path) !== resolve(sysctlDir) ||
    !name.endsWith(".conf") ||
    name.startsWith(".")
  ) {
    throw new TuneBackupError(
      `backup ${backupFile} is not valid: persist.file ${JSON.stringify(file)} is not a .conf file in ${resolve(sysctlDir)}; nothing was changed`,
    );
  }
  return path;
}
