// `idlereap tune audit|apply|rollback|lint`: read, apply, persist and undo sysctl profiles.

import { join } from "node:path";
import { Command } from "commander";
import { applyTune, formatPlan, planTune } from "../../tune/apply.js";
import { audit, formatAudit } from "../../tune/audit.js";
import { DEFAULT_STATE_DIR } from "../../tune/backup.js";
import { formatFindings, lintFiles } from "../../tune/lint.js";
import { resolveNetns } from "../../tune/netns.js";
import { DEFAULT_PERSIST_FILE } from "../../tune/persist.js";
import { DEFAULT_PROC_SYS, ProcSys } from "../../tune/proc-sys.js";
import { listBuiltinProfiles, loadProfile } from "../../tune/profile.js";
import { rollbackTune } from "../../tune/rollback.js";
import { withHelp } from "../help.js";
import { io } from "../io.js";

/** Roots the CLI reads from the environment so that tests never touch the host's files. */
function roots() {
  const env = process.env;
  return {
    procSys: env.IDLEREAP_PROC_SYS || DEFAULT_PROC_SYS,
    stateDir: env.IDLEREAP_STATE_DIR || DEFAULT_STATE_DIR,
    persistFile: env.IDLEREAP_SYSCTL_D
      ? join(env.IDLEREAP_SYSCTL_D, "90-idlereap.conf")
      : DEFAULT_PERSIST_FILE,
  };
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

const NETNS_HELP = "network namespace: host, a name in /run/netns, or a path like /proc/PID/ns/net";

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
      const report = audit({ procSys: new ProcSys(roots().procSys, resolveNetns(o.netns)), profile });
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
    .option("--persist [file]", "also write a sysctl.d file (default /etc/sysctl.d/90-idlereap.conf)")
    .option(
      "--allow-global",
      "write global keys (fs.*, tcp_max_orphans, nf_conntrack_max) from inside a namespace",
    )
    .option("--yes", "make the change")
    .action((o: ApplyFlags) => {
      const r = roots();
      const profile = loadProfile(o.profile);
      const procSys = new ProcSys(r.procSys, resolveNetns(o.netns));
      const persistFile =
        o.persist === undefined || o.persist === false
          ? undefined
          : o.persist === true
            ? r.persistFile
            : o.persist;
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
      out(`applied ${res.written.length} change(s); previous values saved in ${res.backupFile}\n`);
      if (res.persistFile) {
        out(`persisted to ${res.persistFile}\n`);
        if (!procSys.netns.isHost) {
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

function rollbackCommand(): Command {
  const cmd = new Command("rollback")
    .description("restore the values (and persisted file) from before the last apply, or from BACKUP")
    .argument("[backup]", "backup file written by tune apply")
    .option("--netns <ns>", "restore into this namespace instead of the one the backup records")
    .action((backup: string | undefined, o: { netns?: string }) => {
      const r = roots();
      const res = rollbackTune({
        stateDir: r.stateDir,
        ...(backup ? { backup } : {}),
        ...(o.netns ? { netns: o.netns } : {}),
        ...(process.env.IDLEREAP_PROC_SYS ? { procRoot: r.procSys } : {}),
      });
      for (const v of res.restored) out(`restored ${v.key} = ${v.value}\n`);
      for (const c of res.changedSince)
        out(`note: ${c.key} was ${c.found}, not ${c.written} as idlereap left it\n`);
      if (res.persist) out(`${res.persist.action} ${res.persist.file}\n`);
      out(`backup retired as ${res.backupFile}\n`);
    });
  return withHelp(cmd, "tune", [
    ["idlereap tune rollback", "undo the last apply"],
    ["idlereap tune rollback /var/lib/idlereap/backup-X.json", "restore a given backup"],
  ]);
}

function lintCommand(): Command {
  const cmd = new Command("lint")
    .description("check sysctl.conf / sysctl.d files as `sysctl --system` reads them; exit 1 on errors")
    .argument("<files...>", "files or sysctl.d directories")
    .option("--json", "print JSON")
    .action((files: string[], o: { json?: boolean }) => {
      const findings = lintFiles(files, { procRoot: roots().procSys });
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
