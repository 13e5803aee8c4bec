// Every subcommand, in the order `idlereap --help` lists them.
import type { Command } from "commander";
import { firewallCommand } from "./firewall.js";
import { killCommand } from "./kill.js";
import { lsCommand } from "./ls.js";
import { statusCommand } from "./status.js";
import { tuneCommand } from "./tune.js";

export const commands: (() => Command)[] = [statusCommand, lsCommand, killCommand, tuneCommand, firewallCommand];
