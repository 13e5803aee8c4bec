// `idlereap completion bash|zsh|fish`: prints the shell's completion script (from @bomb.sh/tab).
// The script asks `idlereap complete -- WORDS` for candidates at each TAB (see complete.ts).
import { script } from "@bomb.sh/tab";
import { Command } from "commander";
import { SHELLS } from "../completion-tree.js";
import { parseChoice } from "../flags.js";
import { withHelp } from "../help.js";

export function completionCommand(): Command {
  const cmd = new Command("completion")
    .description("Print the shell completion script: bash, zsh or fish")
    .argument("<shell>", SHELLS.join(", "))
    .action((shell: string) => {
      script(parseChoice(shell, SHELLS, "shell", "is not one of bash, zsh, fish"), "idlereap", "idlereap");
    });
  return withHelp(cmd, "completion", [
    ["idlereap completion bash > /etc/bash_completion.d/idlereap", "bash (needs bash-completion)"],
    ["idlereap completion zsh > /usr/local/share/zsh/site-functions/_idlereap", "zsh (a $fpath folder)"],
    ["idlereap completion fish > ~/.config/fish/completions/idlereap.fish", "fish"],
  ]);
}
