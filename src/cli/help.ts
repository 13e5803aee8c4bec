// The end of every command's --help: two or three examples and where the command's documentation
// is. The docs ship in the package (docs/*.md); this file sits two levels below the package root
// both in src/cli and in the bundle (dist/bundle), so the path resolves from here in both.
import { fileURLToPath } from "node:url";
import type { Command } from "commander";

/** The installed Markdown page of `topic` (docs/<topic>.md in the package; README for the overview). */
export function docsPath(topic: string): string {
  const file = topic === "README" ? "README.md" : `docs/${topic}.md`;
  return fileURLToPath(new URL(`../../${file}`, import.meta.url));
}

const HOMEPAGE = "https://github.com/idlereap/idlereap#readme";

/** Where to read more: the command's page, or for the overview the folder of pages and the homepage. */
function docsLine(topic: string): string {
  if (topic !== "README") return `Docs: ${docsPath(topic)}`;
  const dir = fileURLToPath(new URL("../../docs/", import.meta.url));
  return `Documentation: ${dir} (one page per command) and ${HOMEPAGE}; the overview: ${docsPath(topic)}`;
}

/**
 * Adds examples (command line, what it does) and the docs link after `cmd`'s help; `extra` (built
 * only when help is shown) goes before the examples. Returns `cmd`.
 */
export function withHelp(
  cmd: Command,
  topic: string,
  examples: readonly [string, string][],
  extra?: () => string,
): Command {
  const width = Math.max(...examples.map(([line]) => line.length));
  const lines = examples.map(([line, what]) => `  $ ${line.padEnd(width)}  # ${what}`);
  return cmd.addHelpText(
    "after",
    () => `${extra ? `\n${extra()}` : ""}\nExamples:\n${lines.join("\n")}\n\n${docsLine(topic)}\n`,
  );
}
