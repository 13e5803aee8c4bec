// The commands people type, in the order `idlereap --help` lists them. Each is loaded only when it
// runs (or for --help), so `idlereap ls` does not pay for the YAML, schema and metrics libraries.
// The hidden `complete` command builds its completion tree from this list.
import type { Command } from "commander";

export type Factory = () => Command;

export const commandLoaders: Record<string, () => Promise<Factory>> = {
  status: async () => (await import("./commands/status.js")).statusCommand,
  ls: async () => (await import("./commands/ls.js")).lsCommand,
  top: async () => (await import("./commands/top.js")).topCommand,
  kill: async () => (await import("./commands/kill.js")).killCommand,
  probe: async () => (await import("./commands/probe.js")).probeCommand,
  run: async () => (await import("./commands/run.js")).runCommand,
  tune: async () => (await import("./commands/tune.js")).tuneCommand,
  firewall: async () => (await import("./commands/firewall.js")).firewallCommand,
  completion: async () => (await import("./commands/completion.js")).completionCommand,
};
