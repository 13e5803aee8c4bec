// Every subcommand, in the order `idlereap --help` lists them.
import type { Command } from "commander";

export const commands: (() => Command)[] = [];
