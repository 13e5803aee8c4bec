// Every subcommand, loaded on demand: what main.ts registers for an argv.
import { type Factory, commandLoaders as visible } from "../command-registry.js";

/** Every command: the visible ones, and `complete`, which serves the completion scripts. */
export const commandLoaders: Record<string, () => Promise<Factory>> = {
  ...visible,
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
