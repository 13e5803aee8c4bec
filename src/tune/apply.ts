// `tune apply`: compare a profile with what the namespace has, and with consent write the difference,
// saving the previous values first and restoring them if any write fails.
import { IdlereapError } from "../errors.js";
import { writeFileAtomic } from "../util/atomic-write.js";
import { type Backup, retireBackup, saveBackup } from "./backup.js";
import { currentPersisted, renderSysctlConf } from "./persist.js";
import type { ProcSys } from "./proc-sys.js";
import type { Profile } from "./profile.js";
import { type Scope, sysctlSpec } from "./sysctl-catalog.js";

export interface PlanEntry {
  readonly key: string;
  readonly scope: Scope;
  readonly current: string;
  readonly target: string;
  readonly reason: string;
  readonly change: boolean;
  /** A capacity limit already above the profile's floor, left as it is. */
  readonly keptHigher: boolean;
}

export interface TunePlan {
  readonly profile: Profile;
  readonly netns: string;
  /** The target is the host's namespace. */
  readonly isHost: boolean;
  readonly entries: readonly PlanEntry[];
  /** Optional keys this kernel does not have (module not loaded, older kernel). */
  readonly skipped: readonly string[];
  /** Global keys the plan would change: they change the whole host, whatever the target. */
  readonly globalChanges: readonly string[];
}

export function planTune(profile: Profile, procSys: ProcSys): TunePlan {
  const values = procSys.readMany(profile.settings.map((s) => s.key));
  const entries: PlanEntry[] = [];
  const skipped: string[] = [];
  const missing: string[] = [];
  for (const s of profile.settings) {
    const current = values.get(s.key);
    if (current === undefined) {
      (sysctlSpec(s.key)?.optional ? skipped : missing).push(s.key);
      continue;
    }
    const spec = sysctlSpec(s.key);
    const keptHigher = spec?.floor === true && Number(current) > Number(s.value);
    entries.push({
      key: s.key,
      // Unknown keys are global until the catalog says otherwise.
      scope: spec?.scope ?? "global",
      current,
      target: s.value,
      reason: s.reason,
      change: current !== s.value && !keptHigher,
      keptHigher,
    });
  }
  if (missing.length > 0) {
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_UNKNOWN_KEY",
      `profile ${profile.name} (${profile.file}) sets keys this kernel does not have under ${procSys.root}: ${missing.join(", ")}; nothing was changed`,
    );
  }
  const globalChanges = entries.filter((e) => e.change && e.scope === "global").map((e) => e.key);
  return { profile, netns: procSys.netns.name, isHost: procSys.isHost, entries, skipped, globalChanges };
}

export function formatPlan(plan: TunePlan): string {
  const out = [`profile ${plan.profile.name} in network namespace ${plan.netns}:`];
  const w = Math.max(0, ...plan.entries.map((e) => e.key.length));
  for (const e of plan.entries) {
    const mark = e.change ? "~" : "=";
    const what = e.change
      ? `${e.current} → ${e.target}`
      : e.keptHigher
        ? `${e.current} (kept: already above ${e.target})`
        : `${e.current} (unchanged)`;
    out.push(`${mark} ${e.key.padEnd(w)}  ${what}  [${e.scope}]`);
  }
  for (const k of plan.skipped) out.push(`- ${k}  skipped: not on this kernel (module not loaded?)`);
  if (plan.globalChanges.length > 0) {
    const where = plan.isHost ? "" : `, not just namespace ${plan.netns}`;
    out.push(
      `! global keys would change the whole host${where}: ${plan.globalChanges.join(", ")} (needs --allow-global)`,
    );
  }
  return `${out.join("\n")}\n`;
}

export interface ApplyOptions {
  readonly procSys: ProcSys;
  readonly profile: Profile;
  /** Directory for backups (default /var/lib/idlereap). */
  readonly stateDir: string;
  /** Write global keys (they change the whole host, whatever the target namespace). */
  readonly allowGlobal?: boolean;
  /** Also write this sysctl.d file (atomically). */
  readonly persistFile?: string;
  readonly now?: Date;
}

export interface ApplyResult {
  readonly plan: TunePlan;
  readonly written: readonly string[];
  /** undefined when nothing changed: no backup is written then. */
  readonly backupFile: string | undefined;
  readonly persistFile: string | undefined;
}

