// `tune rollback`: restores the values a backup recorded (and the persisted file as it was).
import { existsSync, readFileSync, rmSync } from "node:fs";
import { IdlereapError } from "../errors.js";
import { writeKey } from "./apply.js";
import { writeFileAtomic } from "./atomic-write.js";
import { loadBackup, resolveBackup, retireBackup } from "./backup.js";
import { resolveNetns } from "./netns.js";
import { ProcSys } from "./proc-sys.js";

export interface RollbackOptions {
  readonly stateDir: string;
  /** A backup file; default: the newest not yet rolled back. */
  readonly backup?: string;
  /** Override the /proc/sys root the backup recorded. */
  readonly procRoot?: string;
  /** Override the namespace the backup recorded. */
  readonly netns?: string;
}

export interface RollbackResult {
  readonly backupFile: string;
  readonly restored: readonly { key: string; value: string }[];
  /** Keys someone changed again after idlereap wrote them (restored all the same). */
  readonly changedSince: readonly { key: string; found: string; written: string }[];
  readonly persist: { file: string; action: "restored" | "removed" } | undefined;
}

export function rollbackTune(opts: RollbackOptions): RollbackResult {
  const backupFile = resolveBackup(opts.stateDir, opts.backup);
  const b = loadBackup(backupFile);
  const netns = resolveNetns(opts.netns ?? b.netns ?? undefined);
  const procSys = new ProcSys(opts.procRoot ?? b.procRoot, netns);
  const current = procSys.readMany(b.values.map((v) => v.key));
  const changedSince = b.values
    .filter((v) => current.get(v.key) !== undefined && current.get(v.key) !== v.written)
    .map((v) => ({ key: v.key, found: current.get(v.key) as string, written: v.written }));
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
  let persist: RollbackResult["persist"];
  if (b.persist) {
    const { file, previous } = b.persist;
    if (previous === null) {
      rmSync(file, { force: true });
      persist = { file, action: "removed" };
    } else if (!existsSync(file) || readFileSync(file, "utf8") !== previous) {
      writeFileAtomic(file, previous);
      persist = { file, action: "restored" };
    } else {
      persist = { file, action: "restored" };
    }
  }
  if (failed.length > 0) {
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_WRITE",
      `rollback from ${backupFile} incomplete: ${failed.join("; ")}`,
    );
  }
  return { backupFile: retireBackup(backupFile), restored, changedSince, persist };
}
