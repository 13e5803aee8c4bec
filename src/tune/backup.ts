// Backups of the values `tune apply` replaced (and of the persisted file), one JSON file per apply
// under <state dir>/backups; `tune rollback` reads the newest one for its namespace unless told which.
// A backup is input like any other: read as a bounded regular file and validated field by field.
import { existsSync, readdirSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { IdlereapError, TuneBackupError } from "../errors.js";
import { isHostNetns, type NetnsRef, resolveNetns } from "../kernel/netns.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { MAX_CONFIG_BYTES, readConfigFile } from "../util/config-file.js";
import { folklore } from "./sysctl-catalog.js";

export const DEFAULT_STATE_DIR = "/var/lib/idlereap";

/** A sysctl key as profiles write it: dotted lower-case segments, nothing that leaves /proc/sys. */
export const SYSCTL_KEY = /^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/;
// Values as the kernel prints them for the keys idlereap writes: words and integers, no paths.
const SYSCTL_VALUE = /^[\w .:+-]{0,256}$/;

const key = z
  .string()
  .regex(SYSCTL_KEY, "not a sysctl key")
  .refine((k) => folklore(k) === undefined, "a key idlereap never writes");
const value = z.string().regex(SYSCTL_VALUE, "not a sysctl value");

const backupSchema = z.strictObject({
  version: z.literal(1),
  created: z.string().max(64),
  profile: z.string().max(256),
  netns: z.string().max(4096).nullable(),
  netnsLabel: z.string().max(4096),
  /** The namespace's inode when the backup was taken (absent in backups of older versions). */
  netnsInode: z.number().int().nonnegative().optional(),
  /** Where the values were written; informational: rollback writes under its own root only. */
  procRoot: z.string().max(4096),
  values: z.array(z.strictObject({ key, previous: value, written: value })).max(1000),
  persist: z
    .strictObject({ file: z.string().max(4096), previous: z.string().max(MAX_CONFIG_BYTES).nullable() })
    .nullable(),
});

export type Backup = z.infer<typeof backupSchema>;

export function backupDir(stateDir: string): string {
  return join(stateDir, "backups");
}

/** Writes a backup and returns its path. */
export function saveBackup(stateDir: string, backup: Backup): string {
  const stamp = backup.created.replace(/[:.]/g, "-");
  const file = join(backupDir(stateDir), `tune-${stamp}-${process.pid}.json`);
  try {
    // Backups hold what a root command wrote: private to root, whatever the umask.
    writeFileAtomic(file, `${JSON.stringify(backup, null, 2)}\n`, 0o600, 0o700);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    const denied = code === "EACCES" || code === "EPERM";
    throw new IdlereapError(
      denied ? "IDLEREAP_ERR_PERMISSION" : "IDLEREAP_ERR_TUNE_WRITE",
      `cannot save the backup in ${backupDir(stateDir)}: ${code}${denied ? " (run as root)" : ""}; nothing was changed`,
      { cause: err },
    );
  }
  return file;
}

export function loadBackup(file: string): Backup {
  let data: unknown;
  try {
    data = JSON.parse(readConfigFile(file, "backup"));
  } catch (err) {
    if (err instanceof IdlereapError) throw err;
    throw new TuneBackupError(`cannot read backup ${file}: ${(err as Error).message}`);
  }
  const parsed = backupSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TuneBackupError(
      `backup ${file} is not valid: ${issue?.path.join(".") || "(root)"}: ${issue?.message}; nothing was changed`,
    );
  }
  return parsed.data;
}

/** Backups not yet rolled back, newest first. */
export function pendingBackups(stateDir: string): string[] {
  const dir = backupDir(stateDir);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /^tune-.*\.json$/.test(f))
    .sort()
    .reverse()
    .map((f) => join(dir, f));
}

/** Whether a backup was taken in `target`; a backup of a namespace that is gone matches nothing. */
export function backupIsFor(b: Backup, target: NetnsRef): boolean {
  if (b.netnsInode !== undefined) return b.netnsInode === target.inode;
  try {
    return resolveNetns(b.netnsLabel).inode === target.inode;
  } catch {
    // "host" cannot be resolved where PID 1's namespace is unreadable; such a backup was taken here.
    return b.netnsLabel === "host" && isHostNetns(target);
  }
}

export interface FoundBackup {
  readonly file: string;
  readonly backup: Backup;
  /** Newer backups of other (or deleted) namespaces, passed over. */
  readonly skipped: number;
}

/** The newest backup for `target`, or the `given` file. */
export function findBackup(stateDir: string, target: NetnsRef, given?: string): FoundBackup {
  if (given !== undefined) {
    const file = resolve(given);
    if (!existsSync(file)) throw new TuneBackupError(`backup ${file} does not exist`);
    return { file, backup: loadBackup(file), skipped: 0 };
  }
  let skipped = 0;
  for (const file of pendingBackups(stateDir)) {
    const backup = loadBackup(file);
    if (backupIsFor(backup, target)) return { file, backup, skipped };
    skipped++;
  }
  const others = skipped ? ` (${skipped} backup(s) of other or deleted namespaces left alone)` : "";
  throw new TuneBackupError(
    `no backup to roll back for namespace ${target.name} in ${backupDir(stateDir)}${others}`,
  );
}

/** Marks a backup as used so that the next rollback picks the one before it. */
export function retireBackup(file: string): string {
  const done = file.replace(/\.json$/, ".rolled-back");
  renameSync(file, done);
  return done;
}
