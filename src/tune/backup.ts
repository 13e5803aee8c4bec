// Backups of the values `tune apply` replaced (and of the persisted file), one JSON file per apply
// under <state dir>/backups; `tune rollback` reads the newest one unless told which.
import { existsSync, readdirSync, readFileSync, renameSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { IdlereapError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";

export const DEFAULT_STATE_DIR = "/var/lib/idlereap";

const backupSchema = z.object({
  version: z.literal(1),
  created: z.string(),
  profile: z.string(),
  netns: z.string().nullable(),
  netnsLabel: z.string(),
  procRoot: z.string(),
  values: z.array(z.object({ key: z.string(), previous: z.string(), written: z.string() })),
  persist: z.object({ file: z.string(), previous: z.string().nullable() }).nullable(),
});

export type Backup = z.infer<typeof backupSchema>;

export function backupDir(stateDir: string): string {
  return join(stateDir, "backups");
}

/** Writes a backup and returns its path. */
export function saveBackup(stateDir: string, backup: Backup): string {
  const stamp = backup.created.replace(/[:.]/g, "-");
  const file = join(backupDir(stateDir), `tune-${stamp}-${process.pid}.json`);
  // Backups hold what a root command wrote: private to root, whatever the umask.
  writeFileAtomic(file, `${JSON.stringify(backup, null, 2)}\n`, 0o600, 0o700);
  return file;
}

export function loadBackup(file: string): Backup {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_BACKUP",
      `cannot read backup ${file}: ${(err as Error).message}`,
    );
  }
  const parsed = backupSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_BACKUP",
      `backup ${file} is not valid: ${issue?.path.join(".") || "(root)"}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

/** The newest backup not yet rolled back, or undefined. */
export function latestBackup(stateDir: string): string | undefined {
  const dir = backupDir(stateDir);
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => /^tune-.*\.json$/.test(f))
    .sort();
  const last = files.at(-1);
  return last === undefined ? undefined : join(dir, last);
}

export function resolveBackup(stateDir: string, given: string | undefined): string {
  const file = given === undefined ? latestBackup(stateDir) : resolve(given);
  if (file === undefined) {
    throw new IdlereapError("IDLEREAP_ERR_TUNE_BACKUP", `no backup to roll back in ${backupDir(stateDir)}`);
  }
  if (!existsSync(file)) throw new IdlereapError("IDLEREAP_ERR_TUNE_BACKUP", `backup ${file} does not exist`);
  return file;
}

/** Marks a backup as used so that the next rollback picks the one before it. */
export function retireBackup(file: string): string {
  const done = file.replace(/\.json$/, ".rolled-back");
  renameSync(file, done);
  return done;
}
