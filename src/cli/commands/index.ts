// Every subcommand, in the order `idlereap --help` lists them.
import type { Command } from "commander";
import { firewallCommand } from "./firewall.js";
import { lsCommand } from "./ls.js";
import { tuneCommand } from "./tune.js";

export const commands: (() => Command)[] = [lsCommand, tuneCommand, firewallCommand];
