// `tune apply`: compare a profile with what the namespace has, and with consent write the difference,
// saving the previous values first and restoring them if any write fails.
import { existsSync, readFileSync } from "node:fs";
import { IdlereapError } from "../errors.js";
import { writeFileAtomic } from "./atomic-write.js";
import { type Backup, retireBackup, saveBackup } from "./backup.js";
import { renderSysctlConf } from "./persist.js";
import { isGlobal, type ProcSys } from "./proc-sys.js";
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
  readonly entries: readonly PlanEntry[];
  /** Optional keys this kernel does not have (module not loaded, older kernel). */
  readonly skipped: readonly string[];
  /** Global keys the plan would change from inside a non-host namespace. */
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
      scope: spec?.scope ?? "netns",
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
  const globalChanges = procSys.netns.isHost
    ? []
    : entries.filter((e) => e.change && isGlobal(e.key)).map((e) => e.key);
  return { profile, netns: procSys.netns.label, entries, skipped, globalChanges };
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
    out.push(
      `! global keys would change the whole host, not just namespace ${plan.netns}: ${plan.globalChanges.join(", ")} (needs --allow-global)`,
    );
  }
  return `${out.join("\n")}\n`;
}

export interface ApplyOptions {
  readonly procSys: ProcSys;
  readonly profile: Profile;
  /** Directory for backups (default /var/lib/idlereap). */
  readonly stateDir: string;
  /** Write global keys even from inside a non-host namespace. */
  readonly allowGlobal?: boolean;
  /** Also write this sysctl.d file (atomically). */
  readonly persistFile?: string;
  readonly now?: Date;
}

export interface ApplyResult {
  readonly plan: TunePlan;
  readonly written: readonly string[];
  readonly backupFile: string;
  readonly persistFile: string | undefined;
}

/** Applies a profile. Throws before any change for unknown or refused global keys. */
export function applyTune(opts: ApplyOptions): ApplyResult {
  const { procSys, profile } = opts;
  const plan = planTune(profile, procSys);
  if (plan.globalChanges.length > 0 && !opts.allowGlobal) {
    throw new IdlereapError(
      "IDLEREAP_ERR_TUNE_GLOBAL_KEY",
      `${plan.globalChanges.join(", ")} ${plan.globalChanges.length > 1 ? "are" : "is"} global: writing from namespace ${plan.netns} would change the whole host; pass --allow-global to do it anyway, or drop the key from the profile; nothing was changed`,
    );
  }
  const created = (opts.now ?? new Date()).toISOString();
  const changes = plan.entries.filter((e) => e.change);
  const persistFile = opts.persistFile;
  const backup: Backup = {
    version: 1,
    created,
    profile: profile.name,
    netns: procSys.netns.path ?? null,
    netnsLabel: procSys.netns.label,
    procRoot: procSys.root,
    values: changes.map((e) => ({ key: e.key, previous: e.current, written: e.target })),
    persist: persistFile
      ? { file: persistFile, previous: existsSync(persistFile) ? readFileSync(persistFile, "utf8") : null }
      : null,
  };
  const backupFile = saveBackup(opts.stateDir, backup);
  const written: PlanEntry[] = [];
  try {
    for (const e of changes) {
      writeKey(procSys, e.key, e.target);
      written.push(e);
    }
    if (persistFile) {
      writeFileAtomic(
        persistFile,
        renderSysctlConf(
          profile,
          new Map(plan.entries.map((e) => [e.key, e.keptHigher ? e.current : e.target])),
          created,
        ),
      );
    }
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
  return { plan, written: written.map((e) => e.key), backupFile, persistFile };
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
