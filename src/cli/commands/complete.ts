// `idlereap complete -- WORDS` (hidden): the candidates for the word being completed, one
// "value<TAB>description" a line, as the scripts of `idlereap completion` expect.
import { Command } from "commander";
import { commandLoaders } from "../command-registry.js";
import { completionTree } from "../completion-tree.js";

export function completeCommand(): Command {
  return new Command("complete")
    .description("print completion candidates for the shell scripts")
    .argument("[words...]")
    .allowUnknownOption()
    .action(async (words: string[]) => {
      const program = new Command("idlereap");
      for (const load of Object.values(commandLoaders)) program.addCommand((await load())());
      const { SORTS } = await import("./ls.js");
      completionTree(program, Object.keys(SORTS)).parse(words);
    });
}
