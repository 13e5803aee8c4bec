// Shell completion candidates: the command tree (commands, subcommands, flags) read from the
// commander program, and the values a flag takes: states, namespaces, profiles, sort keys. The
// shell scripts from `idlereap completion` ask `idlereap complete -- WORDS` at each TAB.
import { readdirSync } from "node:fs";
import { RootCommand } from "@bomb.sh/tab";
import type { Command } from "commander";
import { STATE_NAMES } from "../select/states.js";
import { listBuiltinProfiles } from "../tune/profile.js";
import { COLOR_MODES } from "./output/color.js";
import { LOG_FORMATS } from "./output/log-format.js";
import { GROUPS, SORTS as TOP_SORTS } from "./top/top-model.js";

type Values = (command: string) => readonly string[];

function namespaceNames(): string[] {
  try {
    return readdirSync("/run/netns");
  } catch {
    return [];
  }
}

/** Values of flags that take one, by the flag's long name; `command` is the path, e.g. "tune apply". */
const VALUES: Record<string, Values> = {
  state: () => [...STATE_NAMES, "all", "connected", "synchronized", "bucket"],
  netns: () => ["host", "all", ...namespaceNames()],
  profile: () => listBuiltinProfiles(),
  color: () => COLOR_MODES,
  "log-format": () => LOG_FORMATS,
  group: () => GROUPS,
  mode: () => ["graceful", "abort"],
  keepalive: () => ["on", "off"],
  sort: (command) => (command === "top" ? TOP_SORTS : LS_SORTS),
};

let LS_SORTS: readonly string[] = [];

/** Builds the completion tree of `program`; `lsSorts` are ls's sort keys (ls.ts owns them). */
export function completionTree(program: Command, lsSorts: readonly string[]): RootCommand {
  LS_SORTS = lsSorts;
  const root = new RootCommand();
  addOptions(root, program, "");
  const walk = (cmd: Command, path: string) => {
    for (const sub of cmd.commands) {
      const name = path ? `${path} ${sub.name()}` : sub.name();
      if (sub.name() === "complete") continue;
      const node = root.command(name, sub.description());
      addOptions(node, sub, name);
      if (name === "completion")
        node.argument("shell", (complete) => {
          for (const s of SHELLS) complete(s, "");
        });
      walk(sub, name);
    }
  };
  walk(program, "");
  return root;
}

export const SHELLS = ["bash", "zsh", "fish"] as const;

function addOptions(
  node: RootCommand | ReturnType<RootCommand["command"]>,
  cmd: Command,
  path: string,
): void {
  for (const opt of cmd.options) {
    const long = opt.long?.replace(/^--/, "");
    if (!long) continue;
    const short = opt.short?.replace(/^-/, "");
    const values = VALUES[long];
    if (opt.required || opt.optional) {
      const handler = (complete: (value: string, description: string) => void) => {
        for (const v of values?.(path) ?? []) complete(v, "");
      };
      node.option(long, opt.description, handler, short);
    } else if (short) node.option(long, opt.description, short);
    else node.option(long, opt.description);
  }
}
