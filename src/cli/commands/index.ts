// Every subcommand, in the order `idlereap --help` lists them. Each is loaded only when it runs
// (or for --help), so `idlereap ls` does not pay for the YAML, schema and metrics libraries.
import type { Command } from "commander";

type Factory = () => Command;

export const commandLoaders: Record<string, () => Promise<Factory>> = {
  status: async () => (await import("./status.js")).statusCommand,
  ls: async () => (await import("./ls.js")).lsCommand,
  top: async () => (await import("./top.js")).topCommand,
  kill: async () => (await import("./kill.js")).killCommand,
  probe: async () => (await import("./probe.js")).probeCommand,
  run: async () => (await import("./run.js")).runCommand,
  tune: async () => (await import("./tune.js")).tuneCommand,
  firewall: async () => (await import("./firewall.js")).firewallCommand,
  completion: async () => (await import("./completion.js")).completionCommand,
  complete: async () => (await import("./complete.js")).completeCommand,
};

/** The factories for `argv`'s command, none for --version, or all of them when none is named (help). */
export async function loadCommands(argv: readonly string[]): Promise<Factory[]> {
  const name = argv.slice(2).find((a) => !a.startsWith("-"));
  const loader = name === undefined ? undefined : commandLoaders[name];
  if (loader) return [await loader()];
  if (name === undefined && argv.some((a) => a === "-V" || a === "--version")) return [];
  return Promise.all(Object.values(commandLoaders).map((load) => load()));
}
