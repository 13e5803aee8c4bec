// `idlereap run`: the policy daemon. The policy is validated before anything runs; SIGHUP reloads it
// (a bad new policy is refused and the old one keeps running); SIGTERM and SIGINT stop cleanly.

import { Command } from "commander";
import { Registry } from "prom-client";
import { Daemon } from "../../daemon/daemon.js";
import { preflightPolicy } from "../../daemon/policy-preflight.js";
import { policyWarnings } from "../../policy/keepalive-rule.js";
import { loadPolicyFile } from "../../policy/policy-load.js";
import type { Policy } from "../../policy/policy-schema.js";
import { formatSummary, summarize } from "../../reap/summary.js";
import { formatDuration } from "../../util/duration.js";
import { plural } from "../../util/plural.js";
import { usage } from "../flags.js";
import { withHelp } from "../help.js";
import { io } from "../io.js";
import { logger, parseLogFormat } from "../output/log-format.js";

interface RunFlags {
  config?: string;
  check?: boolean;
  dryRun?: boolean;
  once?: boolean;
  logFormat?: string;
}

export function runCommand(): Command {
  const cmd = new Command("run")
    .description("Run the policy daemon: scan on an interval and apply the policy's rules")
    .option("-c, --config <file>", "policy file (YAML)", "/etc/idlereap/policy.yaml")
    .option("--check", "validate the policy and exit (0 valid, 2 not)")
    .option("--dry-run", "do everything but the closing: actions are audited as would-act")
    .option("--once", "run one scan (and its grace periods) and exit")
    .option("--log-format <text|logfmt|json>", "log lines on stderr, each with a timestamp", "text")
    .action((flags: RunFlags) => runDaemon(flags));
  return withHelp(cmd, "run", [
    ["idlereap run --check -c policy.yaml", "validate a policy (exit 2 when it is not)"],
    ["idlereap run -c policy.yaml --dry-run --once", "one scan that only audits what it would do"],
    ["idlereap run -c policy.yaml --log-format json", "the daemon, logging JSON lines for a log shipper"],
  ]);
}

async function runDaemon(flags: RunFlags): Promise<void> {
  const file = flags.config;
  if (!file) throw usage("--config: a policy file is required", "--config");
  const log = logger(parseLogFormat(flags.logFormat), io.stderr);
  const policy = loadChecked(file);
  if (flags.check) {
    io.stdout.write(
      `${file}: valid, ${plural(policy.rules.length, "rule")}, interval ${formatDuration(policy.interval)}\n`,
    );
    return;
  }
  const daemon = new Daemon(policy, { registry: new Registry(), dryRun: flags.dryRun === true, log });
  if (flags.once) {
    await runOnce(daemon);
    return;
  }
  // The handlers go in before start(): its first scan runs at once, and a SIGTERM arriving during it
  // would otherwise end the process with the default action, without "stopped" or closing the endpoint.
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log(`${signal}, stopping`);
      daemon.stop().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
    // Reloads run one after another, so two quick SIGHUPs cannot interleave their switches.
    let reloading = Promise.resolve();
    process.on("SIGHUP", () => {
      reloading = reloading.then(() => reload(daemon, file));
    });
  });
  await daemon.start();
  await stopped;
}

/** Settings the kernel carries out differently from how they read (a user timeout that replaces the count). */
function warn(file: string, policy: Policy): void {
  for (const w of policyWarnings(policy)) io.stderr.write(`${file}: ${w.key}: warning: ${w.message}\n`);
}

/** The policy with every check `run` makes before acting (schema, audit file, namespaces). */
function loadChecked(file: string): Policy {
  const policy = loadPolicyFile(file);
  for (const warning of preflightPolicy(policy, file)) io.stderr.write(`idlereap run: ${warning}\n`);
  warn(file, policy);
  return policy;
}

async function reload(daemon: Daemon, file: string): Promise<void> {
  try {
    await daemon.reload(loadChecked(file));
  } catch (err) {
    daemon.reloadRefused((err as Error).message);
  }
}

async function runOnce(daemon: Daemon): Promise<void> {
  daemon.recoverProbes();
  const outcomes = daemon.scanOnce();
  const problems = [...daemon.lastProblems];
  await daemon.settle();
  const summary = summarize(outcomes);
  await daemon.stop();
  io.stdout.write(`${formatSummary(summary, false)}\n`);
  if (summary.failed > 0) process.exitCode = 1;
  // A scan that could not look is not a clean scan: say what was missed and exit non-zero.
  if (problems.length > 0) {
    io.stderr.write(`idlereap run: incomplete scan: ${problems.join(", ")}\n`);
    process.exitCode = 1;
  }
}