/**
 * Applies a profile. Throws before any change for unknown or refused global keys or a persist path
 * that is not a regular file. An apply that changes nothing writes no backup.
 */
export function applyTune(opts: ApplyOptions): ApplyResult {
  const { procSys, profile } = opts;
  const plan = planTune(profile, procSys);
  if (plan.globalChanges.length > 0 && !opts.allowGlobal) {
    const from = plan.isHost ? "" : ` from namespace ${plan.netns}`;
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_GLOBAL_KEY",
      `${plan.globalChanges.join(", ")} ${plan.globalChanges.length > 1 ? "are" : "is"} global (or unknown to idlereap, so taken as global): writing it${from} would change the whole host; pass --allow-global to do it anyway, or drop the key from the profile; nothing was changed`,
    );
  }
  const created = (opts.now ?? new Date()).toISOString();
  const changes = plan.entries.filter((e) => e.change);
  const persistFile = opts.persistFile;
  const previous = persistFile === undefined ? null : currentPersisted(persistFile);
  const content =
    persistFile === undefined
      ? undefined
      : renderSysctlConf(
          profile,
          new Map(plan.entries.map((e) => [e.key, e.keptHigher ? e.current : e.target])),
          created,
        );
  const persistChange = persistFile !== undefined && !samePersisted(previous, content);
  if (changes.length === 0 && !persistChange) {
    return { plan, written: [], backupFile: undefined, persistFile: undefined };
  }
  const backup: Backup = {
    version: 1,
    created,
    profile: profile.name,
    netns: procSys.netns.path,
    netnsLabel: procSys.netns.name,
    netnsInode: procSys.netns.inode,
    procRoot: procSys.root,
    values: changes.map((e) => ({ key: e.key, previous: e.current, written: e.target })),
    persist: persistChange ? { file: persistFile, previous } : null,
  };
  const backupFile = saveBackup(opts.stateDir, backup);
  const written: PlanEntry[] = [];
  try {
    for (const e of changes) {
      writeKey(procSys, e.key, e.target);
      written.push(e);
    }
    if (persistChange && content !== undefined) writeFileAtomic(persistFile, content);
  } catch (err) {
    const failures = restore(procSys, written);
    const what =
      err instanceof IdlereapError ? err.message : `writing ${persistFile}: ${(err as Error).message}`;
    const restored = written.length
      ? `restored ${written.map((e) => e.key).join(", ")}`
      : "nothing had been written";
    if (failures.length === 0) retireBackup(backupFile);
    const tail = failures.length
      ? `; could not restore ${failures.join(", ")} (backup kept: ${backupFile})`
      : "";
    throw new IdlereapError("IDLEREAP_ERR_TUNE_WRITE", `${what}; ${restored}${tail}`, { cause: err });
  }
  return {
    plan,
    written: written.map((e) => e.key),
    backupFile,
    persistFile: persistChange ? persistFile : undefined,
  };
}

/** The persisted file says the same, apart from its "Written ... at <time>" line. */
function samePersisted(previous: string | null, next: string | undefined): boolean {
  if (previous === null || next === undefined) return false;
  const body = (text: string) => text.replace(/^# Written by idlereap .*\n/, "");
  return body(previous) === body(next);
}

/** Writes one key, turning the kernel's refusal into a message that names key, value and reason. */
export function writeKey(procSys: ProcSys, key: string, value: string): void {
  try {
    procSys.write(key, value);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    const why: Record<string, string> = {
      EINVAL: "the kernel rejected the value",
      EACCES: "the key is read-only here",
      EPERM: "not permitted",
      ENOENT: "no such key",
    };
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_WRITE",
      `writing ${key} = ${value} failed: ${code} (${why[code] ?? (err as Error).message})`,
      { cause: err },
    );
  }
}

/** Restores written entries in reverse order; returns the keys that could not be restored. */
function restore(procSys: ProcSys, written: readonly PlanEntry[]): string[] {
  const failed: string[] = [];
  for (const e of [...written].reverse()) {
    try {
      procSys.write(e.key, e.current);
    } catch {
      failed.push(e.key);
    }
  }
  return failed;
}
