// `idlereap run`: the policy daemon. The policy is validated before anything runs; SIGHUP reloads it
// (a bad new policy is refused and the old one keeps running); SIGTERM and SIGINT stop cleanly.

import { Command } from "commander";
import { Registry } from "prom-client";
import { Daemon } from "../../daemon/daemon.js";
import { preflightPolicy } from "../../daemon/policy-preflight.js";
import { loadPolicyFile } from "../../policy/policy-load.js";
import type { Policy } from "../../policy/policy-schema.js";
import { formatSummary, summarize } from "../../reap/summary.js";
import { formatDuration } from "../../util/duration.js";
import { usage } from "../flags.js";
import { io } from "../io.js";

interface RunFlags {
  config?: string;
  check?: boolean;
  dryRun?: boolean;
  once?: boolean;
}

export function runCommand(): Command {
  return new Command("run")
    .description("Run the policy daemon: scan on an interval and apply the policy's rules")
    .option("-c, --config <file>", "policy file (YAML)", "/etc/idlereap/policy.yaml")
    .option("--check", "validate the policy and exit (0 valid, 2 not)")
    .option("--dry-run", "do everything but the closing: actions are audited as would-act")
    .option("--once", "run one scan (and its grace periods) and exit")
    .action((flags: RunFlags) => runDaemon(flags));
}

async function runDaemon(flags: RunFlags): Promise<void> {
  const file = flags.config;
  if (!file) throw usage("--config: a policy file is required", "--config");
  const policy = loadChecked(file);
  if (flags.check) {
    io.stdout.write(
      `${file}: valid, ${policy.rules.length} rules, interval ${formatDuration(policy.interval)}\n`,
    );
    return;
  }
  const daemon = new Daemon(policy, { registry: new Registry(), dryRun: flags.dryRun === true });
  if (flags.once) {
    await runOnce(daemon);
    return;
  }
  await daemon.start();
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      io.stderr.write(`idlereap run: ${signal}, stopping\n`);
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
}

/** The policy with every check `run` makes before acting (schema, audit file, namespaces). */
function loadChecked(file: string): Policy {
  const policy = loadPolicyFile(file);
  for (const warning of preflightPolicy(policy, file)) io.stderr.write(`idlereap run: ${warning}\n`);
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
  const outcomes = daemon.scanOnce();
  await daemon.settle();
  const summary = summarize(outcomes);
  await daemon.stop();
  io.stdout.write(`${formatSummary(summary, false)}\n`);
  if (summary.failed > 0) process.exitCode = 1;
}
