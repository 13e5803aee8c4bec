// `idlereap tune audit|apply|rollback|lint`: read, apply, persist and undo sysctl profiles.

import { basename, dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { InputError } from "../../errors.js";
import { CURRENT_NETNS, type NetnsRef, resolveNetns } from "../../kernel/netns.js";
import { applyTune, formatPlan, planTune } from "../../tune/apply.js";
import { audit, formatAudit } from "../../tune/audit.js";
import { DEFAULT_STATE_DIR } from "../../tune/backup.js";
import { formatFindings, lintFiles } from "../../tune/lint.js";
import { currentPersisted, DEFAULT_PERSIST_FILE } from "../../tune/persist.js";
import { DEFAULT_PROC_SYS, ProcSys } from "../../tune/proc-sys.js";
import { listBuiltinProfiles, loadProfile } from "../../tune/profile.js";
import { type RollbackResult, rollbackTune } from "../../tune/rollback.js";
import { withHelp } from "../help.js";
import { io } from "../io.js";

/** Roots the CLI reads from the environment so that tests never touch the host's files. */
function roots() {
  const env = process.env;
  const persistFile = env.IDLEREAP_SYSCTL_D
    ? join(env.IDLEREAP_SYSCTL_D, "90-idlereap.conf")
    : DEFAULT_PERSIST_FILE;
  return {
    procSys: env.IDLEREAP_PROC_SYS || DEFAULT_PROC_SYS,
    stateDir: env.IDLEREAP_STATE_DIR || DEFAULT_STATE_DIR,
    persistFile,
    sysctlDir: dirname(persistFile),
  };
}

/** --netns: the namespace the command runs in (default), host, a name in /run/netns, or a path. */
function target(spec: string | undefined): NetnsRef {
  return resolveNetns(spec ?? CURRENT_NETNS);
}

function out(text: string): void {
  io.stdout.write(text);
}

/** Subcommands added with addCommand do not inherit these: errors must reach main() to exit 2. */
export function strict(cmd: Command): Command {
  cmd.exitOverride().showHelpAfterError("(run with --help for usage)");
  for (const sub of cmd.commands) strict(sub);
  return cmd;
}

const NETNS_HELP =
  "network namespace: the one the command runs in (default), host (PID 1's), a name in /run/netns, or a path";

function auditCommand(): Command {
  const cmd = new Command("audit")
    .description(
      "show the idle-connection sysctls of a namespace, what they mean, and what a profile would set",
    )
    .option("--netns <ns>", NETNS_HELP)
    .option("--profile <name|file>", "profile to compare with", "kernel-default")
    .option("--json", "print JSON")
    .action((o: { netns?: string; profile: string; json?: boolean }) => {
      const profile = loadProfile(o.profile);
      const report = audit({ procSys: new ProcSys(roots().procSys, target(o.netns)), profile });
      // Absent keys stay in the JSON as null rather than vanishing.
      out(
        o.json
          ? `${JSON.stringify(report, (_k, v) => (v === undefined ? null : v), 2)}\n`
          : formatAudit(report),
      );
    });
  return withHelp(cmd, "tune", [
    ["idlereap tune audit", "the host's idle-connection sysctls and what they mean"],
    ["idlereap tune audit --profile fast-release --netns web", "what a profile would change in a namespace"],
  ]);
}

interface ApplyFlags {
  profile: string;
  netns?: string;
  persist?: string | boolean;
  yes?: boolean;
  allowGlobal?: boolean;
}

function applyCommand(): Command {
  const cmd = new Command("apply")
    .description("apply a profile: prints the diff, and writes it only with --yes")
    .requiredOption("--profile <name|file>", "built-in profile name or a YAML file")
    .option("--netns <ns>", NETNS_HELP)
    .option(
      "--persist [file]",
      "also write a sysctl.d file (default /etc/sysctl.d/90-idlereap.conf; for a non-host namespace name the file)",
    )
    .option(
      "--allow-global",
      "write global keys (fs.*, tcp_max_orphans, nf_conntrack_max, and keys idlereap does not know): they change the whole host",
    )
    .option("--yes", "make the change")
    .action((o: ApplyFlags) => {
      const r = roots();
      const profile = loadProfile(o.profile);
      const procSys = new ProcSys(r.procSys, target(o.netns));
      const persistFile = persistTarget(o.persist, procSys, r.sysctlDir, r.persistFile);
      if (!o.yes) {
        out(formatPlan(planTune(profile, procSys)));
        if (persistFile) out(`would write ${persistFile}\n`);
        out("nothing changed (run again with --yes to apply)\n");
        return;
      }
      const res = applyTune({
        procSys,
        profile,
        stateDir: r.stateDir,
        allowGlobal: o.allowGlobal === true,
        ...(persistFile ? { persistFile } : {}),
      });
      out(formatPlan(res.plan));
      if (res.backupFile === undefined) {
        out("nothing to change: the namespace already has these values; no backup written\n");
        return;
      }
      out(`applied ${res.written.length} change(s); previous values saved in ${res.backupFile}\n`);
      if (res.persistFile) {
        out(`persisted to ${res.persistFile}\n`);
        if (!procSys.isHost) {
          out(
            "note: sysctl --system applies this file to the host's namespace at boot, not to this namespace\n",
          );
        }
      }
    });
  return withHelp(
    cmd,
    "tune",
    [
      ["idlereap tune apply --profile fast-release", "show the diff (dry run)"],
      ["idlereap tune apply --profile cloud-lb --persist --yes", "apply and persist to sysctl.d"],
      ["idlereap tune apply --profile ./mine.yaml --netns web --yes", "a profile file, in a namespace"],
    ],
    profileList,
  );
}

/** The built-in profiles with their one-line descriptions, for `tune apply --help`. */
function profileList(): string {
  const names = listBuiltinProfiles();
  const width = Math.max(...names.map((n) => n.length));
  const lines = names.map((n) => `  ${n.padEnd(width)}  ${loadProfile(n).description ?? ""}`);
  return `Built-in profiles (--profile NAME):\n${lines.join("\n")}\n`;
}

/**
 * The sysctl.d file to write, if any. The default file is applied to the host at boot, so it is
 * refused for another namespace unless named; any file must be a *.conf file in the sysctl.d
 * directory (the only place rollback restores) and not a directory or other non-regular file.
 */
function persistTarget(
  flag: string | boolean | undefined,
  procSys: ProcSys,
  sysctlDir: string,
  defaultFile: string,
): string | undefined {
  if (flag === undefined || flag === false) return undefined;
  if (flag === true && !procSys.isHost) {
    throw new InputError(
      "IDLEREAP_ERR_CLI_USAGE",
      `--persist: namespace ${procSys.netns.name} is not the host's, and ${defaultFile} is applied to the host's namespace at boot; name the file (--persist FILE) to write it anyway; nothing was changed`,
      "--persist",
    );
  }
  const file = flag === true ? defaultFile : resolve(flag);
  if (dirname(file) !== resolve(sysctlDir) || !basename(file).endsWith(".conf")) {
    throw new InputError(
      "IDLEREAP_ERR_CLI_USAGE",
      `--persist: ${file} is not a *.conf file in ${resolve(sysctlDir)} (where sysctl --system reads and tune rollback restores); nothing was changed`,
      "--persist",
    );
  }
  currentPersisted(file);
  return file;
}

interface RollbackFlags {
  netns?: string;
  yes?: boolean;
  allowGlobal?: boolean;
}

function rollbackCommand(): Command {
  const cmd = new Command("rollback")
    .description(
      "restore the values (and persisted file) from before the last apply in a namespace, or from BACKUP; prints the plan, acts only with --yes",
    )
    .argument("[backup]", "backup file written by tune apply (it must be for the target namespace)")
    .option("--netns <ns>", `${NETNS_HELP}; the newest backup taken there is used`)
    .option("--allow-global", "restore global keys too (they change the whole host)")
    .option("--yes", "make the change")
    .action((backup: string | undefined, o: RollbackFlags) => {
      const r = roots();
      const res = rollbackTune({
        stateDir: r.stateDir,
        netns: target(o.netns),
        sysRoot: r.procSys,
        sysctlDir: r.sysctlDir,
        allowGlobal: o.allowGlobal === true,
        yes: o.yes === true,
        ...(backup ? { backup } : {}),
      });
      out(formatRollback(res));
    });
  return withHelp(cmd, "tune", [
    ["idlereap tune rollback", "show what undoing the last apply here would restore"],
    ["idlereap tune rollback --yes", "undo it"],
    ["idlereap tune rollback --netns blue --yes", "undo the last apply in namespace blue"],
  ]);
}

function formatRollback(res: RollbackResult): string {
  const lines: string[] = [];
  if (res.skipped > 0) {
    lines.push(`note: ${res.skipped} newer backup(s) of other or deleted namespaces left alone`);
  }
  if (!res.applied) {
    lines.push(`would restore into ${res.netns} from ${res.backupFile}:`);
    for (const e of res.entries) {
      lines.push(`~ ${e.key}  ${e.current ?? "(absent)"} → ${e.previous}${e.global ? "  [global]" : ""}`);
    }
    if (res.persist)
      lines.push(`would ${res.persist.action === "removed" ? "remove" : "restore"} ${res.persist.file}`);
    if (res.entries.some((e) => e.global))
      lines.push("! global keys change the whole host (needs --allow-global)");
    lines.push("nothing changed (run again with --yes to roll back)");
    return `${lines.join("\n")}\n`;
  }
  lines.push(`restored into ${res.netns} from ${res.backupFile}:`);
  for (const v of res.restored) lines.push(`restored ${v.key} = ${v.value}`);
  for (const c of res.changedSince)
    lines.push(`note: ${c.key} was ${c.found}, not ${c.written} as idlereap left it`);
  if (res.persist) lines.push(`${res.persist.action} ${res.persist.file}`);
  lines.push(`backup retired as ${res.retiredAs}`);
  return `${lines.join("\n")}\n`;
}

function lintCommand(): Command {
  const cmd = new Command("lint")
    .description("check sysctl.conf / sysctl.d files as `sysctl --system` reads them; exit 1 on errors")
    .argument("<files...>", "files or sysctl.d directories")
    .option("--json", "print JSON")
    .action((files: string[], o: { json?: boolean }) => {
      const findings = lintFiles(files, { sysRoot: roots().procSys });
      out(o.json ? `${JSON.stringify(findings, null, 2)}\n` : formatFindings(findings));
      const errors = findings.filter((f) => f.severity === "error").length;
      if (!o.json) out(`${errors} error(s), ${findings.length - errors} other finding(s)\n`);
      if (errors > 0) process.exitCode = 1;
    });
  return withHelp(cmd, "tune", [
    ["idlereap tune lint /etc/sysctl.conf /etc/sysctl.d", "check the files sysctl --system reads"],
    ["idlereap tune lint --json /etc/sysctl.d", "findings as JSON"],
  ]);
}

export function tuneCommand(): Command {
  const cmd = new Command("tune")
    .description("audit, apply, persist and roll back idle-connection sysctls; lint sysctl files")
    .addCommand(auditCommand())
    .addCommand(applyCommand())
    .addCommand(rollbackCommand())
    .addCommand(lintCommand());
  return strict(
    withHelp(cmd, "tune", [
      ["idlereap tune audit", "the idle-connection sysctls and what they mean"],
      ["idlereap tune apply --profile fast-release --yes", "find dead peers in minutes, not hours"],
      ["idlereap tune rollback", "undo the last apply"],
    ]),
  );
}
